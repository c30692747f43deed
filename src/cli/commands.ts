/**
 * The subcommands, as data. An entry says what commander needs for parsing and --help (name, summary, options,
 * arguments) and how to load its implementation; the implementation module is imported only when the subcommand
 * runs, so a plain run never loads it (cold start).
 *
 * To add one (e.g. `judge`): write its implementation module exporting `run(ctx)`, and add an entry to COMMANDS.
 */
import type { Readable, Writable } from 'node:stream';
import { JSON_OPTION, parseWhole, type OptionDef, type OptionValues } from './options.js';
import { CliUsageError } from './errors.js';
import { JUDGE_COMMAND } from '../judge/cli-options.js';

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

export const ARCHES = ['x86_64', 'aarch64'] as const;
export type Arch = (typeof ARCHES)[number];

/** The machine's architecture in the kernel's words (uname -m). */
export function hostArch(): Arch | null {
  return process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : null;
}

const ARCH_OPTION: OptionDef<Arch> = {
  key: 'arch', flag: '--arch', valueName: 'ARCH', repeatable: false,
  parse: (raw) => {
    if (!(ARCHES as readonly string[]).includes(raw)) {
      throw new CliUsageError(`invalid value for --arch: ${JSON.stringify(raw)} (expected one of ${ARCHES.join(', ')})`);
    }
    return raw as Arch;
  },
  description: 'architecture the filter is compiled for',
  defaultText: 'this machine\'s', example: '--arch aarch64', libraryKey: null,
};

const PROCESSES_OPTION: OptionDef<number> = {
  key: 'processes', flag: '--processes', valueName: 'N', repeatable: false,
  parse: parseWhole('--processes', 1, 'a number of processes and threads'),
  description: 'the --processes of the run the filter is for (1 forbids fork and threads)',
  defaultText: '1', example: '--processes 4', libraryKey: null,
};

const RAW_OPTION: OptionDef<true> = {
  key: 'raw', flag: '--raw', valueName: null, repeatable: false, parse: () => true,
  description: 'write the filter\'s raw bytes (struct sock_filter[], as seccomp(2) takes them) instead of the listing',
  defaultText: null, example: '--raw', libraryKey: null,
};

const DOCTOR_JSON_OPTION: OptionDef<true> = { ...JSON_OPTION, description: 'print the report as one JSON object' };

export const COMMANDS: readonly Subcommand[] = [
  {
    name: 'doctor',
    summary: 'show what this machine supports and what a run would enforce; exit 0 when the sandbox can run',
    options: [DOCTOR_JSON_OPTION],
    examples: ['simple-cp-sandbox doctor', 'simple-cp-sandbox doctor --json'],
    errorJson: (message) => ({ ok: false, verdict: 'the doctor could not run', checks: [], enforced: null, error: message }),
    load: () => import('./doctor.js'),
  },
  {
    name: 'seccomp',
    summary: 'print the seccomp filter a run would install, as readable disassembly or raw bytes',
    options: [ARCH_OPTION, PROCESSES_OPTION, RAW_OPTION],
    examples: ['simple-cp-sandbox seccomp', 'simple-cp-sandbox seccomp --processes 4',
      'simple-cp-sandbox seccomp --raw > filter.bpf'],
    load: () => import('./seccomp.js'),
  },
  JUDGE_COMMAND,
];

export function findCommand(name: string): Subcommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
