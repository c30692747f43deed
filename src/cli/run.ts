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
import { loadEngine } from './load-engine.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { writeAll } from './io.js';
import { toRunOptions } from './options.js';
import { resultToJson } from './result-json.js';
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

export async function runCommand(parsed: ParsedRun, io: CliIo): Promise<number> {
  const { startExecutable } = await loadEngine();
  const json = parsed.values.json === true;
  const options: RunOptions = toRunOptions(parsed.values);
  const forwarding = options.stdinFile === undefined;
  if (forwarding) options.stdin = io.stdin;
  const proc = startExecutable(parsed.program, parsed.args, options);
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
  // Interrupted: the program's output is still written, and the CLI exits as a shell reports a job ended by that
  // signal (130 for SIGINT).
  const code = interrupted === null ? exitCodeFor(result) : ExitCode.SIGNAL_BASE + osc.signals[interrupted];
  if (json) {
    await writeAll(io.stdout, `${JSON.stringify(resultToJson(result))}\n`);
  } else {
    await Promise.all([writeAll(io.stdout, result.stdout), writeAll(io.stderr, result.stderr)]);
  }
  return code;
}
