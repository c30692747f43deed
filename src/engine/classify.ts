/**
 * From what the runner observed of a finished run to its RunResult: which limit ended it, its status, its signal's
 * name. Pure (no kernel, no clock): test/engine/classify.test.ts feeds it observations directly.
 */
import { constants as osc } from 'node:os';
import type { Enforcement, RunResult, RunStatus } from './types.js';

const SIGXCPU = osc.signals.SIGXCPU;
const SIGXFSZ = osc.signals.SIGXFSZ;
/** Signal names by number; the first name of a number wins (SIGABRT, not its alias SIGIOT; SIGIO, not SIGPOLL). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osc.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);

/**
 * What language runtimes print when an allocation fails (RLIMIT_DATA is 2 x memory, a JVM has its -Xmx): Python,
 * C++ (libstdc++), Java, Go, Rust, .NET, Node/V8 and glibc's perror(ENOMEM).
 */
const OUT_OF_MEMORY = /MemoryError|std::bad_alloc|java\.lang\.OutOfMemoryError|runtime: out of memory|memory allocation of \d+ bytes failed|System\.OutOfMemoryException|JavaScript heap out of memory|Cannot allocate memory/;
/** An allocation refused by RLIMIT_DATA leaves the program's data this close to the limit (an eighth of it). */
const DATA_SLACK_FRACTION = 8;

export type Limit = NonNullable<RunResult['limit']>;

export interface Captured {
  /** What was kept (empty when the output went to a caller's fd or stream). */
  data: Buffer;
  truncated: boolean;
}

export interface Observed {
  /** From wait4. */
  exitCode: number | null;
  signal: number | null;
  cpuTime: number;
  /** Seconds from the gate's release to the exit being seen. */
  wallTime: number;
  /** Peak resident memory (the gate's wait4, or the largest VmHWM sampled), bytes. */
  peakMemory: number;
  /** The largest VmData sampled, bytes. */
  dataPeak: number;
  stdout: Captured;
  stderr: Captured;
  /** Why the runner killed the run, if it did: a limit it saw, or a caller's kill(). */
  stoppedFor: Limit | 'kill' | null;
  enforced: Enforcement | null;
}

/** The limits the verdict is decided on. */
export interface VerdictLimits {
  cpuTime: number;
  memory: number;
  /** RLIMIT_DATA, bytes. */
  data: number;
}

/**
 * The limit that ended a run: the one the runner stopped it for, else what the kernel's answer and the figures show
 * (a run a caller killed included: it may have hit a limit first).
 */
export function limitOf(r: Observed, l: VerdictLimits): RunResult['limit'] {
  if (r.stoppedFor !== null && r.stoppedFor !== 'kill') return r.stoppedFor;
  const abnormal = r.signal !== null || r.exitCode !== 0;
  if (r.cpuTime >= l.cpuTime || r.signal === SIGXCPU) return 'cpu';
  if (r.peakMemory > l.memory) return 'memory';
  // An allocation that failed against RLIMIT_DATA leaves the program close to that limit when it dies of it.
  if (abnormal && r.dataPeak + l.data / DATA_SLACK_FRACTION >= l.data) return 'memory';
  // One allocation far larger than the cap fails while the program is still small, and its runtime reports it in
  // words of its own before exiting non-zero. Only a failed run is looked at, and only its stderr's end.
  if (abnormal && OUT_OF_MEMORY.test(r.stderr.data.subarray(-4096).toString('latin1'))) return 'memory';
  if (r.stdout.truncated || r.stderr.truncated || r.signal === SIGXFSZ) return 'output';
  return null;
}

export function statusOf(limit: RunResult['limit'], r: Pick<Observed, 'signal' | 'exitCode'>): RunStatus {
  switch (limit) {
    case 'wall': case 'cpu': return 'TLE';
    case 'memory': return 'MLE';
    case 'output': case 'disk': return 'OLE';
    default: return r.signal !== null || r.exitCode !== 0 ? 'RE' : 'OK';
  }
}

export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}

export function classify(r: Observed, l: VerdictLimits): RunResult {
  const limit = limitOf(r, l);
  return {
    status: statusOf(limit, r),
    exitCode: r.exitCode,
    signal: r.signal === null ? null : signalName(r.signal),
    stdout: r.stdout.data,
    stderr: r.stderr.data,
    stdoutTruncated: r.stdout.truncated,
    stderrTruncated: r.stderr.truncated,
    timedOut: limit === 'wall' || limit === 'cpu',
    limit,
    wallTime: r.wallTime,
    cpuTime: r.cpuTime,
    peakMemory: r.peakMemory,
    enforced: r.enforced,
  };
}
