/**
 * Custom checkers (src/judge/checker.ts) on the real kernel: the testlib protocol (exit 0 AC, 1 WA, 2 presentation
 * error, 3 FAIL), everything else FAIL, the checker's words as the message, and its own sandbox (its limits, no
 * write access, its files cleaned up).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable } from '../../dist/engine/index.js';
import { judge, type JudgeReport } from '../../dist/judge/index.js';
import { buildBins, fixture, type Bins } from './helpers.js';

let bins: Bins;
beforeAll(async () => { bins = await buildBins(); });
afterAll(() => { fs.rmSync(bins.dir, { recursive: true, force: true }); });

const SPLIT = fixture('split/tests');

function rows(r: JudgeReport): Array<[string, string, string]> {
  return r.tests.map((t) => [t.name, t.verdict, t.message]);
}

describe('the testlib protocol', () => {
  it('exit 0: AC, with the checker\'s words; answers other than the jury\'s are accepted', async () => {
    const r = await judge({ program: bins.get('split/ac'), tests: SPLIT, checker: bins.get('split/checker'), jobs: 2 });
    expect(rows(r)).toEqual([['1', 'AC', 'ok: 2 = 1 + 1'], ['2', 'AC', 'ok: 10 = 1 + 9'], ['3', 'AC', 'ok: 1000000 = 1 + 999999']]);
    expect(r.verdict).toBe('AC');
    // Control: the output is not the jury's answer, so the default checker refuses it.
    const tokens = await judge({ program: bins.get('split/ac'), tests: SPLIT });
    expect(tokens.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'WA']);
  });

  it('exit 1: WA, with the checker\'s message', async () => {
    const r = await judge({ program: bins.get('split/wa'), tests: SPLIT, checker: bins.get('split/checker'), jobs: 2 });
    expect(rows(r)).toEqual([
      ['1', 'WA', 'wrong answer: a and b must be positive, got 2 and 0'],
      ['2', 'WA', 'wrong answer: a and b must be positive, got 10 and 0'],
      ['3', 'WA', 'wrong answer: a and b must be positive, got 1000000 and 0'],
    ]);
    expect(r.verdict).toBe('WA');
  });

  it('exit 2: a presentation error is WA, said so in the message', async () => {
    const r = await judge({ program: bins.get('split/pe'), tests: SPLIT, checker: bins.get('split/checker'), jobs: 2 });
    for (const t of r.tests) {
      expect(t.verdict).toBe('WA');
      expect(t.message).toBe('presentation error: wrong output format: expected two integers and nothing more');
    }
  });

  it('exit 3: FAIL, the checker\'s own failure (here: a wrong jury answer)', async () => {
    const r = await judge({ program: bins.get('split/ac'), tests: fixture('split/tests-broken'), checker: bins.get('split/checker') });
    expect(rows(r)).toEqual([['1', 'FAIL', 'the checker failed (exit code 3): the jury\'s answer is wrong for n = 5']]);
    expect(r.verdict).toBe('FAIL');
  });

  it('the program\'s own verdicts come first: a program that fails never reaches the checker', async () => {
    const r = await judge({ program: bins.get('sum/re'), tests: fixture('sum/tests'), checker: bins.get('checkers/crash'), jobs: 2 });
    expect(r.tests[2]!.verdict).toBe('RE');
    expect(r.tests.filter((t) => t.verdict !== 'RE').every((t) => t.verdict === 'FAIL')).toBe(true);
  });
});

describe('a checker that misbehaves is FAIL, never the program\'s fault', () => {
  it('a crash', async () => {
    const r = await judge({ program: bins.get('split/ac'), tests: SPLIT, checker: bins.get('checkers/crash'), jobs: 2 });
    for (const t of r.tests) {
      expect(t.verdict).toBe('FAIL');
      expect(t.message).toMatch(/^the checker was killed by SIG\w+: checker: about to crash$/);
    }
  });

  it('an endless loop: its own time limit', async () => {
    const r = await judge({
      program: bins.get('split/ac'), tests: SPLIT, checker: bins.get('checkers/hang'), jobs: 3,
      checkerLimits: { timeout: 0.3 }, limits: { timeout: 30 },
    });
    for (const t of r.tests) {
      expect(t.verdict).toBe('FAIL');
      expect(t.message).toMatch(/^the checker exceeded its (wall|CPU) time limit of 0\.3 s$/);
    }
  });

  it('an exit code that is not a verdict', async () => {
    const r = await judge({ program: bins.get('split/ac'), tests: SPLIT, checker: bins.get('checkers/exit7') });
    for (const t of r.tests) {
      expect(t.verdict).toBe('FAIL');
      expect(t.message).toBe('the checker exited with code 7, which is not a verdict (0 AC, 1 WA, 2 PE, 3 FAIL): checker: confused');
    }
  });
});

describe('the checker\'s sandbox', () => {
  it('has no write access (output, answer, new files), and its files are gone after the judge', async () => {
    const r = await judge({ program: bins.get('split/ac'), tests: SPLIT, checker: bins.get('checkers/nowrite'), jobs: 2 });
    const dirs = new Set<string>();
    for (const t of r.tests) {
      expect(t.verdict).toBe('AC');
      const m = /^output file (\S+)\noutput: (\w+)\nanswer: (\w+)\nnew file: (\w+)$/.exec(t.message);
      expect(m, t.message).not.toBeNull();
      expect([m![2], m![3], m![4]].every((e) => e === 'EACCES' || e === 'EPERM' || e === 'EROFS')).toBe(true);
      dirs.add(path.dirname(m![1]!));
    }
    expect(dirs.size).toBe(1);
    const [dir] = [...dirs];
    expect(fs.existsSync(dir!)).toBe(false);
  });

  it('control: the same checker outside the sandbox can write', () => {
    const dir = fs.mkdtempSync('/tmp/scs-judge-test-nowrite-');
    try {
      for (const f of ['in', 'out', 'ans']) fs.writeFileSync(path.join(dir, f), '1\n');
      const free = spawnSync(bins.get('checkers/nowrite'), ['in', 'out', 'ans'].map((f) => path.join(dir, f)), { encoding: 'utf8' });
      expect(free.error).toBeUndefined();
      expect(free.status).toBe(3);
      expect(free.stderr).toContain('output: opened for writing');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the checker reads the program\'s output, the input and the answer it is given', async () => {
    // exit 1 when the output is not two positive numbers adding up to the input's n: with the right program it
    // accepts, so it read all three files.
    const checker = bins.get('split/checker');
    const r = await judge({ program: bins.get('split/ac'), tests: SPLIT, checker });
    expect(r.verdict).toBe('AC');
    const direct = await runExecutable(checker, [path.join(SPLIT, '1.in'), '/dev/null', path.join(SPLIT, '1.ans')]);
    expect(direct.exitCode).toBe(2);
  });
});
