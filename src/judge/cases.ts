/**
 * The tests a judge was given, checked before anything runs: a list's shape, the directories the program may not
 * read (the tests'), and a program that would lie inside them.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InvalidOptionError } from '../engine/index.js';
import { JudgeConfigError } from './errors.js';
import type { TestCase } from './types.js';

/** A list of tests given by the caller; answers may be null only for an interactive judge. */
export function checkCases(tests: readonly TestCase[], interactive: boolean): TestCase[] {
  if (tests.length === 0) throw new JudgeConfigError('no tests given');
  for (const t of tests) {
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string' || typeof t.input !== 'string'
      || !(typeof t.answer === 'string' || (interactive && t.answer === null))) {
      throw new InvalidOptionError('tests', t, `a test { name, input, answer } (strings${interactive ? '; answer may be null' : ''})`);
    }
  }
  return [...tests];
}

/** The directories the program may not read: the tests directory, or those of the tests' files. */
export function hiddenDirs(tests: string | readonly TestCase[], cases: readonly TestCase[]): string[] {
  const dirs = typeof tests === 'string' ? [tests] : cases.flatMap((t) => [path.dirname(t.input), ...(t.answer === null ? [] : [path.dirname(t.answer)])]);
  const out = new Set<string>();
  for (const d of dirs) {
    try {
      out.add(realpathSync(d));
    } catch (e) {
      throw new JudgeConfigError(`cannot resolve ${d} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, d, { cause: e });
    }
  }
  return [...out];
}

function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Refuses a program that lives in a directory it will not be allowed to read (it could not even be started). */
export function checkProgramOutside(program: string, cwd: string | undefined, hidden: readonly string[]): void {
  if (!program.includes('/')) return; // looked up in PATH by the engine
  let real: string;
  try {
    real = realpathSync(path.resolve(cwd ?? process.cwd(), program));
  } catch {
    return; // the engine says it is missing, as for any run
  }
  const dir = hidden.find((d) => inside(d, real));
  if (dir !== undefined) {
    throw new JudgeConfigError(`the program ${program} lies inside ${dir}, which the program may not read while it is `
      + 'judged (it holds the answers): move the program out of the tests directory', program);
  }
}
