/**
 * `simple-cp-sandbox [options] <program> [args...]`: one run through the library, its outcome on the CLI's
 * streams and exit code.
 *
 * stdin: with --stdin FILE the library opens the file for the program. Otherwise the CLI's own stdin is forwarded
 * through the library's pipe (a terminal is read and forwarded, never handed to the program); when the CLI's stdin
 * ends, or is /dev/null or closed (CI), the program sees EOF.
 */
import { constants as osc } from 'node:os';
import type { RunResult } from '../engine/types.js';
import type { SandboxedProcess } from '../engine/index.js';
import type { CliIo } from './commands.js';
import { loadEngine } from './load-engine.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { toRunOptions } from './options.js';
import { resultToJson } from './result-json.js';
import type { ParsedRun } from './scan.js';

/** Writes and waits until the stream has taken the bytes (so nothing is lost when the CLI returns). */
export function writeAll(stream: CliIo['stdout'], data: string | Uint8Array): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(data, () => resolve()); // an error (e.g. EPIPE: the reader went away) is not the run's outcome
  });
}

/**
 * The result of a run whose stdin the CLI streams. communicate() ends the program's stdin (as Python's does);
 * here the program must keep reading the CLI's stdin until it ends, so end() is held off for that call.
 */
function resultKeepingStdin(proc: SandboxedProcess): Promise<RunResult> {
  if (!proc.stdin) return proc.communicate();
  const stdin = proc.stdin as unknown as { end: (...args: unknown[]) => unknown };
  stdin.end = function heldOff(this: unknown) { return this; };
  try {
    return proc.communicate();
  } finally {
    delete (stdin as { end?: unknown }).end; // the prototype's end() again, for pipe() to call at EOF
  }
}

/** Forwards the CLI's stdin to the program until either ends; returns a function that stops forwarding. */
function forwardStdin(io: CliIo, proc: SandboxedProcess): () => void {
  const dest = proc.stdin;
  if (!dest) return () => undefined;
  const src = io.stdin;
  const onSrcError = () => dest.end(); // an unreadable stdin (e.g. closed fd) is EOF to the program
  src.on('error', onSrcError);
  src.pipe(dest);
  return () => {
    src.unpipe(dest);
    src.off('error', onSrcError);
    // Stop reading: a terminal or an endless pipe must not keep the CLI alive after the program is gone.
    // A paused terminal is no longer read (libuv stops the handle); anything else is closed.
    src.pause();
    if (!src.isTTY) src.destroy();
  };
}

/**
 * SIGINT, SIGTERM and SIGHUP to the CLI end the program: it runs in its own session, so a terminal's ^C does not
 * reach it, and it must not outlive the CLI.
 */
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runCommand(parsed: ParsedRun, io: CliIo): Promise<number> {
  const { startExecutable } = await loadEngine();
  const json = parsed.values.json === true;
  const proc = startExecutable(parsed.program, parsed.args, toRunOptions(parsed.values));
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
  const stopForwarding = forwardStdin(io, proc);
  let result: RunResult | null;
  try {
    result = await Promise.race([resultKeepingStdin(proc), abandoned]);
  } finally {
    stopForwarding();
    for (const s of INTERRUPTS) process.off(s, onInterrupt);
  }
  if (result === null) return ExitCode.SIGNAL_BASE + osc.signals[interrupted!];
  // Interrupted: the program's output is still written, and the CLI exits as a shell reports a job ended by that
  // signal (130 for SIGINT).
  const code = interrupted === null ? exitCodeFor(result) : ExitCode.SIGNAL_BASE + osc.signals[interrupted];
  if (result.status === 'SE') {
    // The library reports setup failures by rejecting; an SE result (should one come) is the same outcome.
    if (json) await writeAll(io.stdout, `${JSON.stringify(resultToJson(result))}\n`);
    else await writeAll(io.stderr, `simple-cp-sandbox: ${oneLine(result.error ?? 'sandbox error')}\n`);
    return code;
  }
  if (json) {
    await writeAll(io.stdout, `${JSON.stringify(resultToJson(result))}\n`);
  } else {
    await Promise.all([writeAll(io.stdout, result.stdout), writeAll(io.stderr, result.stderr)]);
  }
  return code;
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
