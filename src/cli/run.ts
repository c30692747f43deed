/**
 * `simple-cp-sandbox [options] <program> [args...]`: one run through the library, its outcome on the CLI's
 * streams and exit code.
 *
 * stdin: with --stdin FILE the library opens the file for the program. Otherwise the CLI's own stdin is handed to
 * the library as a stream (RunOptions.stdin), which forwards it to the program (a terminal is read and forwarded,
 * never handed to the program); when the CLI's stdin ends, or is /dev/null or closed (CI), the program sees EOF.
 */
import { constants as osc } from 'node:os';
import type { RunOptions, RunResult } from '../engine/types.js';
import { loadEngine, type EngineModule } from './load-engine.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { writeAll } from './io.js';
import { toRunOptions } from './options.js';
import { compileErrorToJson, resultToJson } from './result-json.js';
import type { CompiledRun } from './source.js';
import type { ParsedRun } from './scan.js';
import type { CliIo } from './types.js';

/**
 * SIGINT, SIGTERM and SIGHUP to the CLI end the program: it runs in its own session, so a terminal's ^C does not
 * reach it, and it must not outlive the CLI.
 */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Stops reading the CLI's stdin once the run is over: a terminal or an endless pipe must not keep the CLI alive. */
function stopReading(io: CliIo): void {
  const src = io.stdin;
  // A paused terminal is no longer read (libuv stops the handle); anything else is closed.
  src.pause();
  if (!src.isTTY) src.destroy();
}

/** Whether `program` may be a source: --lang given, or a file name with an extension (cheap: no imports). */
function maybeSource(program: string, values: ParsedRun['values']): boolean {
  if (values.lang !== undefined) return true;
  const base = program.slice(program.lastIndexOf('/') + 1);
  return base.lastIndexOf('.') > 0;
}

export async function runCommand(parsed: ParsedRun, io: CliIo): Promise<number> {
  const { startExecutable } = await loadEngine();
  const json = parsed.values.json === true;
  let options: RunOptions = toRunOptions(parsed.values);
  let file = parsed.program;
  let args = parsed.args;
  let compiled: CompiledRun | null = null;
  if (maybeSource(parsed.program, parsed.values)) {
    const source = await import('./source.js');
    const c = await source.compileForRun(parsed.program, parsed.args, parsed.values, options);
    if (c !== null && 'ce' in c) {
      if (json) await writeAll(io.stdout, `${JSON.stringify(compileErrorToJson(c.ce))}\n`);
      else await writeAll(io.stderr, source.compilerOutput(c.ce, (io.stderr as { isTTY?: boolean }).isTTY === true));
      return ExitCode.COMPILE_ERROR;
    }
    if (c !== null) {
      compiled = c;
      file = c.file;
      args = c.args;
      options = c.options;
    }
  }
  try {
    return await runProgram(file, args, options, compiled, json, io, startExecutable);
  } finally {
    await compiled?.compiled.dispose();
  }
}

async function runProgram(file: string, args: readonly string[], options: RunOptions, compiled: CompiledRun | null,
  json: boolean, io: CliIo, startExecutable: EngineModule['startExecutable']): Promise<number> {
  const forwarding = options.stdinFile === undefined;
  if (forwarding) options.stdin = io.stdin;
  const proc = startExecutable(file, args, options);
  let interrupted: NodeJS.Signals | null = null;
  let abandon: () => void = () => undefined;
  const abandoned = new Promise<null>((resolve) => { abandon = () => resolve(null); });
  const onInterrupt = (sig: NodeJS.Signals) => {
    interrupted = sig;
    // Once is enough: a second signal ends the CLI the default way.
    for (const s of INTERRUPTS) process.off(s, onInterrupt);
    proc.kill();
    // Not started yet (setup still running, or the gate waiting): nothing to wait for. The gate fails closed when
    // the CLI is gone (its fd 3 closes unwritten), so the program never runs.
    if (proc.pid === null) abandon();
  };
  for (const s of INTERRUPTS) process.on(s, onInterrupt);
  let result: RunResult | null;
  try {
    result = await Promise.race([proc.communicate(), abandoned]);
  } finally {
    if (forwarding) stopReading(io);
    for (const s of INTERRUPTS) process.off(s, onInterrupt);
  }
  if (result === null) return ExitCode.SIGNAL_BASE + osc.signals[interrupted!];
  // A runtime's own out-of-memory failure (a JVM's OutOfMemoryError...) is the memory limit, as a judge counts it.
  if (compiled?.compiled.outOfMemory(result)) result = { ...result, status: 'MLE', limit: 'memory' };
  // Interrupted: the program's output is still written, and the CLI exits as a shell reports a job ended by that
  // signal (130 for SIGINT).
  const code = interrupted === null ? exitCodeFor(result) : ExitCode.SIGNAL_BASE + osc.signals[interrupted];
  if (json) {
    await writeAll(io.stdout, `${JSON.stringify(resultToJson(result, compiled?.compile ?? null))}\n`);
  } else {
    await Promise.all([writeAll(io.stdout, result.stdout), writeAll(io.stderr, result.stderr)]);
  }
  return code;
}
