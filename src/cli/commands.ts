/**
 * The subcommands, as data: the registry commander, --help and the scanner read. An entry says what commander needs
 * for parsing and --help (name, summary, options, arguments) and how to load its implementation; the
 * implementation module is imported only when the subcommand runs, so a plain run never loads it (cold start).
 *
 * To add one: write its implementation module exporting `run(ctx)` (types.ts), and add an entry to COMMANDS.
 */
import { ARCHES, type Arch } from '../native/arch.js';
import { CliUsageError } from './errors.js';
import { JUDGE_COMMAND } from './judge-options.js';
import { SUBMIT_COMMAND, WORKER_COMMAND } from './queue-options.js';
import { JSON_OPTION, parseWhole, RUN_OPTIONS, type OptionDef } from './options.js';
import type { Subcommand } from './types.js';

export type { ArgumentDef, CliIo, CommandContext, CommandModule, Subcommand } from './types.js';
export { ARCHES, type Arch } from '../native/arch.js';

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
const DOCTOR_ABI_OPTION: OptionDef = {
  ...RUN_OPTIONS.find((d) => d.key === 'landlockAbi')!, apply: undefined,
  description: 'show what each protection is enforced by at this Landlock ABI (at most), and self-test a run pinned to it',
};

export const COMMANDS: readonly Subcommand[] = [
  {
    name: 'doctor',
    summary: 'show what this machine supports and what a run would enforce; exit 0 when the sandbox can run',
    options: [DOCTOR_ABI_OPTION, DOCTOR_JSON_OPTION],
    examples: ['simple-cp-sandbox doctor', 'simple-cp-sandbox doctor --landlock-abi 4', 'simple-cp-sandbox doctor --json'],
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
  WORKER_COMMAND,
  SUBMIT_COMMAND,
  {
    name: 'languages',
    summary: 'list the languages a source may be in: extensions, whether the toolchain is installed here and its '
      + 'version, the compile and run commands; exit 0',
    options: [{ ...JSON_OPTION, description: 'print the list as one JSON array' }],
    examples: ['simple-cp-sandbox languages', 'simple-cp-sandbox languages --json'],
    errorJson: (message) => ({ languages: [], error: message }),
    load: () => import('./languages.js'),
  },
];

export function findCommand(name: string): Subcommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
