/**
 * The docs carry the tables scripts/gen-readme-options.mjs prints from the option and exit-code data: the run's
 * options in docs/cli.md, the judge's in docs/judge.md, worker's and submit's in docs/queue.md, the exit codes in README.md and docs/cli.md, the language
 * table in README.md and docs/languages.md. A changed option, code or language without regenerated docs fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JUDGE_OPTIONS } from '../../dist/cli/judge-options.js';
import { ROOT_OPTIONS } from '../../dist/cli/options.js';
import { SUBMIT_COMMAND, WORKER_COMMAND } from '../../dist/cli/queue-options.js';
import { ROOT } from './helpers.js';

function generated(table: 'options' | 'judge-options' | 'worker-options' | 'submit-options' | 'exit-codes' | 'languages' | 'languages-full'): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-readme-options.mjs'), table], { encoding: 'utf8' }).trimEnd();
}

function between(file: string, name: string): string {
  const doc = readFileSync(path.join(ROOT, file), 'utf8');
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(doc);
  if (!m) throw new Error(`${file} has no ${name}:begin/end markers`);
  return m[1]!;
}

describe('generated tables in the docs', () => {
  it('docs/cli.md has the options table the data generates, one row per option', () => {
    const table = generated('options');
    expect(between('docs/cli.md', 'options')).toBe(table);
    for (const d of ROOT_OPTIONS) expect(table).toContain(`\`${d.flag}`);
  });

  it('docs/judge.md has the judge\'s options table the data generates, one row per option', () => {
    const table = generated('judge-options');
    expect(between('docs/judge.md', 'judge-options')).toBe(table);
    for (const d of JUDGE_OPTIONS) expect(table).toContain(`\`${d.flag}`);
  });

  it('docs/queue.md has worker\'s and submit\'s options tables the data generates, one row per option', () => {
    for (const [name, command] of [['worker-options', WORKER_COMMAND], ['submit-options', SUBMIT_COMMAND]] as const) {
      const table = generated(name);
      expect(between('docs/queue.md', name)).toBe(table);
      for (const d of command.options) expect(table).toContain(`\`${d.flag}`);
    }
  });

  it('README.md and docs/cli.md have the exit-code table the data generates', () => {
    expect(between('README.md', 'exit-codes')).toBe(generated('exit-codes'));
    expect(between('docs/cli.md', 'exit-codes')).toBe(generated('exit-codes'));
  });

  it('README.md has the language table, docs/languages.md the whole of it, as src/lang/table.ts generates them', () => {
    expect(between('README.md', 'languages')).toBe(generated('languages'));
    expect(between('docs/languages.md', 'languages')).toBe(generated('languages-full'));
  });
});
