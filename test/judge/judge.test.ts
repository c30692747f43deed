/**
 * judge() (src/judge/index.ts) on the real kernel, with the fixture problems: every verdict of the program, the
 * built-in checkers, both layouts, natural order, --jobs, stopOnFirstFailure, SE, the answers hidden from the
 * program, and the errors that stop a judge before anything runs.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, InvalidOptionError, ProgramNotFoundError, runExecutable, type Faults } from '../../dist/engine/index.js';
import { exitCodeForVerdict, judge, JudgeConfigError, VERDICTS } from '../../dist/judge/index.js';
import type { JudgeOptions, JudgeProgress, JudgeReport, Verdict } from '../../dist/judge/index.js';
import { buildBins, fixture, isRoot, removeDir, tempDir, writeTree, type Bins } from './helpers.js';

const MiB = 1024 * 1024;
let bins: Bins;
const made: string[] = [];

beforeAll(async () => { bins = await buildBins(); });
afterAll(() => {
  removeDir(bins.dir);
  for (const d of made) removeDir(d);
});

/** judge() with an engine of the test's own, whose faults the test may change between runs. */
async function withFaults<T>(faults: Faults, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = new Engine({ faults });
  try {
    return await fn(engine);
  } finally {
    await engine.shutdown();
  }
}

function tree(files: Record<string, string>): string {
  const dir = tempDir('judge');
  made.push(dir);
  return writeTree(dir, files);
}

const SUM = fixture('sum/tests');

function verdicts(r: JudgeReport): Record<string, Verdict> {
  return Object.fromEntries(r.tests.map((t) => [t.name, t.verdict]));
}

/** The report's invariants, whatever the verdicts. */
function expectConsistent(r: JudgeReport): void {
  const first = r.tests.find((t) => t.verdict !== 'AC');
  expect(r.verdict).toBe(first?.verdict ?? 'AC');
  expect(r.summary.passed).toBe(r.tests.filter((t) => t.verdict === 'AC').length);
  expect(r.summary.total).toBe(r.tests.length + r.skipped.length);
  expect(r.summary.skipped).toBe(r.skipped.length);
  expect(r.summary.maxCpuTime).toBe(Math.max(0, ...r.tests.map((t) => t.cpuTime)));
  expect(r.summary.maxPeakMemory).toBe(Math.max(0, ...r.tests.map((t) => t.peakMemory)));
  for (const t of r.tests) expect(VERDICTS).toContain(t.verdict);
}

