#!/usr/bin/env node
// Prints the docs' Markdown tables from the CLI's data (dist/cli, so build first): the options of a run
// (src/cli/options.ts, in docs/cli.md), the options of `judge` (src/cli/judge-options.ts, in docs/judge.md) and the
// exit codes (src/cli/exit-codes.ts, in README.md and docs/cli.md). One definition feeds the CLI, --help and these;
// test/cli/docs.test.ts checks the docs carry them.
//
//   node scripts/gen-readme-options.mjs [options|judge-options|exit-codes|all]     (default: options)
import { EXIT_CODES } from '../dist/cli/exit-codes.js';
import { JUDGE_OPTIONS } from '../dist/cli/judge-options.js';
import { ROOT_OPTIONS, usageOf } from '../dist/cli/options.js';

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

const what = process.argv[2] ?? 'options';
const judgeOptionsTable = () => optionsTable(JUDGE_OPTIONS);
const tables = {
  options: [optionsTable], 'judge-options': [judgeOptionsTable], 'exit-codes': [exitCodesTable],
  all: [optionsTable, judgeOptionsTable, exitCodesTable],
}[what];
if (!tables) {
  process.stderr.write(`gen-readme-options: unknown table ${JSON.stringify(what)} (expected options, judge-options, exit-codes or all)\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(`${tables.map((t) => t()).join('\n\n')}\n`);
}
