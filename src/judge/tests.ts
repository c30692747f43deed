/**
 * Finding the tests of a directory, in natural order. Two layouts:
 *
 *   DIR/NAME.in  with  DIR/NAME.out  or  DIR/NAME.ans          (other files in DIR are ignored)
 *   DIR/input/NAME  with  DIR/output/NAME                      (every file of input/ and output/ counts)
 *
 * Anything doubtful is an error that names the file and says what to do, never a test silently left out: an
 * input without an answer, an answer without an input, an input with two answers, both layouts at once, an
 * unreadable file, no test at all. Hidden files (`.gitkeep`) are ignored in both layouts. With `optionalAnswers`
 * (interactive problems, whose interactor may need no answer) an input without an answer is a test with answer null.
 */
import { constants as fsc } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { JudgeConfigError } from './errors.js';
import type { TestCase } from './types.js';

const LAYOUTS = 'NAME.in with NAME.out or NAME.ans beside it, or input/NAME with output/NAME';

/**
 * Natural order: runs of digits compare as numbers, so t2 comes before t10 and 9 before 10. Digits sort before
 * other text; text compares by UTF-16 code unit (the same on every machine, unlike localeCompare). Names equal in
 * this order (e.g. 01 and 1) fall back to plain code-unit order, so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    const dx = isDigits(x);
    const dy = isDigits(y);
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, '');
      const ny = y.replace(/^0+(?=\d)/, '');
      // Compared as strings of equal length: exact for numbers of any size.
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (dx !== dy) {
      return dx ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a === b ? 0 : a < b ? -1 : 1;
}

function chunks(s: string): string[] {
  return s.match(/\d+|\D+/g) ?? [];
}

function isDigits(s: string): boolean {
  return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
}

async function kindOf(p: string): Promise<'file' | 'directory' | 'other' | null> {
  try {
    const st = await stat(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new JudgeConfigError(`cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): `
      + 'make it readable by the user running the judge', p, { cause: e });
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch (e) {
    throw new JudgeConfigError(`cannot list the tests directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): `
      + 'make it readable by the user running the judge', dir, { cause: e });
  }
}

async function mustBeReadableFile(p: string): Promise<void> {
  const kind = await kindOf(p);
  if (kind !== 'file') {
    throw new JudgeConfigError(`${p} is not a regular file: a test is a pair of files (${LAYOUTS}); move it out`, p);
  }
  try {
    await access(p, fsc.R_OK);
  } catch (e) {
    throw new JudgeConfigError(`cannot read test file ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): `
      + 'make it readable by the user running the judge', p, { cause: e });
  }
}

/** The tests of `dir`, in natural order of their names. Rejects with JudgeConfigError (see the module comment). */
export async function findTests(dir: string, options: { optionalAnswers?: boolean } = {}): Promise<TestCase[]> {
  const kind = await kindOf(dir);
  if (kind === null) throw new JudgeConfigError(`tests directory not found: ${dir} (give the folder that holds ${LAYOUTS})`, dir);
  if (kind !== 'directory') throw new JudgeConfigError(`the tests path is not a directory: ${dir} (give the folder that holds ${LAYOUTS})`, dir);
  const names = await list(dir);
  const inputDir = path.join(dir, 'input');
  const outputDir = path.join(dir, 'output');
  const hasInputDir = names.includes('input') && await kindOf(inputDir) === 'directory';
  const hasOutputDir = names.includes('output') && await kindOf(outputDir) === 'directory';
  let tests: TestCase[];
  if (hasInputDir || hasOutputDir) {
    if (!hasInputDir) throw new JudgeConfigError(`${outputDir} exists but ${inputDir} does not: put the inputs in ${inputDir}/ under the same names`, inputDir);
    if (!hasOutputDir) throw new JudgeConfigError(`${inputDir} exists but ${outputDir} does not: put the answers in ${outputDir}/ under the same names`, outputDir);
    const flat = names.find((n) => /\.(in|out|ans)$/.test(n));
    if (flat !== undefined) {
      throw new JudgeConfigError(`${dir} holds both input/ and output/ and ${flat}: use one layout (${LAYOUTS})`, path.join(dir, flat));
    }
    tests = await pairDirectories(inputDir, outputDir, options.optionalAnswers === true);
  } else {
    tests = pairFiles(dir, names, options.optionalAnswers === true);
  }
  if (tests.length === 0) throw new JudgeConfigError(`no tests in ${dir}: expected ${LAYOUTS}`, dir);
  for (const t of tests) {
    await mustBeReadableFile(t.input);
    if (t.answer !== null) await mustBeReadableFile(t.answer);
  }
  return tests.sort((a, b) => naturalCompare(a.name, b.name));
}

function pairFiles(dir: string, names: readonly string[], optionalAnswers: boolean): TestCase[] {
  const present = new Set(names);
  const tests: TestCase[] = [];
  for (const n of [...names].sort(naturalCompare)) {
    const m = /^(.*)\.(in|out|ans)$/.exec(n);
    if (!m || m[1] === '') continue;
    const base = m[1]!;
    if (m[2] === 'in') {
      const out = present.has(`${base}.out`);
      const ans = present.has(`${base}.ans`);
      if (out && ans) {
        throw new JudgeConfigError(`${path.join(dir, n)} has two answers, ${base}.out and ${base}.ans: keep one`, path.join(dir, n));
      }
      if (!out && !ans && optionalAnswers) {
        tests.push({ name: base, input: path.join(dir, n), answer: null });
        continue;
      }
      if (!out && !ans) {
        throw new JudgeConfigError(`${path.join(dir, n)} has no answer: add ${path.join(dir, `${base}.out`)} `
          + `(or ${base}.ans), or remove the input`, path.join(dir, n));
      }
      tests.push({ name: base, input: path.join(dir, n), answer: path.join(dir, `${base}.${out ? 'out' : 'ans'}`) });
    } else if (!present.has(`${base}.in`)) {
      throw new JudgeConfigError(`${path.join(dir, n)} has no input: add ${path.join(dir, `${base}.in`)}, or remove it`, path.join(dir, n));
    }
  }
  return tests;
}

async function pairDirectories(inputDir: string, outputDir: string, optionalAnswers: boolean): Promise<TestCase[]> {
  const inputs = await list(inputDir);
  const inputSet = new Set(inputs);
  const outputs = new Set(await list(outputDir));
  const tests: TestCase[] = [];
  for (const n of [...inputs].sort(naturalCompare)) {
    if (!outputs.has(n) && optionalAnswers) {
      tests.push({ name: n, input: path.join(inputDir, n), answer: null });
      continue;
    }
    if (!outputs.has(n)) {
      throw new JudgeConfigError(`${path.join(inputDir, n)} has no answer: add ${path.join(outputDir, n)}, or remove the input`,
        path.join(inputDir, n));
    }
    tests.push({ name: n, input: path.join(inputDir, n), answer: path.join(outputDir, n) });
  }
  for (const n of [...outputs].sort(naturalCompare)) {
    if (!inputSet.has(n)) {
      throw new JudgeConfigError(`${path.join(outputDir, n)} has no input: add ${path.join(inputDir, n)}, or remove it`,
        path.join(outputDir, n));
    }
  }
  return tests;
}
