/**
 * The CLI's options as data (npm-check-updates' src/cli-options.ts does the same): ONE definition per option
 * feeds the commander setup (program.ts), the fast argv scanner (scan.ts), `--help`, the mapping to the library's
 * RunOptions (toRunOptions) and the README's option table (scripts/gen-readme-options.mjs).
 *
 * Parsers check the form of a value (a number, KEY=VALUE, ...) and reject it with a message that shows the value
 * and what is expected. Ranges the library knows better (e.g. the largest timeout) are left to its validation;
 * the CLI maps its InvalidOptionError back to the flag (flagForLibraryOption).
 *
 * This module is on the cold-start path of every run: it imports nothing heavy (engine/options.ts is plain data).
 */
import path from 'node:path';
import { DEFAULTS, LANDLOCK_ABI_ENV, MIN_MEMORY } from '../engine/options.js';
import { isSupportedAbi, MIN_SUPPORTED_ABI, NEWEST_KNOWN_ABI } from '../landlock/versions.js';
import type { RunOptions } from '../engine/types.js';
import { LANGUAGES } from '../lang/table.js';
import { DECIMAL } from '../util/text.js';
import { CliUsageError } from './errors.js';

const MiB = 1024 * 1024;

export interface OptionDef<T = unknown> {
  /** Key of the parsed value (commander's attribute name for `flag`, e.g. `denyRead`). */
  readonly key: string;
  /** The long flag, e.g. `--deny-read`. */
  readonly flag: string;
  /** Placeholder of the value in help (`DIR`), or null for a switch. */
  readonly valueName: string | null;
  /** May be given more than once; the values are collected in order. */
  readonly repeatable: boolean;
  /** Turns the raw text into a value; throws CliUsageError naming the flag, the value and what is expected. */
  readonly parse: (raw: string) => T;
  readonly description: string;
  /** The default, in words (for help and the README), or null when there is none worth stating. */
  readonly defaultText: string | null;
  /** An example value or invocation fragment, e.g. `--timeout 2.5`. */
  readonly example: string;
  /**
   * Where the value goes in the library's RunOptions (dotted path, e.g. `config.readDenyPaths`), for mapping
   * the library's InvalidOptionError back to this flag. Null for options of the CLI itself (--json).
   */
  readonly libraryKey: string | readonly string[] | null;
  /**
   * Writes the value (an array of parsed values for a repeatable option) into RunOptions. Typed `never` here so a
   * definition's own value type is kept where it is written (def<T, V>); absent for options of the CLI itself.
   */
  readonly apply?: (target: RunOptions, value: never) => void;
}

/** Builds an OptionDef with its value type checked against its `apply` (the variance of a plain field is lost). */
function def<T, V = T>(d: Omit<OptionDef<T>, 'apply' | 'repeatable'> & {
  repeatable?: boolean;
  apply?: (target: RunOptions, value: V) => void;
}): OptionDef<T> {
  return { repeatable: false, ...d };
}

function invalid(flag: string, raw: string, expected: string): CliUsageError {
  return new CliUsageError(`invalid value for ${flag}: ${JSON.stringify(raw)} (expected ${expected})`);
}

const INTEGER = /^[+]?\d+$/;

export function parseSeconds(flag: string): (raw: string) => number {
  return (raw) => {
    const v = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isFinite(v) || v <= 0) throw invalid(flag, raw, 'a number of seconds > 0, e.g. 2 or 0.5');
    return v;
  };
}

export function parseWhole(flag: string, min: number, what: string, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const v = INTEGER.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(v) || v < min) throw invalid(flag, raw, `${what}, a whole number >= ${min}`);
    if (v > max) throw invalid(flag, raw, `at most ${max}`);
    return v;
  };
}

export function parseMebibytes(flag: string): (raw: string) => number {
  return (raw) => {
    const v = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isFinite(v) || v < MIN_MEMORY / MiB) throw invalid(flag, raw, `a number of MiB >= ${MIN_MEMORY / MiB}, e.g. 256`);
    return Math.floor(v * MiB);
  };
}

function parsePath(flag: string, what: string): (raw: string) => string {
  return (raw) => {
    if (raw === '' || raw.includes('\0')) throw invalid(flag, raw, what);
    return raw;
  };
}

/** `KEY=VALUE`: the key is a variable name (no `=`, not empty); the value may be empty or contain `=`. */
function parseEnv(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0 || raw.includes('\0')) throw invalid('--env', raw, 'KEY=VALUE with a non-empty KEY, e.g. LANG=C.UTF-8');
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

/** `UID` or `UID:GID`, numbers (the program never runs as root: 0 is refused). */
function parseUser(raw: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(raw.trim());
  const uid = m ? Number(m[1]) : NaN;
  const gid = m?.[2] === undefined ? undefined : Number(m[2]);
  const ok = (n: number) => Number.isSafeInteger(n) && n >= 1 && n <= 0xfffffffe;
  if (!ok(uid) || (gid !== undefined && !ok(gid))) {
    throw invalid('--user', raw, 'UID or UID:GID, numbers from 1 to 4294967294 (never root), e.g. 65534:65534');
  }
  return gid === undefined ? { uid } : { uid, gid };
}

