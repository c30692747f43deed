/**
 * README.md (its CLI section) carries the tables scripts/gen-readme-options.mjs prints from
 * the option and exit-code data: a changed option or code without regenerated docs fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_OPTIONS } from '../../dist/cli/options.js';
import { ROOT } from './helpers.js';

const doc = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function generated(table: 'options' | 'exit-codes'): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'gen-readme-options.mjs'), table], { encoding: 'utf8' }).trimEnd();
}

function between(name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(doc);
  if (!m) throw new Error(`README.md has no ${name}:begin/end markers`);
  return m[1]!;
}

describe('README.md', () => {
  it('has the options table the data generates, one row per option', () => {
    const table = generated('options');
    expect(between('options')).toBe(table);
    for (const d of ROOT_OPTIONS) expect(table).toContain(`\`${d.flag}`);
  });

  it('has the exit-code table the data generates', () => {
    expect(between('exit-codes')).toBe(generated('exit-codes'));
  });
});
