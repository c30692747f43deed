/**
 * The one JSON object `--json` prints: the same shape for every outcome (execa's one result for success and
 * failure), so a consumer never has to guess which fields exist. Units: seconds and bytes.
 */
import { isUtf8 } from 'node:buffer';
import type { Enforcement, RunResult, RunStatus } from '../engine/types.js';
import type { CompileReport } from '../lang/compile.js';

export interface JsonResult {
  /**
   * The run's status; CE when the source did not compile (nothing ran); SE when it did not happen (a bad option, a
   * missing program, a setup failure).
   */
  status: RunStatus | 'CE' | 'SE';
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  limit: RunResult['limit'];
  /** Seconds. */
  wallTime: number;
  /** Seconds. */
  cpuTime: number;
  /** Bytes. */
  peakMemory: number;
  /** The output as text (invalid UTF-8 sequences become U+FFFD; then stdoutBase64 holds the exact bytes). */
  stdout: string;
  stdoutBase64?: string;
  stderr: string;
  stderrBase64?: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Why the run failed (status SE, or the CLI's own errors: bad option, program not found, ...), else null. */
  error: string | null;
  enforced: Enforcement | null;
  /** The compile of a source (the program was a source file, or --lang was given), else null. */
  compile: CompileReport | null;
}

function text(name: 'stdout' | 'stderr', data: Buffer): Partial<JsonResult> {
  const out: Partial<JsonResult> = { [name]: data.toString('utf8') };
  if (!isUtf8(data)) out[`${name}Base64`] = data.toString('base64');
  return out;
}

export function resultToJson(r: RunResult, compile: CompileReport | null = null): JsonResult {
  return {
    status: r.status,
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    limit: r.limit,
    wallTime: r.wallTime,
    cpuTime: r.cpuTime,
    peakMemory: r.peakMemory,
    ...text('stdout', r.stdout),
    ...text('stderr', r.stderr),
    stdoutTruncated: r.stdoutTruncated,
    stderrTruncated: r.stderrTruncated,
    error: null,
    enforced: r.enforced,
    compile,
  } as JsonResult;
}

/** The object for a run that never started: bad option, program not found or not executable, setup failure. */
export function errorToJson(message: string): JsonResult {
  return {
    status: 'SE',
    exitCode: null,
    signal: null,
    timedOut: false,
    limit: null,
    wallTime: 0,
    cpuTime: 0,
    peakMemory: 0,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    error: message,
    enforced: null,
    compile: null,
  };
}

/** The object for a source that did not compile: status CE, the compile's report, nothing run. */
export function compileErrorToJson(compile: CompileReport): JsonResult {
  return { ...errorToJson(''), status: 'CE', error: null, compile };
}
