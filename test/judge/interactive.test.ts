/**
 * Interactive problems (src/judge/interactive.ts, engine/joined.ts) with the guess-the-number interactor of
 * fixtures/judge/interactive (testlib's conventions: exit 0/1/2/3, tout, the verdict's words on stderr) and one
 * solution per behaviour: AC, WA, too many queries, no flush (deadlock), exit at once, crash after a query, spin,
 * peek at the test's input; an interactor that fails; a checker after the interactor; answers present and absent;
 * each side's measurements its own; the verdict order as a pure function.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../dist/engine/index.js';
import { judge, type JudgeReport } from '../../dist/judge/index.js';
import { interactiveVerdict } from '../../dist/judge/interactive.js';
import type { RunResult } from '../../dist/engine/types.js';
import { cli } from '../cli/helpers.js';
import { buildBins, removeDir, tempDir, writeTree, type Bins } from './helpers.js';

let bins: Bins;
let root: string;
let tests: string;
const MiB = 1024 * 1024;

beforeAll(async () => {
  bins = await buildBins();
  root = tempDir('interactive');
  // Test 1 has an answer (the interactor checks it agrees with the input), test 2 none.
  tests = writeTree(path.join(root, 'tests'), { '1.in': '777 30\n', '1.ans': '777\n', '2.in': '123456 30\n' });
}, 60_000);
afterAll(async () => {
  await shutdown();
  removeDir(root);
  removeDir(bins.dir);
});

function play(how: string, extra: Partial<Parameters<typeof judge>[0]> = {}): Promise<JudgeReport> {
  return judge({
    program: bins.get('interactive/solution'), args: how.split(' '), tests, interactor: bins.get('interactive/interactor'),
    limits: { timeout: 1 }, jobs: 2, ...extra,
  });
}

const rows = (r: JudgeReport) => r.tests.map((t) => [t.name, t.verdict, t.message]);

describe('verdicts', () => {
  it('AC: the interactor accepts, its words are the message, answers present and absent', async () => {
    const r = await play('ac');
    expect(rows(r)).toEqual([['1', 'AC', 'ok guessed 777 in 16 queries'], ['2', 'AC', 'ok guessed 123456 in 19 queries']]);
    expect(r.tests[0]!.answer).toMatch(/1\.ans$/);
    expect(r.tests[1]!.answer).toBeNull();
    expect(r.tests[0]!.interactor).toMatchObject({ status: 'OK', exitCode: 0, signal: null });
  });

  it('WA: a wrong final guess', async () => {
    const r = await play('wa');
    expect(rows(r)[0]).toEqual(['1', 'WA', 'wrong answer: guessed 778, the number was 777']);
  });

  it('too many queries: the interactor ends first with WA, whatever the solution does next', async () => {
    const r = await play('many');
    for (const t of r.tests) {
      expect([t.verdict, t.message]).toEqual(['WA', 'wrong answer: more than 30 queries']);
      // Killed by SIGPIPE on its next write, or ended on EOF: either way after the interactor, whose WA stands.
      if (t.signal === 'SIGPIPE') expect(t.interactor!.endedFirst).toBe(true);
    }
  });

  it('a solution that never flushes: both wait; the wall limit ends both, TLE as idleness, within the limit', async () => {
    const t0 = Date.now();
    const r = await play('noflush');
    for (const t of r.tests) {
      expect(t.verdict).toBe('TLE');
      expect(t.message).toMatch(/^idleness limit exceeded: wall time limit of 1 s with 0\.\d+ s of CPU \(the solution waited/);
      expect(t.interactor!.endedFirst, 'the interactor ended because the solution was killed').toBe(false);
    }
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a solution that exits at once: the interactor sees EOF (testlib\'s PE): WA', async () => {
    const r = await play('exit');
    for (const t of r.tests) expect([t.verdict, t.message]).toEqual(['WA', 'presentation error (or the solution\'s output ended early): unexpected EOF after 0 queries']);
  });

  it('a solution that crashes after a query: RE', async () => {
    const r = await play('crash');
    for (const t of r.tests) expect([t.verdict, t.signal]).toEqual(['RE', 'SIGSEGV']);
  });

  it('a solution that spins after a query: TLE (not idleness)', async () => {
    const r = await play('spin');
    for (const t of r.tests) {
      expect(t.verdict).toBe('TLE');
      expect(t.message).not.toMatch(/idleness/);
    }
  });

  it('an interactor that fails (exit 3): FAIL, the judge\'s fault (CLI exit 125)', async () => {
    const r = await play('ac', { interactor: bins.get('interactive/fail') });
    for (const t of r.tests) expect([t.verdict, t.message]).toEqual(['FAIL', 'the interactor failed (exit code 3): FAIL the jury\'s data is inconsistent']);
    const c = await cli(['judge', '--tests', tests, '--interactor', bins.get('interactive/fail'), bins.get('interactive/solution')]);
    expect(c.code).toBe(125);
  });
});

describe('the solution cannot read the test', () => {
  it('control: the runner reads the input', () => {
    expect(fs.readFileSync(path.join(tests, '1.in'), 'utf8')).toBe('777 30\n');
  });

  it('sandboxed, opening the input is refused (EACCES): it must play', async () => {
    const r = await play(`peek ${path.join(tests, '1.in')}`);
    expect(r.tests[0]!.verdict).toBe('RE');
    expect(r.tests[0]!.message).toMatch(/exit code 3; stderr: peek: fopen of the test's input: Permission denied/);
  });
});

describe('a checker after the interactor', () => {
  it('judges the interactor\'s tout against the answer', async () => {
    const withAnswers = writeTree(path.join(root, 'checked'), { '1.in': '777 30\n', '1.ans': '777\n', '2.in': '5 30\n', '2.ans': '6\n' });
    const r = await judge({
      program: bins.get('interactive/solution'), tests: withAnswers, interactor: bins.get('interactive/interactor'),
      checker: bins.get('interactive/tout_checker'), limits: { timeout: 2 },
    });
    // Test 2's answer disagrees with its input: the interactor says so (exit 3), FAIL, before any checker.
    expect(rows(r)).toEqual([['1', 'AC', 'ok 777'], ['2', 'FAIL', 'the interactor failed (exit code 3): FAIL the answer file does not match the input']]);
  });

  it.skipIf(process.geteuid?.() !== 0)('a tout the interactor made a symlink to /etc/shadow is not read through (root can read it)', async () => {
    expect(fs.readFileSync('/etc/shadow', 'utf8')).toMatch(/^root:/); // control
    const evil = path.join(root, 'evil-interactor');
    // It plays as the real interactor, then replaces its tout with a symlink to /etc/shadow.
    fs.writeFileSync(evil, `#!/bin/sh\n${bins.get('interactive/interactor')} "$@"; code=$?\nrm -f "$2"; ln -s /etc/shadow "$2" || exit 3\nexit $code\n`, { mode: 0o755 });
    fs.chmodSync(evil, 0o755);
    const withAnswers = writeTree(path.join(root, 'evil-tests'), { '1.in': '777 30\n', '1.ans': '777\n' });
    const r = await judge({
      program: bins.get('interactive/solution'), tests: withAnswers, interactor: evil,
      checker: bins.get('interactive/tout_checker'), limits: { timeout: 2 }, interactorLimits: { processes: 8 },
    });
    // The checker got an empty tout: it fails to read a number (FAIL), and never saw the shadow file's lines.
    expect(r.tests[0]!.verdict).toBe('FAIL');
    expect(r.tests[0]!.message).not.toMatch(/root:/);
  });

  it('a checker needs every answer: refused before anything runs', async () => {
    await expect(play('ac', { checker: bins.get('interactive/tout_checker') })).rejects.toThrow(/test 2 has no answer, which the checker needs/);
  });
});

describe('measurements are each side\'s own', () => {
  it('the interactor touches 64 MiB and burns 0.3 s of CPU; the solution\'s figures stay small', async () => {
    const r = await play('ac', { interactor: bins.get('interactive/fat'), limits: { timeout: 3 } });
    for (const t of r.tests) {
      expect(t.verdict).toBe('AC');
      expect(t.peakMemory).toBeLessThan(16 * MiB);
      expect(t.cpuTime).toBeLessThan(0.1);
      expect(t.interactor!.peakMemory).toBeGreaterThan(64 * MiB);
      expect(t.interactor!.cpuTime).toBeGreaterThan(0.25);
    }
  });
});

describe('the CLI', () => {
  it('judge --interactor: the table, --json with the interactor\'s side, exit 0', async () => {
    const r = await cli(['judge', '--tests', tests, '--interactor', bins.get('interactive/interactor'), bins.get('interactive/solution')]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^1\s+AC .* ok guessed 777 in 16 queries$/m);
    const j = await cli(['judge', '--tests', tests, '--json', '--interactor', bins.get('interactive/interactor'),
      bins.get('interactive/solution'), '--', 'many']);
    const report = JSON.parse(j.stdout.toString()) as JudgeReport;
    expect(j.code).toBe(1);
    expect(report.tests[0]!.interactor).toMatchObject({ exitCode: 1, message: 'wrong answer: more than 30 queries' });
  });

  it('an interactor that does not exist: one line, exit 125', async () => {
    const r = await cli(['judge', '--tests', tests, '--interactor', path.join(root, 'nope'), bins.get('interactive/solution')]);
    expect(r.code).toBe(125);
    expect(r.stderr.toString()).toMatch(/interactor not found: .*nope/);
  });
});

describe('the verdict order (interactiveVerdict)', () => {
  const limits = { timeout: 1, cpuTime: 1, memory: 256 * MiB, outputLimit: 1024 };
  const own = { timeout: 3, memory: 1024 * MiB };
  const sol = (o: Partial<RunResult>): RunResult => ({
    status: 'OK', exitCode: 0, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), stdoutTruncated: false,
    stderrTruncated: false, timedOut: false, limit: null, wallTime: 0.1, cpuTime: 0.05, peakMemory: MiB, enforced: null, ...o,
  });
  const int = (exitCode: number | null, endedFirst: boolean, extra: object = {}) => ({
    status: 'OK' as const, exitCode, signal: null, wallTime: 0.1, cpuTime: 0.01, peakMemory: MiB, message: 'said', endedFirst, ...extra,
  });
  const v = (s: RunResult, i: ReturnType<typeof int>) => interactiveVerdict(s, i, limits, own).verdict;

  it('the interactor\'s failure comes first: FAIL even when the solution crashed', () => {
    expect(v(sol({ status: 'RE', signal: 'SIGSEGV', exitCode: null }), int(3, false))).toBe('FAIL');
    expect(v(sol({}), int(null, false, { signal: 'SIGKILL' }))).toBe('FAIL');
    expect(v(sol({}), int(null, false, { status: 'TLE' }))).toBe('FAIL');
    expect(v(sol({}), int(42, false))).toBe('FAIL');
  });
  it('then an interactor that ended first with WA or PE: WA over the solution\'s TLE, RE or SIGPIPE', () => {
    expect(v(sol({ status: 'TLE', limit: 'wall', timedOut: true, cpuTime: 0.9 }), int(1, true))).toBe('WA');
    expect(v(sol({ status: 'RE', exitCode: null, signal: 'SIGPIPE' }), int(2, true))).toBe('WA');
  });
  it('then the solution\'s limits, then its RE', () => {
    expect(v(sol({ status: 'TLE', limit: 'cpu', timedOut: true, cpuTime: 1 }), int(2, false))).toBe('TLE');
    expect(v(sol({ status: 'MLE', limit: 'memory' }), int(0, false))).toBe('MLE');
    expect(v(sol({ status: 'RE', exitCode: 1 }), int(2, false))).toBe('RE');
  });
  it('a solution\'s SIGPIPE after the interactor accepted is not RE', () => {
    expect(v(sol({ status: 'RE', exitCode: null, signal: 'SIGPIPE' }), int(0, true))).toBe('AC');
  });
  it('then the interactor\'s verdict', () => {
    expect(v(sol({}), int(0, false))).toBe('AC');
    expect(v(sol({}), int(1, false))).toBe('WA');
  });
});