describe('verdicts of the program (sum of two numbers, tokens)', () => {
  it('AC: every test passes, each measured', async () => {
    const r = await judge({ program: bins.get('sum/ac'), tests: SUM, jobs: 2 });
    expectConsistent(r);
    expect(r.verdict).toBe('AC');
    expect(r.tests.map((t) => t.name)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    for (const t of r.tests) {
      expect(t).toMatchObject({ verdict: 'AC', exitCode: 0, signal: null, message: '' });
      expect(t.wallTime).toBeGreaterThan(0);
      expect(t.peakMemory).toBeGreaterThan(0);
      expect(t.input).toBe(path.join(SUM, `${t.name}.in`));
      expect(t.answer).toBe(path.join(SUM, `${t.name}.out`));
    }
    expect(r.summary).toMatchObject({ passed: 10, total: 10, skipped: 0 });
    expect(exitCodeForVerdict(r.verdict)).toBe(0);
  });

  it('WA: says which token differs, expected and got', async () => {
    const r = await judge({ program: bins.get('sum/wa'), tests: SUM, jobs: 2 });
    expectConsistent(r);
    const answer8 = fs.readFileSync(path.join(SUM, '8.out'), 'utf8').trim();
    expect(verdicts(r)).toEqual({ 1: 'AC', 2: 'AC', 3: 'AC', 4: 'AC', 5: 'AC', 6: 'AC', 7: 'AC', 8: 'WA', 9: 'AC', 10: 'WA' });
    expect(r.tests[7]!.message).toMatch(new RegExp(`^token 1: expected ${answer8}, got -?\\d+ \\(output line 1\\)$`));
    expect(r.verdict).toBe('WA');
    expect(exitCodeForVerdict(r.verdict)).toBe(1);
  });

  it('TLE: the slow solution passes the small tests and exceeds the limit on the large ones', async () => {
    const r = await judge({ program: bins.get('sum/tle'), tests: SUM, jobs: 2, limits: { timeout: 2, cpuTime: 0.5 } });
    expectConsistent(r);
    expect(r.tests.slice(0, 7).every((t) => t.verdict === 'AC')).toBe(true);
    for (const t of r.tests.slice(7)) {
      expect(t.verdict).toBe('TLE');
      expect(t.message).toMatch(/^(CPU time limit of 0\.5 s|wall time limit of 2 s) exceeded$/);
    }
    expect(r.verdict).toBe('TLE');
  });

  it('RE: a signal (SIGFPE on test 3), with its name', async () => {
    const r = await judge({ program: bins.get('sum/re'), tests: SUM, jobs: 2 });
    expectConsistent(r);
    const t3 = r.tests[2]!;
    expect(t3).toMatchObject({ verdict: 'RE', exitCode: null, signal: 'SIGFPE', message: 'killed by SIGFPE' });
    expect(r.tests.filter((t) => t.verdict !== 'AC').map((t) => t.name)).toEqual(['3']);
    expect(r.verdict).toBe('RE');
  });

  it('RE: a non-zero exit code, with the last line of stderr', async () => {
    const answer = path.join(SUM, '1.out');
    const r = await judge({ program: bins.get('sum/peek'), args: [answer], tests: SUM, jobs: 2 });
    expectConsistent(r);
    for (const t of r.tests) {
      expect(t).toMatchObject({ verdict: 'RE', exitCode: 1, signal: null });
      expect(t.message).toBe(`exit code 1; stderr: cannot open ${answer}: Permission denied`);
    }
  });

  it('MLE: peak memory over --memory', async () => {
    const r = await judge({ program: bins.get('sum/mle'), tests: SUM, jobs: 2, limits: { memory: 64 * MiB } });
    expectConsistent(r);
    for (const t of r.tests) {
      expect(t.verdict).toBe('MLE');
      expect(t.message).toMatch(/^memory limit of 64 MiB exceeded \(peak [\d.]+ MiB seen\)$/);
    }
    expect(r.summary.maxPeakMemory).toBeGreaterThan(64 * MiB);
  });

  it('OLE: output over --output-limit', async () => {
    const r = await judge({ program: bins.get('sum/ole'), tests: SUM, jobs: 2, limits: { outputLimit: 4096 } });
    expectConsistent(r);
    for (const t of r.tests) expect(t).toMatchObject({ verdict: 'OLE', message: 'output limit of 4096 bytes per stream exceeded' });
  });

  it('SE: a sandbox that cannot be set up is the test\'s verdict, and the exit code says the judge failed', async () => {
    const r = await withFaults({ rlimitFails: true },
      (engine) => judge({ program: bins.get('sum/ac'), tests: fixture('sum/tests-io'), jobs: 2, engine }));
    expectConsistent(r);
    for (const t of r.tests) {
      expect(t).toMatchObject({ verdict: 'SE', exitCode: null, signal: null, wallTime: 0 });
      expect(t.message).toContain('sandbox setup failed at step "rlimits"');
    }
    expect(r.verdict).toBe('SE');
    expect(exitCodeForVerdict(r.verdict)).toBe(125);
  });

  it('SE in one test does not stop the others', async () => {
    const faults: Faults = { rlimitFails: true };
    // jobs 1: the fault is lifted when the first test is reported, before the second starts.
    const r = await withFaults(faults, (engine) => judge({
      program: bins.get('sum/ac'), tests: fixture('sum/tests-io'), jobs: 1, engine,
      onProgress: () => { faults.rlimitFails = false; },
    }));
    expectConsistent(r);
    expect(verdicts(r)).toEqual({ 1: 'SE', 2: 'AC', 10: 'AC' });
    expect(r.verdict).toBe('SE');
  });
});

describe('exit codes of verdicts', () => {
  it.each([['AC', 0], ['WA', 1], ['TLE', 1], ['MLE', 1], ['RE', 1], ['OLE', 1], ['SE', 125], ['FAIL', 125]] as const)('%s -> %i', (v, code) => {
    expect(exitCodeForVerdict(v)).toBe(code);
  });
});

describe('built-in checkers through the judge', () => {
  it('tokens accepts extra whitespace that exact refuses', async () => {
    const tokens = await judge({ program: bins.get('sum/spaces'), tests: SUM, checker: 'tokens' });
    expect(tokens.verdict).toBe('AC');
    const exact = await judge({ program: bins.get('sum/spaces'), tests: SUM, checker: 'exact' });
    expectConsistent(exact);
    for (const t of exact.tests) {
      const answer = fs.readFileSync(t.answer!, 'utf8');
      expect(t.verdict).toBe('WA');
      expect(t.message).toBe(`byte ${answer.length} (line 1, column ${answer.length}): expected "\\n", got " \\n"`);
    }
    const exactAc = await judge({ program: bins.get('sum/ac'), tests: SUM, checker: 'exact' });
    expect(exactAc.verdict).toBe('AC');
  });

  it('float:EPS accepts within EPS and refuses outside, absolutely or relatively', async () => {
    const circle = fixture('circle/tests');
    const ac = await judge({ program: bins.get('circle/ac'), tests: circle, checker: 'float:1e-6' });
    expect(ac.verdict).toBe('AC');
    const strict = await judge({ program: bins.get('circle/rough'), tests: circle, checker: 'float:1e-6' });
    expectConsistent(strict);
    expect(verdicts(strict)).toEqual({ 1: 'WA', 2: 'WA', 3: 'WA', 4: 'AC' });
    expect(strict.tests[0]!.message).toMatch(/^token 1: expected 3\.14159265\d*, got 3\.1416 \(difference 7\.35e-6, allowed 3\.14e-6\)/);
    const loose = await judge({ program: bins.get('circle/rough'), tests: circle, checker: 'float:1e-4' });
    expect(loose.verdict).toBe('AC');
    // With tokens, the rough and even the right answers differ from the answer's digits.
    const tokens = await judge({ program: bins.get('circle/ac'), tests: circle, checker: 'tokens' });
    expect(tokens.verdict).toBe('WA');
  });
});

describe('layouts and order', () => {
  it('input/NAME + output/NAME, in natural order', async () => {
    const r = await judge({ program: bins.get('sum/ac'), tests: fixture('sum/tests-io') });
    expect(r.tests.map((t) => [t.name, t.verdict])).toEqual([['1', 'AC'], ['2', 'AC'], ['10', 'AC']]);
  });

  it('reports tests in natural order whatever order they finish in', async () => {
    const names = ['t10', 't2', 't1', 't100', 't9', 'a', 't20', 'b2', 'b10'];
    const files: Record<string, string> = {};
    names.forEach((n, i) => { files[`${n}.in`] = `${i} 1\n`; files[`${n}.ans`] = `${i + 1}\n`; });
    const finished: string[] = [];
    const r = await judge({
      program: bins.get('sum/ac'), tests: tree(files), jobs: 3,
      onProgress: (p) => { finished.push(p.result.name); },
    });
    expect(r.tests.map((t) => t.name)).toEqual(['a', 'b2', 'b10', 't1', 't2', 't9', 't10', 't20', 't100']);
    expect(r.verdict).toBe('AC');
    expect([...finished].sort()).toEqual([...names].sort());
  });

  it('takes the tests as a list too', async () => {
    const list = [
      { name: 'second', input: path.join(SUM, '2.in'), answer: path.join(SUM, '2.out') },
      { name: 'first', input: path.join(SUM, '1.in'), answer: path.join(SUM, '2.out') },
    ];
    const r = await judge({ program: bins.get('sum/ac'), tests: list });
    expect(r.tests.map((t) => [t.name, t.verdict])).toEqual([['second', 'AC'], ['first', 'WA']]);
  });
});

describe('--jobs', () => {
  /** Two tests whose program (fixtures/judge/programs/barrier.c) prints how many tests it saw running at once. */
  function barrier(): { tests: string; markers: string } {
    const tests = tree({ '1.in': '', '1.out': '2\n', '2.in': '', '2.out': '2\n' });
    const markers = path.join(tests, '..', `${path.basename(tests)}-markers`);
    fs.mkdirSync(markers, { mode: 0o777 });
    fs.chmodSync(markers, 0o777);
    made.push(markers);
    return { tests, markers };
  }

  it('jobs 2 runs two tests at once: each sees the other', async () => {
    const { tests, markers } = barrier();
    const r = await judge({
      program: bins.get('programs/barrier'), args: [markers, '2', '20000'], tests, jobs: 2,
      limits: { timeout: 30, config: { writeAllowPaths: [markers] } },
    });
    expect(verdicts(r)).toEqual({ 1: 'AC', 2: 'AC' });
  });

  it('jobs 1 runs one test at a time: the first is alone', async () => {
    const { tests, markers } = barrier();
    const r = await judge({
      program: bins.get('programs/barrier'), args: [markers, '2', '300'], tests, jobs: 1,
      limits: { config: { writeAllowPaths: [markers] } },
    });
    expect(verdicts(r)).toEqual({ 1: 'WA', 2: 'AC' });
    expect(r.tests[0]!.message).toBe('token 1: expected 2, got 1 (output line 1)');
  });

  it('gives the same report whatever the number of jobs', async () => {
    const shape = (r: JudgeReport) => r.tests.map((t) => [t.name, t.verdict, t.message, t.exitCode, t.signal]);
    const one = await judge({ program: bins.get('sum/re'), tests: SUM, jobs: 1 });
    const four = await judge({ program: bins.get('sum/re'), tests: SUM, jobs: 4 });
    expect(shape(four)).toEqual(shape(one));
  });
});

describe('stopOnFirstFailure', () => {
  it.each([1, 2, 4])('stops at the first failing test in test order (jobs %i); the rest are skipped', async (jobs) => {
    const progress: JudgeProgress[] = [];
    const r = await judge({
      program: bins.get('sum/wa'), tests: SUM, jobs, stopOnFirstFailure: true, onProgress: (p) => progress.push(p),
    });
    expectConsistent(r);
    expect(r.tests.map((t) => t.name)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(r.tests.at(-1)!.verdict).toBe('WA');
    expect(r.skipped).toEqual(['9', '10']);
    expect(r.summary).toMatchObject({ passed: 7, total: 10, skipped: 2 });
    expect(progress.every((p) => p.total === 10)).toBe(true);
  });

  it('kills the tests running after the failing one (a TLE solution does not run out its limit)', async () => {
    const r = await judge({
      program: bins.get('sum/tle'), tests: SUM, jobs: 2, stopOnFirstFailure: true, limits: { timeout: 30, cpuTime: 0.5 },
    });
    expectConsistent(r);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'AC', 'AC', 'AC', 'AC', 'TLE']);
    expect(r.skipped).toEqual(['9', '10']);
  });

  it('without it, every test runs', async () => {
    const r = await judge({ program: bins.get('sum/wa'), tests: SUM, jobs: 2 });
    expect(r.tests).toHaveLength(10);
    expect(r.skipped).toEqual([]);
  });
});

