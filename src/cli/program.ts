/**
 * The commander setup, built from the option data (options.ts) and the subcommand data (commands.ts). Loaded only
 * when the fast scanner (scan.ts) declines an argv: for --help, --version, subcommands and every error.
 *
 * It only parses: the result says what to do (run, a subcommand, or exit after help/version), and main.ts does it.
 * Commander's own errors become CliUsageError (exit 125, not commander's 1) through exitOverride().
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './commands.js';
import { CliUsageError } from './errors.js';
import { EXIT_CODES } from './exit-codes.js';
import { ROOT_OPTIONS, usageOf, type OptionDef, type OptionValues } from './options.js';
import type { ParsedRun } from './scan.js';
import type { CliIo, Subcommand } from './types.js';

export type Invocation =
  | { readonly kind: 'run'; readonly run: ParsedRun }
  | { readonly kind: 'command'; readonly command: Subcommand; readonly values: OptionValues; readonly args: unknown[] }
  /** Help or version was printed. */
  | { readonly kind: 'exit'; readonly code: number };

export const NAME = 'simple-cp-sandbox';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function helpDescription(d: OptionDef): string {
  return d.defaultText === null ? d.description : `${d.description} (default: ${d.defaultText})`;
}

/** Adds the options to a command, each parsed by its definition; returns the commander attribute for each key. */
function addOptions(cmd: Command, defs: readonly OptionDef[]): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const d of defs) {
    const opt = new Option(usageOf(d), helpDescription(d));
    if (d.valueName !== null) {
      opt.argParser((raw: string, previous: unknown) => {
        const v = d.parse(raw);
        return d.repeatable ? [...((previous as unknown[] | undefined) ?? []), v] : v;
      });
    }
    cmd.addOption(opt);
    attributes.set(d.key, opt.attributeName());
  }
  return attributes;
}

function valuesOf(cmd: Command, attributes: Map<string, string>): OptionValues {
  const values: OptionValues = {};
  for (const [key, attr] of attributes) {
    const v = cmd.getOptionValue(attr) as unknown;
    // commander makes `--no-X` a negation: attribute X, true unless given. Ours is a switch, true when given.
    if (cmd.options.some((o) => o.negate && o.attributeName() === attr)) {
      if (v === false) values[key] = true;
      continue;
    }
    if (v !== undefined) values[key] = v;
  }
  return values;
}

/** Two columns, the second wrapped at word boundaries to fit `columns`. */
function table(rows: ReadonlyArray<readonly [string, string]>, columns: number, indent = '  '): string {
  const width = Math.max(...rows.map(([a]) => a.length));
  const room = Math.max(30, columns - indent.length - width - 2);
  const pad = ' '.repeat(indent.length + width + 2);
  return rows.map(([a, b]) => {
    const lines: string[] = [];
    let line = '';
    for (const word of b.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > room) { lines.push(line); line = word; }
      else line = line === '' ? word : `${line} ${word}`;
    }
    lines.push(line);
    return `${indent}${a.padEnd(width)}  ${lines.join(`\n${pad}`)}`;
  }).join('\n');
}

const ROOT_EXAMPLES: ReadonlyArray<readonly [string, string]> = [
  [`${NAME} --timeout 2.0 ./program arg1 arg2`, 'run with a 2 s wall limit'],
  [`${NAME} --stdin 1.in --memory 256 --json ./solution`, 'judge one test, result as JSON'],
  [`${NAME} --deny-read /home/runner/private --allow-write /home/runner/workdir ./program`,
    'filesystem policy: hide a directory, allow writing in one'],
  [`${NAME} --processes 8 /bin/sh -c 'sort | uniq'`, 'let a shell start children'],
  [`${NAME} ./program --timeout 5 -- --x`, 'words after the program are its own'],
  [`${NAME} doctor`, 'what this machine supports'],
];

