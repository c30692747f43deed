/**
 * The shapes the CLI's modules share: its streams, and what a subcommand is (data for commander and --help, and
 * how to load its implementation). Types only, so a command module can use them without loading the registry.
 */
import type { Readable, Writable } from 'node:stream';
import type { OptionDef, OptionValues } from './options.js';

export interface CliIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export interface CommandContext {
  /** Parsed option values by OptionDef.key. */
  readonly values: OptionValues;
  /** The positional arguments, in order (a variadic one last, as an array). */
  readonly args: readonly unknown[];
  readonly io: CliIo;
}

export interface CommandModule {
  /** Runs the subcommand and returns the CLI's exit code. Never calls process.exit. */
  run(ctx: CommandContext): Promise<number>;
}

export interface ArgumentDef {
  /** commander syntax: `<file>`, `[files...]`. */
  readonly syntax: string;
  readonly description: string;
}

export interface Subcommand {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionDef[];
  readonly arguments?: readonly ArgumentDef[];
  /** Shown under "Examples:" in the subcommand's --help. */
  readonly examples?: readonly string[];
  /**
   * Options end at the first positional argument and everything after it is passed through untouched (commander's
   * passThroughOptions), as for the run itself: for a subcommand whose arguments are a program and its argv.
   */
  readonly passThroughOptions?: boolean;
  /** It runs programs: main() starts the engine's first threads before loading it (engine/warm.ts). */
  readonly runsPrograms?: boolean;
  /**
   * The --json object it prints when it could not even start (a bad option): its own report's shape with `error`
   * set, so a script parsing its output always gets one shape. Without it, the run's result shape is used.
   */
  readonly errorJson?: (message: string) => object;
  readonly load: () => Promise<CommandModule>;
}