describe('the answers are hidden from the program', () => {
  it('the program cannot open an answer file (Landlock), and gets the input on stdin only', async () => {
    const answer = path.join(SUM, '1.out');
    const r = await judge({ program: bins.get('sum/peek'), args: [answer], tests: SUM, jobs: 2 });
    expect(r.tests[0]!.message).toContain('Permission denied');
    // Positive control: the same cheat with the answers visible copies test 1's answer.
    const open = await judge({ program: bins.get('sum/peek'), args: [answer], tests: SUM, jobs: 2, hideAnswers: false });
    expect(open.tests[0]!.verdict).toBe('AC');
    expect(open.tests[1]!.verdict).toBe('WA');
  });

  it('a program inside the tests directory is refused before anything runs', async () => {
    const dir = tree({ '1.in': '1 2\n', '1.out': '3\n' });
    const inside = path.join(dir, 'solution');
    fs.copyFileSync(bins.get('sum/ac'), inside);
    fs.chmodSync(inside, 0o755);
    const e = await judge({ program: inside, tests: dir }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(JudgeConfigError);
    expect((e as Error).message).toContain(`lies inside ${dir}`);
    const visible = await judge({ program: inside, tests: dir, hideAnswers: false });
    expect(visible.verdict).toBe('AC');
  });
});

describe('errors that stop the judge before anything is judged', () => {
  const cases: Array<[string, () => Partial<JudgeOptions>, new (...a: never[]) => Error, RegExp]> = [
    ['a missing program', () => ({ program: path.join(fixture('sum'), 'no-such-program') }), ProgramNotFoundError, /program not found/],
    ['a missing tests directory', () => ({ tests: path.join(fixture('sum'), 'no-such-tests') }), JudgeConfigError, /tests directory not found/],
    ['a missing checker', () => ({ checker: path.join(fixture('sum'), 'no-such-checker') }), JudgeConfigError, /checker not found/],
    ['a checker that is not executable', () => ({ checker: path.join(fixture('split'), 'checker.c') }), JudgeConfigError, /not executable/],
    ['a bad checker word', () => ({ checker: 'float:x' }), JudgeConfigError, /float:EPS/],
    ['a bad limit', () => ({ limits: { timeout: -1 } }), InvalidOptionError, /timeout/],
    ['stdinFile in limits', () => ({ limits: { stdinFile: '/dev/null' } as never }), InvalidOptionError, /limits\.stdinFile/],
    ['jobs 0', () => ({ jobs: 0 }), InvalidOptionError, /jobs/],
    ['a missing --deny-read directory', () => ({ limits: { config: { readDenyPaths: ['/no/such/dir'] } } }), InvalidOptionError, /no\/such\/dir/],
  ];
  it.each(cases)('%s', async (_what, change, type, message) => {
    const e = await judge({ program: bins.get('sum/ac'), tests: SUM, ...change() } as JudgeOptions).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(type);
    expect((e as Error).message).toMatch(message);
  });

  it('an abort kills the running tests and rejects with the reason', async () => {
    const controller = new AbortController();
    const started = judge({
      program: bins.get('sum/tle'), tests: SUM, jobs: 2, limits: { timeout: 60 }, signal: controller.signal,
      onProgress: (p) => { if (p.finished === 7) controller.abort(new Error('stop now')); },
    });
    await expect(started).rejects.toThrow('stop now');
  });
});

describe.runIf(isRoot)('root: the checker runs as the program\'s user', () => {
  it('tests its user cannot read in place are copied for it', async () => {
    const dir = tree({ '1.in': '10\n', '1.ans': '3 7\n', '2.in': '4\n', '2.ans': '2 2\n' });
    fs.chmodSync(dir, 0o700); // uid 65534 cannot enter
    const checker = bins.get('split/checker');
    // Control: the checker alone, as uid 65534, cannot open the files where they are (exit 3, FAIL).
    const direct = await runExecutable(checker, [path.join(dir, '1.in'), path.join(dir, '1.ans'), path.join(dir, '1.ans')]);
    expect(direct.exitCode).toBe(3);
    expect(direct.stderr.toString()).toContain('cannot open');
    const r = await judge({ program: bins.get('split/ac'), tests: dir, checker });
    expect(r.tests.map((t) => [t.verdict, t.message])).toEqual([['AC', 'ok: 10 = 1 + 9'], ['AC', 'ok: 4 = 1 + 3']]);
  });
});
