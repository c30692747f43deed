/**
 * Finding the tests (src/judge/tests.ts): both layouts, natural order, and every doubtful directory refused with
 * a message that names the file and says what to do.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTests, JudgeConfigError, naturalCompare } from '../../dist/judge/index.js';
import { fixture, isRoot, removeDir, tempDir, writeTree } from './helpers.js';

const made: string[] = [];
afterAll(() => { for (const d of made) removeDir(d); });

function tree(files: Record<string, string>): string {
  const dir = tempDir('tests');
  made.push(dir);
  return writeTree(dir, files);
}

async function refused(dir: string): Promise<JudgeConfigError> {
  const e = await findTests(dir).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(JudgeConfigError);
  return e as JudgeConfigError;
}

describe('natural order', () => {
  it.each([
    ['t2', 't10'], ['9', '10'], ['1', '2'], ['2', '10'], ['a1b2', 'a1b10'], ['test-2', 'test-10'],
    ['1', 'a'], ['a', 'b'], ['01', '1'], ['1', '01a'], ['99999999999999999999', '100000000000000000000'],
    ['B', 'a'], ['x', 'x1'],
  ])('%s comes before %s', (a, b) => {
    expect(naturalCompare(a, b)).toBeLessThan(0);
    expect(naturalCompare(b, a)).toBeGreaterThan(0);
  });

  it('equal names compare equal; sorting is total and deterministic', () => {
    expect(naturalCompare('t7', 't7')).toBe(0);
    const names = ['t10', 't2', 't1', 'T3', 'b', 'a10', 'a9', '010', '10', '2'];
    const sorted = [...names].sort(naturalCompare);
    expect(sorted).toEqual(['2', '010', '10', 'T3', 'a9', 'a10', 'b', 't1', 't2', 't10']);
    expect([...names].reverse().sort(naturalCompare)).toEqual(sorted);
  });
});

describe('layout NAME.in + NAME.out / NAME.ans', () => {
  it('pairs each input with its answer, in natural order', async () => {
    const tests = await findTests(fixture('sum/tests'));
    expect(tests.map((t) => t.name)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    for (const t of tests) {
      expect(t.input).toBe(path.join(fixture('sum/tests'), `${t.name}.in`));
      expect(t.answer).toBe(path.join(fixture('sum/tests'), `${t.name}.out`));
    }
  });

  it('takes .ans as the answer too, and ignores other files, subdirectories and hidden files', async () => {
    const dir = tree({
      't10.in': '1', 't10.ans': '1', 't2.in': '2', 't2.out': '2', 't1.in': '3', 't1.ans': '3',
      'README.md': 'notes', 'gen.py': 'print(1)', '.gitkeep': '', 'sub/x.in': 'no answer, not a test',
    });
    const tests = await findTests(dir);
    expect(tests.map((t) => [t.name, path.basename(t.answer!)])).toEqual([['t1', 't1.ans'], ['t2', 't2.out'], ['t10', 't10.ans']]);
  });

  it('with optionalAnswers (interactive problems), an input without an answer is a test with answer null, in both layouts', async () => {
    const flat = await findTests(tree({ '1.in': '1', '1.out': '1', '2.in': '2' }), { optionalAnswers: true });
    expect(flat.map((t) => [t.name, t.answer === null ? null : path.basename(t.answer)])).toEqual([['1', '1.out'], ['2', null]]);
    const dirs = await findTests(tree({ 'input/1': '1', 'output/1': '1', 'input/2': '2' }), { optionalAnswers: true });
    expect(dirs.map((t) => [t.name, t.answer === null ? null : path.basename(t.answer)])).toEqual([['1', '1'], ['2', null]]);
    // An answer without an input is still an error.
    await expect(findTests(tree({ '1.in': '1', '2.out': '2' }), { optionalAnswers: true })).rejects.toThrow(/has no input/);
  });

  it('an input without an answer is an error naming it', async () => {
    const dir = tree({ '1.in': '1', '1.out': '1', '2.in': '2' });
    const e = await refused(dir);
    expect(e.message).toContain(path.join(dir, '2.in'));
    expect(e.message).toContain('has no answer');
    expect(e.message).toContain('2.out');
    expect(e.path).toBe(path.join(dir, '2.in'));
  });

  it('an answer without an input is an error naming it', async () => {
    const dir = tree({ '1.in': '1', '1.out': '1', '3.ans': '3' });
    const e = await refused(dir);
    expect(e.message).toContain(path.join(dir, '3.ans'));
    expect(e.message).toContain('has no input');
  });

  it('an input with both .out and .ans is an error: which one is meant is unknown', async () => {
    const dir = tree({ '1.in': '1', '1.out': '1', '1.ans': '1' });
    const e = await refused(dir);
    expect(e.message).toContain('two answers');
    expect(e.message).toContain('keep one');
  });

  it('a directory where a test file should be is an error', async () => {
    const dir = tree({ '1.in': '1', '1.out/x': '' });
    const e = await refused(dir);
    expect(e.message).toContain(path.join(dir, '1.out'));
    expect(e.message).toContain('not a regular file');
  });
});

describe('layout input/NAME + output/NAME', () => {
  it('pairs input/NAME with output/NAME, in natural order', async () => {
    const dir = fixture('sum/tests-io');
    const tests = await findTests(dir);
    expect(tests.map((t) => t.name)).toEqual(['1', '2', '10']);
    for (const t of tests) {
      expect(t.input).toBe(path.join(dir, 'input', t.name));
      expect(t.answer).toBe(path.join(dir, 'output', t.name));
    }
  });

  it('every file of input/ and output/ counts: an unpaired one is an error', async () => {
    const a = tree({ 'input/1': '1', 'output/1': '1', 'input/2': '2' });
    expect((await refused(a)).message).toContain(`${path.join(a, 'input', '2')} has no answer`);
    const b = tree({ 'input/1': '1', 'output/1': '1', 'output/extra': '2' });
    expect((await refused(b)).message).toContain(`${path.join(b, 'output', 'extra')} has no input`);
  });

  it('input/ without output/ (and the reverse) is an error saying what is missing', async () => {
    const a = tree({ 'input/1': '1' });
    expect((await refused(a)).message).toContain(`${path.join(a, 'output')}`);
    const b = tree({ 'output/1': '1' });
    expect((await refused(b)).message).toContain(`${path.join(b, 'input')}`);
  });

  it('both layouts in one directory is an error', async () => {
    const dir = tree({ 'input/1': '1', 'output/1': '1', '2.in': '2', '2.out': '2' });
    const e = await refused(dir);
    expect(e.message).toContain('use one layout');
  });
});

describe('no tests, no directory, unreadable tests', () => {
  it('an empty directory is an error that says what a test looks like', async () => {
    const dir = tree({ 'README.md': 'nothing here' });
    const e = await refused(dir);
    expect(e.message).toContain(`no tests in ${dir}`);
    expect(e.message).toContain('NAME.in');
    expect(e.message).toContain('input/NAME');
  });

  it('a missing directory, or a file given as the directory, is an error', async () => {
    const dir = tree({ 'file.txt': 'x' });
    expect((await refused(path.join(dir, 'nope'))).message).toContain('tests directory not found');
    expect((await refused(path.join(dir, 'file.txt'))).message).toContain('not a directory');
  });

  it('a test file that cannot be read (dangling link) is an error naming it', async () => {
    const dir = tree({ '1.in': '1' });
    fs.symlinkSync(path.join(dir, 'missing-target'), path.join(dir, '1.out'));
    const e = await refused(dir);
    expect(e.message).toContain(path.join(dir, '1.out'));
  });

  it.skipIf(isRoot)('a test file without read permission is an error naming it (non-root: root reads anything)', async () => {
    const dir = tree({ '1.in': '1', '1.out': '1' });
    fs.chmodSync(path.join(dir, '1.in'), 0o000);
    const e = await refused(dir);
    expect(e.message).toContain(`cannot read test file ${path.join(dir, '1.in')}`);
    expect(e.message).toContain('make it readable');
  });
});
