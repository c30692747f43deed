/**
 * The CLI's exit codes, as timeout(1) and env(1) use them, and the one rule that turns a RunResult into one.
 * EXIT_CODES is the table --help and the README show.
 */
import { constants as osc } from 'node:os';
import type { RunResult } from '../engine/types.js';

export const ExitCode = {
  OK: 0,
  /** The source did not compile (status CE): the submission's fault, as a judge's exit 1. */
  COMPILE_ERROR: 1,
  /** A time limit, wall or CPU (timeout(1) uses 124 for its limit). */
  TIMEOUT: 124,
  /** Bad options or configuration, or a sandbox that could not be set up: nothing ran. */
  SANDBOX: 125,
  /** The program exists but cannot be executed. */
  NOT_EXECUTABLE: 126,
  /** The program does not exist. */
  NOT_FOUND: 127,
  /** 128 + N: the program was ended by signal N. */
  SIGNAL_BASE: 128,
} as const;

export const EXIT_CODES: ReadonlyArray<{ code: string; meaning: string }> = [
  { code: '0', meaning: 'the program exited with 0 (status OK)' },
  { code: '1-255', meaning: 'the program\'s own non-zero exit code (status RE), passed through as it is; only `--json` '
      + 'tells a program\'s own 124-127 from the CLI\'s' },
  { code: '1', meaning: 'also: the source did not compile (status CE); the compiler\'s output is on stderr' },
  { code: '124', meaning: 'a time limit was hit, wall (`--timeout`) or CPU (`--cpu-time`) (status TLE)' },
  { code: '125', meaning: 'bad option or configuration, or the sandbox could not be set up: the program did not run '
      + '(status SE in `--json`; one line on stderr names the problem, the setup step and errno)' },
  { code: '126', meaning: 'the program was found but is not executable' },
  { code: '127', meaning: 'the program was not found' },
  { code: '128+N', meaning: 'the program was ended by signal N, e.g. 139 for SIGSEGV (status RE)' },
  { code: '137', meaning: 'memory or output limit (status MLE / OLE): the sandbox ends the program with SIGKILL (9); '
      + 'a program that ended itself first keeps its own code (e.g. 1 after a failed allocation, 153 for SIGXFSZ), '
      + 'and one that exited 0 over a limit gets 1' },
];

const SIGNALS = osc.signals as Record<string, number>;

function signalCode(name: string): number {
  const n = SIGNALS[name] ?? (/^SIG(\d+)$/.exec(name) ? Number(name.slice(3)) : undefined);
  return ExitCode.SIGNAL_BASE + (n ?? SIGNALS.SIGKILL!);
}

/**
 * The exit code for a result. A program's own code beyond 123 (e.g. `exit 125`) is passed through as it is, as
 * timeout(1) does: only --json tells those apart from the CLI's own codes.
 */
export function exitCodeFor(r: Pick<RunResult, 'status' | 'exitCode' | 'signal'>): number {
  switch (r.status) {
    case 'TLE':
      return ExitCode.TIMEOUT;
    case 'OK':
    case 'RE':
    case 'MLE':
    case 'OLE': {
      const code = r.signal !== null ? signalCode(r.signal) : r.exitCode ?? ExitCode.SANDBOX;
      // A limit is never success, even when the program exited 0 before the sandbox could end it.
      return code === 0 && r.status !== 'OK' ? 1 : code;
    }
  }
}
