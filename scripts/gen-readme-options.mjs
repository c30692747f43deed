#!/usr/bin/env node
// Prints the docs' Markdown tables from the CLI's data (dist/cli, so build first): the options of a run
// (src/cli/options.ts, in docs/cli.md), the options of `judge` (src/cli/judge-options.ts, in docs/judge.md), of `worker`
// and `submit` (src/cli/queue-options.ts, in docs/queue.md) and the
// exit codes (src/cli/exit-codes.ts, in README.md and docs/cli.md), and the language table (src/lang/table.ts: a
// short one in README.md, the whole one with each runtime's settings in docs/languages.md). One definition feeds the
// CLI, --help and these; test/cli/docs.test.ts checks the docs carry them.
//
//   node scripts/gen-readme-options.mjs [options|judge-options|worker-options|submit-options|exit-codes|languages|languages-full|all]
//   (default: options)
import { EXIT_CODES } from '../dist/cli/exit-codes.js';
import { JUDGE_OPTIONS } from '../dist/cli/judge-options.js';
import { ROOT_OPTIONS, usageOf } from '../dist/cli/options.js';
import { LANGUAGES } from '../dist/lang/table.js';
import { SUBMIT_COMMAND, WORKER_COMMAND } from '../dist/cli/queue-options.js';
import { commandsOf } from '../dist/lang/info.js';

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s) => `\`${s}\``;

export function optionsTable(defs = ROOT_OPTIONS) {
  const rows = defs.map((d) => [
    code(usageOf(d)),
    d.defaultText === null ? '' : cell(d.defaultText),
    cell(d.description),
    code(d.example),
  ]);
  return ['| Option | Default | Meaning | Example |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function exitCodesTable() {
  return ['| Exit code | Meaning |', '| --- | --- |', ...EXIT_CODES.map((e) => `| ${cell(e.code)} | ${cell(e.meaning)} |`)].join('\n');
}

const packages = (l) => [...new Set([l.compiler.package, ...(l.runtime ? [l.runtime.package] : [])])].map(code).join(', ');
const exts = (l) => (l.extensions.length ? l.extensions.map(code).join(' ') : `\`--lang ${l.name}\``);

export function languagesTable() {
  const rows = LANGUAGES.map((l) => [code(l.name), cell(l.title), exts(l), packages(l), l.required ? 'yes' : 'no: tested where installed']);
  return ['| `--lang` | Language | Source files | Debian packages | Required |', '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function languagesFull() {
  return LANGUAGES.map((l) => {
    const c = commandsOf(l);
    const env = (e) => Object.entries(e ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
    return [
      `### ${l.name}: ${l.title}`,
      '',
      `- Source files: ${exts(l)}${l.aliases.length ? `; also \`--lang\` ${l.aliases.map(code).join(', ')}` : ''}`,
      `- Debian packages: ${packages(l)}${l.required ? ' (required: .ci/run installs them)' : ' (optional: tested where installed)'}`,
      `- Compile: ${code(c.compile.join(' '))}${l.compileEnv ? ` with ${code(env(l.compileEnv))}` : ''}`,
      `- Run: ${code(c.run.join(' '))}${l.runEnv ? ` with ${code(env(l.runEnv))}` : ''}; processes at least ${l.processes}`,
      ...(l.outOfMemory ? [`- MLE also when a run ends in RE with stderr matching ${code(String(l.outOfMemory))}`] : []),
      `- Why: ${l.notes}`,
    ].join('\n');
  }).join('\n\n');
}

const what = process.argv[2] ?? 'options';
const judgeOptionsTable = () => optionsTable(JUDGE_OPTIONS);
const workerOptionsTable = () => optionsTable(WORKER_COMMAND.options);
const submitOptionsTable = () => optionsTable(SUBMIT_COMMAND.options);
const tables = {
  options: [optionsTable], 'judge-options': [judgeOptionsTable], 'worker-options': [workerOptionsTable],
  'submit-options': [submitOptionsTable], 'exit-codes': [exitCodesTable],
  languages: [languagesTable], 'languages-full': [languagesFull],
  all: [optionsTable, judgeOptionsTable, workerOptionsTable, submitOptionsTable, exitCodesTable, languagesTable, languagesFull],
}[what];
if (!tables) {
  process.stderr.write(`gen-readme-options: unknown table ${JSON.stringify(what)} (expected options, judge-options, worker-options, submit-options, exit-codes, languages, languages-full or all)\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(`${tables.map((t) => t()).join('\n\n')}\n`);
}
