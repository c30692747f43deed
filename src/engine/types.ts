/**
 * The public shapes of the run engine. Units are seconds and bytes throughout.
 *
 * Mapping from the original Python runner (simple-cp-sandbox 0.1):
 *   returncode -> exitCode, elapsed -> wallTime, timed_out -> timedOut,
 *   SandboxConfig(read_deny_paths, write_allow_paths) -> { readDenyPaths, writeAllowPaths }.
 */
import type { Readable, Writable } from 'node:stream';

/** What the program may see of the filesystem. Both lists name existing directories. */
export interface SandboxConfig {
  /** Directories the program cannot read, list or execute from (nor anything beneath). */
  readDenyPaths?: readonly string[];
  /** The only directories the program may write, create, remove, rename or truncate in. */
  writeAllowPaths?: readonly string[];
}

export interface RunOptions {
  /** Wall-clock limit in seconds, from the program's exec to its exit. Default 10. */
  timeout?: number;
  /** CPU-time limit (user + system) in seconds. Default: the wall timeout. */
  cpuTime?: number;
  /**
   * Memory limit in bytes: peak resident memory above it is MLE. Reserved address space is not counted; private
   * writable memory is capped at twice the limit (RLIMIT_DATA). Default 1 GiB.
   */
  memory?: number;
  /** Bytes kept per stream (stdout, stderr); a program writing more is killed with OLE. Default 64 MiB. */
  outputLimit?: number;
  /** Processes and threads the program may have in all, itself included. Default 1 (no fork, no threads). */
  processes?: number;
  /** Bytes written to the program's stdin, then closed. Exclusive with stdinFile. */
  input?: string | Uint8Array;
  /** A file opened by the runner and given to the program as stdin. Exclusive with input. */
  stdinFile?: string;
  /**
   * The program's stdin from the caller, exclusive with input and stdinFile: a file descriptor (a pipe end, a file),
   * which becomes the program's fd 0 at spawn (the caller keeps its own, and may close it once `spawned` has
   * resolved); or a Readable stream, piped to the program as it arrives (EOF when it ends or fails; the runner stops
   * reading it when the program exits). Default: the process's `stdin` pipe, or EOF for runExecutable.
   */
  stdin?: number | Readable;
  /**
   * Where the program's stdout goes instead of RunResult.stdout (which then stays empty): a file descriptor, which
   * the program writes to directly (the runner reads nothing of it, so outputLimit does not apply; fileSize does to a
   * file); or a Writable stream, which gets the output as the runner reads it, counted against outputLimit (OLE as
   * for captured output).
   */
  stdout?: number | Writable;
  /** Where the program's stderr goes instead of RunResult.stderr: as for `stdout`. */
  stderr?: number | Writable;
  /** Working directory of the program. Default: the runner's current directory. */
  cwd?: string;
  /** The program's whole environment. Default: { PATH: '/usr/local/bin:/usr/bin:/bin' } and nothing of the runner's. */
  env?: Record<string, string>;
  /** Filesystem policy. Default: read everything (but /proc/PID and most of /dev), write nowhere. */
  config?: SandboxConfig;
  /** Root runners only: the uid the program runs as. Default 65534 (nobody). */
  uid?: number;
  /** Root runners only: the gid the program runs as (supplementary groups are always cleared). Default 65534. */
  gid?: number;
  /** Largest file the program may create, bytes (RLIMIT_FSIZE). Default 256 MiB. */
  fileSize?: number;
  /**
   * Bytes the run may add in all to its `writeAllowPaths` directories (allocated blocks, every file and directory
   * counted as at least 4 KiB, so many small files count too). Over it the program is killed: OLE with limit
   * `disk`. Checked by the runner as the program runs (docs/principles.md says how far a fast writer can overshoot).
   * Default 256 MiB; ignored without writeAllowPaths.
   */
  writeLimit?: number;
  /** Open file descriptors (RLIMIT_NOFILE). Default 64. */
  openFiles?: number;
  /**
   * Stack size in bytes (RLIMIT_STACK). Default: unlimited, so that deep recursion (normal in judged code) runs up to
   * the memory limit in the main thread, and every other thread gets glibc's default stack (2 MiB). A set value is
   * also the stack glibc gives every thread, each counted in RLIMIT_DATA.
   */
  stack?: number;
  /**
   * Start the program with SIGPIPE ignored (an ignored signal stays ignored across exec): a write to a pipe whose
   * reader is gone then fails with EPIPE instead of killing it. For an interactor, whose solution may exit early.
   * Default false: SIGPIPE's default action.
   */
  ignoreSigpipe?: boolean;
  /**
   * Use at most this Landlock ABI (3..7): the same policy on every machine of a fleet, and older kernels' behaviour
   * reproducible on a newer one. What an older ABI lacks the engine enforces another way (docs/principles.md, "Below
   * Landlock ABI 6"). Default: the SIMPLE_CP_SANDBOX_LANDLOCK_ABI environment variable, else the kernel's.
   */
  landlockAbi?: number;
}

/** A run that could not be set up is not a status: runExecutable rejects with SandboxSetupError. */
export type RunStatus = 'OK' | 'RE' | 'TLE' | 'MLE' | 'OLE';

/** What the sandbox enforced for a run (also reported by `doctor`). */
export interface Enforcement {
  /** abi: the ABI whose rights and scopes are enforced; kernelAbi: the kernel's; pinned: landlockAbi, or null. */
  landlock: { abi: number; kernelAbi: number; pinned: number | null; fsRights: string[]; netRights: string[]; scopes: string[];
    rules: number };
  /**
   * instructions: the spawner thread's filter; programInstructions: the program's own (program-filter.ts), which
   * below Landlock ABI 6 confines signals to the run.
   */
  seccomp: { arch: string; instructions: number; programInstructions: number; processes: number };
  noNewPrivs: true;
  uid: number;
  gid: number;
  /** The limits the program had (RLIMIT_*, seconds, bytes, counts), as the gate set them. */
  rlimits: Record<string, number | 'unlimited'>;
}

export interface RunResult {
  /** OK: exit 0. RE: non-zero exit or a signal. TLE: wall or CPU limit. MLE: memory limit. OLE: output limit. */
  status: RunStatus;
  /** Exit code when the program exited, null when a signal ended it. */
  exitCode: number | null;
  /** Name of the signal that ended the program (e.g. 'SIGKILL'), or null. */
  signal: string | null;
  /** What the program wrote on stdout (empty when RunOptions.stdout sent it elsewhere). */
  stdout: Buffer;
  /** What the program wrote on stderr (empty when RunOptions.stderr sent it elsewhere). */
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** True when a time limit (wall or CPU) ended the run. */
  timedOut: boolean;
  /** Which limit ended the run, if one did. */
  limit: 'wall' | 'cpu' | 'memory' | 'output' | 'disk' | null;
  /** Seconds from the program's exec to its exit. */
  wallTime: number;
  /** User + system CPU seconds, from wait4. */
  cpuTime: number;
  /** Peak resident memory of the program in bytes (its own VmHWM, not the runner's). */
  peakMemory: number;
  enforced: Enforcement | null;
}
