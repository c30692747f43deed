/**
 * The CLI's entry: main(argv) parses, dispatches and returns the exit code; it never calls process.exit (the bin
 * sets process.exitCode after awaiting shutdown(), so every output is flushed first).
 *
 * Cold start: the bin starts the first spawner thread before it loads this module, and hands it over
 * (adoptSpawnerThread); a plain run then loads this module, the option data and the fast scanner, and only then the
 * engine, so the thread's boot overlaps all of it. commander (program.ts) and the subcommands' modules are imported
 * only when needed: the bin's bundle (scripts/bundle.mjs) keeps them in chunks of their own, read only then.
 */
import { prestart } from '../engine/warm.js';
import { InvalidOptionError, ProgramNotExecutableError, ProgramNotFoundError, SandboxSetupError } from '../engine/errors.js';
import { SourceError, ToolchainMissingError } from '../lang/errors.js';
import { oneLine } from '../util/text.js';
import { findCommand } from './commands.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { flagForLibraryOption, ROOT_OPTIONS, JSON_OPTION } from './options.js';
import { errorToJson } from './result-json.js';
import { runCommand } from './run.js';
import { scanRunArgv } from './scan.js';
import type { CliIo } from './types.js';

/** For the bin, which starts the first spawner thread before it loads this module (see bin/simple-cp-sandbox.js). */
export { adoptSpawnerThread } from '../engine/warm.js';
/** Ends the library's spawner threads if a run started them (the bin awaits this before it sets the exit code). */
export { shutdownEngine as shutdown } from './load-engine.js';
/** For the bin's last-resort message. */
export { oneLine } from '../util/text.js';

/** The CLI's own process streams; stdin is only touched when a run forwards it. */
export function processIo(): CliIo {
  // EPIPE on the CLI's output (e.g. `... | head -1`) must not crash it: the run's outcome is still the exit code.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  return {
    get stdin() { return process.stdin; },
    stdout: process.stdout,
    stderr: process.stderr,
  };
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const fast = scanRunArgv(argv);
    if (fast) {
      prestart();
      return await runCommand(fast, io);
    }
    const { parseArgv } = await import('./program.js');
    const inv = await parseArgv(argv, io);
    switch (inv.kind) {
      case 'exit':
        return inv.code;
      case 'run':
        prestart();
        return await runCommand(inv.run, io);
      case 'command': {
        if (inv.command.runsPrograms) prestart();
        const mod = await inv.command.load();
        return await mod.run({ values: inv.values, args: inv.args, io });
      }
    }
  } catch (e) {
    return reportFailure(e, jsonShapeFor(argv), io);
  }
}

/**
 * Whether the words before the program (or a subcommand's words) include --json, and so how a failure is printed:
 * the subcommand's own report shape when it has one (judge, doctor), else the run's result shape; null without
 * --json. Used when parsing failed.
 */
export function jsonShapeFor(argv: readonly string[]): ((message: string) => object) | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === JSON_OPTION.flag) return errorToJson;
    if (a === '--') return null;
    if (!a.startsWith('-')) {
      const sub = findCommand(a);
      if (sub === undefined || !argv.slice(i + 1).includes(JSON_OPTION.flag)) return null;
      return sub.errorJson ?? errorToJson;
    }
    const d = ROOT_OPTIONS.find((o) => o.flag === a);
    if (d && d.valueName !== null) i++; // skip its value
  }
  return null;
}

/** Exit code and the one line (or JSON object) for a run that did not happen. */
function describeFailure(e: unknown): { code: number; message: string } {
  if (e instanceof CliError) return { code: e.exitCode, message: e.message };
  if (e instanceof ProgramNotFoundError) return { code: ExitCode.NOT_FOUND, message: e.message };
  if (e instanceof ProgramNotExecutableError) return { code: ExitCode.NOT_EXECUTABLE, message: e.message };
  if (e instanceof InvalidOptionError) {
    const flag = flagForLibraryOption(e.option);
    const message = flag ? e.message.replace(/^invalid option [^:]*:/, `invalid value for ${flag}:`) : e.message;
    return { code: ExitCode.SANDBOX, message };
  }
  if (e instanceof SandboxSetupError || e instanceof SourceError || e instanceof ToolchainMissingError) {
    return { code: ExitCode.SANDBOX, message: e.message };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: ExitCode.SANDBOX, message: `sandbox error: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` };
}

async function reportFailure(e: unknown, json: ((message: string) => object) | null, io: CliIo): Promise<number> {
  const { code, message } = describeFailure(e);
  const line = oneLine(message);
  const out = json ? io.stdout : io.stderr;
  const text = json ? `${JSON.stringify(json(line))}\n` : `simple-cp-sandbox: ${line}\n`;
  await new Promise<void>((resolve) => out.write(text, () => resolve()));
  return code;
}
