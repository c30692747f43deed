#!/usr/bin/env node
// Prints the README's Markdown tables from the CLI's data (dist/cli, so build first): the options of a run
// (src/cli/options.ts) and the exit codes (src/cli/exit-codes.ts). One definition feeds the CLI, --help and these.
//
//   node scripts/gen-readme-options.mjs [options|exit-codes|all]     (default: options)
import { EXIT_CODES } from '../dist/cli/exit-codes.js';
import { ROOT_OPTIONS, usageOf } from '../dist/cli/options.js';

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s) => `\`${s}\``;

export function optionsTable() {
  const rows = ROOT_OPTIONS.map((d) => [
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
const tables = { options: [optionsTable], 'exit-codes': [exitCodesTable], all: [optionsTable, exitCodesTable] }[what];
if (!tables) {
  process.stderr.write(`gen-readme-options: unknown table ${JSON.stringify(what)} (expected options, exit-codes or all)\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(`${tables.map((t) => t()).join('\n\n')}\n`);
}