const parseTrue = (): true => true;

/** Paths given to the CLI are relative to the CLI's working directory (not to --cwd), as a shell user expects. */
function absolute(p: string): string {
  return path.resolve(p);
}

function config(target: RunOptions): { readDenyPaths?: readonly string[]; writeAllowPaths?: readonly string[] } {
  target.config ??= {};
  return target.config;
}

/** The options of a run, in the order --help and the README show them. */
export const RUN_OPTIONS: readonly OptionDef[] = [
  def<number>({
    key: 'timeout', flag: '--timeout', valueName: 'S', parse: parseSeconds('--timeout'),
    description: 'wall-clock limit in seconds, from the program\'s start to its exit (exit 124 when hit)',
    defaultText: `${DEFAULTS.timeout}`, example: '--timeout 2.5', libraryKey: 'timeout',
    apply: (t, v) => { t.timeout = v; },
  }),
  def<number>({
    key: 'cpuTime', flag: '--cpu-time', valueName: 'S', parse: parseSeconds('--cpu-time'),
    description: 'CPU-time limit (user + system) in seconds (exit 124 when hit)',
    defaultText: 'the wall timeout', example: '--cpu-time 1', libraryKey: 'cpuTime',
    apply: (t, v) => { t.cpuTime = v; },
  }),
  def<number>({
    key: 'memory', flag: '--memory', valueName: 'MiB', parse: parseMebibytes('--memory'),
    description: 'memory limit in MiB: peak resident memory above it is MLE (reserved address space is not counted)',
    defaultText: `${DEFAULTS.memory / MiB}`, example: '--memory 256', libraryKey: 'memory',
    apply: (t, v) => { t.memory = v; },
  }),
  def<number>({
    key: 'outputLimit', flag: '--output-limit', valueName: 'BYTES',
    parse: parseWhole('--output-limit', 0, 'a number of bytes'),
    description: 'bytes kept per stream (stdout, stderr); a program writing more is killed (OLE)',
    defaultText: `${DEFAULTS.outputLimit / MiB} MiB`, example: '--output-limit 1048576', libraryKey: 'outputLimit',
    apply: (t, v) => { t.outputLimit = v; },
  }),
  def<number>({
    key: 'writeLimit', flag: '--write-limit', valueName: 'BYTES',
    parse: parseWhole('--write-limit', 0, 'a number of bytes'),
    description: 'bytes the program may add in all to its --allow-write directories (every file counted as at least '
      + '4 KiB); a program writing more is killed (OLE)',
    defaultText: `${DEFAULTS.writeLimit / MiB} MiB`, example: '--write-limit 10485760', libraryKey: 'writeLimit',
    apply: (t, v) => { t.writeLimit = v; },
  }),
  def<number>({
    key: 'processes', flag: '--processes', valueName: 'N',
    parse: parseWhole('--processes', 1, 'a number of processes and threads'),
    description: 'processes and threads the program may have in all, itself included (1: no fork, no threads)',
    defaultText: `${DEFAULTS.processes}`, example: '--processes 4', libraryKey: 'processes',
    apply: (t, v) => { t.processes = v; },
  }),
  def<string, string[]>({
    key: 'denyRead', flag: '--deny-read', valueName: 'DIR', repeatable: true,
    parse: parsePath('--deny-read', 'an existing directory'),
    description: 'a directory the program cannot read, list or execute from (repeatable)',
    defaultText: 'none', example: '--deny-read /home', libraryKey: 'config.readDenyPaths',
    apply: (t, v) => { config(t).readDenyPaths = v.map(absolute); },
  }),
  def<string, string[]>({
    key: 'allowWrite', flag: '--allow-write', valueName: 'DIR', repeatable: true,
    parse: parsePath('--allow-write', 'an existing directory'),
    description: 'a directory the program may write in (repeatable); everywhere else writing is denied',
    defaultText: 'none', example: '--allow-write ./work', libraryKey: 'config.writeAllowPaths',
    apply: (t, v) => { config(t).writeAllowPaths = v.map(absolute); },
  }),
  def<string>({
    key: 'stdin', flag: '--stdin', valueName: 'FILE', parse: parsePath('--stdin', 'a readable file'),
    description: 'a file given to the program as its stdin (instead of the CLI\'s own stdin)',
    defaultText: 'the CLI\'s stdin, forwarded', example: '--stdin tests/1.in', libraryKey: 'stdinFile',
    apply: (t, v) => { t.stdinFile = absolute(v); },
  }),
  def<string>({
    key: 'cwd', flag: '--cwd', valueName: 'DIR', parse: parsePath('--cwd', 'an existing directory'),
    description: 'working directory of the program',
    defaultText: 'the current directory', example: '--cwd ./work', libraryKey: 'cwd',
    apply: (t, v) => { t.cwd = absolute(v); },
  }),
  def<[string, string], Array<[string, string]>>({
    key: 'env', flag: '--env', valueName: 'KEY=VALUE', repeatable: true, parse: parseEnv,
    description: 'an environment variable of the program (repeatable), added to the default PATH; nothing of the '
      + 'CLI\'s own environment is passed',
    defaultText: `PATH=${DEFAULTS.path}`, example: '--env LANG=C.UTF-8', libraryKey: 'env',
    apply: (t, pairs) => {
      const env: Record<string, string> = { PATH: DEFAULTS.path };
      for (const [k, v] of pairs) env[k] = v;
      t.env = env;
    },
  }),
  def<{ uid: number; gid?: number }>({
    key: 'user', flag: '--user', valueName: 'UID[:GID]', parse: parseUser,
    description: 'root only: the uid (and gid, default the uid) the program runs as',
    defaultText: `${DEFAULTS.uid}:${DEFAULTS.gid} when root, else the CLI's own user`, example: '--user 1500:1500',
    libraryKey: ['uid', 'gid'],
    apply: (t, v) => { t.uid = v.uid; t.gid = v.gid ?? v.uid; },
  }),
  def<number>({
    key: 'landlockAbi', flag: '--landlock-abi', valueName: 'N',
    parse: (raw) => {
      const v = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!isSupportedAbi(v)) {
        throw invalid('--landlock-abi', raw, `a Landlock ABI version from ${MIN_SUPPORTED_ABI} to ${NEWEST_KNOWN_ABI}`);
      }
      return v;
    },
    description: 'use at most this Landlock ABI: one policy across a fleet, or an older kernel\'s behaviour reproduced; '
      + 'what an older ABI lacks is enforced another way (docs/principles.md)',
    defaultText: `$${LANDLOCK_ABI_ENV}, else the kernel's`, example: '--landlock-abi 4', libraryKey: 'landlockAbi',
    apply: (t, v) => { t.landlockAbi = v; },
  }),
];