function rootHelpAfter(columns: number): string {
  return [
    '',
    'Options come before the program; everything after it is the program\'s argv, untouched.',
    'Without --json the program\'s stdout and stderr are written to the CLI\'s byte for byte,',
    'and the CLI\'s stdin is forwarded to the program (EOF when there is none).',
    'Paths in options are relative to the current directory; a relative program path is',
    'found from --cwd.',
    '',
    'Examples:',
    ...ROOT_EXAMPLES.flatMap(([cmd, what]) => [`  # ${what}`, `  ${cmd}`]),
    '',
    'Exit codes:',
    table(EXIT_CODES.map((e) => [e.code, e.meaning.replace(/`/g, '')] as const), columns),
    '',
  ].join('\n');
}

function build(io: CliIo, commands: readonly Subcommand[], onParsed: (inv: Invocation) => void): Command {
  const output = {
    writeOut: (s: string) => { io.stdout.write(s); },
    writeErr: (s: string) => { io.stderr.write(s); },
    // Errors are thrown (exitOverride) and worded by main.ts: one line, or the JSON object with --json.
    outputError: () => undefined,
  };
  const program = new Command(NAME)
    .description('Run a competitive-programming executable in a fail-closed sandbox (Landlock, seccomp, '
      + 'no_new_privs, rlimits) and report exactly what happened.')
    .usage('[options] <program> [args...]\n       simple-cp-sandbox <command> [options]')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    // No implicit `help` command: the subcommands are exactly COMMANDS, and any other word is a program (scan.ts).
    .helpCommand(false)
    .enablePositionalOptions()
    .passThroughOptions()
    .exitOverride()
    .configureOutput(output)
    .argument('<program>', 'the program to run: a path, or a name looked up in PATH')
    .argument('[args...]', 'its arguments, passed as they are');
  const rootAttributes = addOptions(program, ROOT_OPTIONS);
  const columns = (io.stdout as { columns?: number }).columns ?? 80;
  program.addHelpText('after', rootHelpAfter(columns));
  program.action((prog: string, args: string[]) => {
    onParsed({ kind: 'run', run: { values: valuesOf(program, rootAttributes), program: prog, args } });
  });

  for (const sub of commands) {
    const cmd = program.command(sub.name).description(sub.summary)
      .helpOption('-h, --help', 'show this help').exitOverride().configureOutput(output);
    if (sub.passThroughOptions) cmd.passThroughOptions();
    for (const a of sub.arguments ?? []) cmd.argument(a.syntax, a.description);
    const attributes = addOptions(cmd, sub.options);
    if (sub.examples?.length) cmd.addHelpText('after', ['', 'Examples:', ...sub.examples.map((e) => `  ${e}`), ''].join('\n'));
    cmd.action((...params: unknown[]) => {
      // commander passes the positional arguments, then the options object and the command.
      const values = { ...rootValuesFor(sub, valuesOf(program, rootAttributes)), ...valuesOf(cmd, attributes) };
      onParsed({ kind: 'command', command: sub, values, args: params.slice(0, -2) });
    });
  }
  return program;
}

/**
 * Options given before a subcommand's name (`--json doctor`): kept when the subcommand has them too, an error
 * otherwise (rather than silently ignored).
 */
function rootValuesFor(sub: Subcommand, rootValues: OptionValues): OptionValues {
  const out: OptionValues = {};
  for (const [key, v] of Object.entries(rootValues)) {
    if (sub.options.some((d) => d.key === key)) { out[key] = v; continue; }
    const flag = ROOT_OPTIONS.find((d) => d.key === key)?.flag ?? key;
    throw new CliUsageError(`${flag} is not an option of "${sub.name}" (see ${NAME} ${sub.name} --help)`);
  }
  return out;
}

/** Parses argv with the subcommands of `commands` (COMMANDS; tests pass their own). */
export async function parseArgv(argv: readonly string[], io: CliIo, commands: readonly Subcommand[] = COMMANDS): Promise<Invocation> {
  let parsed: Invocation | null = null;
  const program = build(io, commands, (inv) => { parsed = inv; });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return { kind: 'exit', code: 0 }; // --help, --version
      const message = e.message.replace(/^error: /, '');
      if (e.code === 'commander.unknownOption' && argv.includes('judge')) {
        throw new CliUsageError(`${message} (a judged program's own arguments go after \`--\`: ${NAME} judge --tests DIR `
          + `PROGRAM -- ARGS; see ${NAME} judge --help)`);
      }
      throw new CliUsageError(`${message} (see ${NAME} --help)`);
    }
    throw e;
  }
  if (parsed === null) throw new CliUsageError(`nothing to do (see ${NAME} --help)`);
  return parsed;
}
