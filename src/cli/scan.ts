/**
 * The fast path for the common case, `simple-cp-sandbox [options] <program> [args...]` with valid options: a
 * scanner over the same OptionDefs commander is built from, so a run does not load commander (about 13 ms, a
 * sixth of `node -e 0` on the reference machine). Anything it does not accept exactly — help, version, unknown
 * or short options, a bad value, a missing program, a subcommand — returns null, and commander (program.ts)
 * parses the argv and reports the error: there is one place that words errors. test/cli/parse.test.ts checks that
 * both agree on every argv the scanner accepts.
 *
 * The grammar is commander's with passThroughOptions: options until the first operand or `--`; `--flag value`
 * and `--flag=value`; a value is taken even if it starts with `-`; everything after the program is its argv.
 */
import { findCommand } from './commands.js';
import { ROOT_OPTIONS, type OptionDef, type OptionValues } from './options.js';

export interface ParsedRun {
  readonly values: OptionValues;
  readonly program: string;
  readonly args: readonly string[];
}

const BY_FLAG = new Map<string, OptionDef>(ROOT_OPTIONS.map((d) => [d.flag, d]));

export function scanRunArgv(argv: readonly string[]): ParsedRun | null {
  const values: OptionValues = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    if (!a.startsWith('--')) return null; // short options (-h, -V): commander's
    const eq = a.indexOf('=');
    const d = BY_FLAG.get(eq < 0 ? a : a.slice(0, eq));
    if (!d) return null;
    let raw: string;
    if (d.valueName === null) {
      if (eq >= 0) return null;
      raw = '';
    } else if (eq >= 0) {
      raw = a.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) return null;
      raw = argv[++i]!;
    }
    let v: unknown;
    try {
      v = d.parse(raw);
    } catch {
      return null;
    }
    values[d.key] = d.repeatable ? [...((values[d.key] as unknown[] | undefined) ?? []), v] : v;
  }
  const program = argv[i];
  // A program named like a subcommand is the subcommand, with or without `--` (as commander decides).
  if (program === undefined || findCommand(program)) return null;
  return { values, program, args: argv.slice(i + 1) };
}