/** `--json`: shared by the run and the subcommands. */
export const JSON_OPTION: OptionDef<true> = def<true>({
  key: 'json', flag: '--json', valueName: null, parse: parseTrue,
  description: 'print one JSON object on stdout (status, times, memory, the program\'s output...) instead of the '
    + 'program\'s output; errors too',
  defaultText: null, example: '--json', libraryKey: null,
});

/** The extensions that make a program a source, as help shows them. */
export const SOURCE_EXTENSIONS = LANGUAGES.flatMap((l) => l.extensions).join(' ');

/** `--lang`: the program is a source in this language (src/lang/table.ts), whatever its extension. */
export const LANG_OPTION: OptionDef<string> = def<string>({
  key: 'lang', flag: '--lang', valueName: 'NAME',
  parse: (raw) => {
    const n = raw.toLowerCase();
    if (!LANGUAGES.some((l) => l.name === n || l.aliases.includes(n))) {
      throw invalid('--lang', raw, `one of ${LANGUAGES.map((l) => l.name).join(', ')} (see simple-cp-sandbox languages)`);
    }
    return raw;
  },
  description: `the program is a source file in this language: it is compiled once in its own sandbox, then run (a file `
    + `ending in ${SOURCE_EXTENSIONS} is a source without it; .py is python3)`,
  defaultText: 'from the extension', example: '--lang pypy3', libraryKey: null,
});

/** `--no-cache`: compile even if the compile cache has the artefact, and do not store it. */
export const NO_CACHE_OPTION: OptionDef<true> = def<true>({
  key: 'noCache', flag: '--no-cache', valueName: null, parse: parseTrue,
  description: 'for a source: compile it even if the compile cache (~/.cache/simple-cp-sandbox, or '
    + '$SIMPLE_CP_SANDBOX_CACHE) has it, and do not store the result',
  defaultText: null, example: '--no-cache', libraryKey: null,
});

/** Every option of `simple-cp-sandbox [options] <program> [args...]`. */
export const ROOT_OPTIONS: readonly OptionDef[] = [...RUN_OPTIONS, LANG_OPTION, NO_CACHE_OPTION, JSON_OPTION];

/** Parsed values by OptionDef.key; repeatable options hold arrays. */
export type OptionValues = Record<string, unknown>;

/** The library's RunOptions for parsed values: only what the user gave, the library supplies every default. */
export function toRunOptions(values: OptionValues): RunOptions {
  const out: RunOptions = {};
  for (const d of RUN_OPTIONS) {
    const v = values[d.key];
    if (v !== undefined && d.apply) (d.apply as unknown as (t: RunOptions, v: unknown) => void)(out, v);
  }
  return out;
}

/** The flag for a key of the library's RunOptions (as InvalidOptionError.option names it), if the CLI has one. */
export function flagForLibraryOption(option: string): string | null {
  for (const d of RUN_OPTIONS) {
    const keys = d.libraryKey === null ? [] : typeof d.libraryKey === 'string' ? [d.libraryKey] : d.libraryKey;
    if (keys.some((k) => option === k || option.startsWith(`${k}.`))) return d.flag;
  }
  return null;
}

/** `--deny-read <DIR>` as help and the README show it. */
export function usageOf(d: OptionDef): string {
  return d.valueName === null ? d.flag : `${d.flag} <${d.valueName}>`;
}
