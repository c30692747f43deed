/**
 * `simple-cp-sandbox judge` (src/cli/judge.ts) through the BUILT bin: the table, --json, --junit, the options it
 * shares with a run, --stop-on-first-failure, --jobs, a terminal's progress line, an interrupt, and each exit code
 * (0 every test AC, 1 the program failed one, 125 nothing could be judged or the judge itself failed).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../../dist/judge/index.js';
import type { JudgeReport, TestResult } from '../../dist/judge/types.js';
import { BIN, cli, gone, type CliRun } from '../cli/helpers.js';
import { buildBins, childrenNamed, isRoot, parseXml, removeDir, ROOT, tempDir, writeTree, type Bins } from './helpers.js';

let bins: Bins;
const made: string[] = [];
beforeAll(async () => { bins = await buildBins(); });
afterAll(() => {
  removeDir(bins.dir);
  for (const d of made) removeDir(d);
});

function scratch(files: Record<string, string> = {}): string {
  const dir = tempDir('cli');
  made.push(dir);
  return writeTree(dir, files);
}

const SUM = 'fixtures/judge/sum/tests';

type JsonReport = JudgeReport & { error: string | null };

function out(r: CliRun): string {
  return r.stdout.toString('utf8');
}

function err(r: CliRun): string {
  return r.stderr.toString('utf8');
}

function json(r: CliRun): JsonReport {
  const lines = out(r).split('\n').filter((l) => l !== '');
  expect(lines, out(r)).toHaveLength(1);
  return JSON.parse(lines[0]!) as JsonReport;
}

/** The table's rows: [test, verdict, message]. */
function rows(text: string): Array<[string, string, string]> {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^test\s+verdict\s+time\s+cpu\s+memory\s+message$/);
  return lines.slice(1, -2).map((l) => {
    const m = /^(\S+)\s+(\S+)\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+ (?:B|KiB|MiB)\s*(.*)$/.exec(l);
    expect(m, l).not.toBeNull();
    return [m![1]!, m![2]!, m![3]!];
  });
}

/** Waits (up to 10 s) until `count` children of `ppid` run the program `comm`; returns their pids. */
/** Live processes named `comm` that descend from `ancestor` (a program is its gate's child, the gate the runner's). */
async function running(ancestor: number, comm: string, count: number): Promise<number[]> {
  for (let i = 0; i < 1000; i++) {
    const pids: number[] = [];
    const parents = new Map<number, number>();
    const named: number[] = [];
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        parents.set(Number(name), Number(fields[1]));
        if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm && fields[0] !== 'Z') named.push(Number(name));
      } catch { /* gone meanwhile */ }
    }
    for (const pid of named) {
      for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === ancestor) { pids.push(pid); break; }
    }
    if (pids.length >= count) return pids;
    await new Promise((r) => setTimeout(r, 10));
  }
  return [];
}

function summary(text: string): string[] {
  return text.trimEnd().split('\n').slice(-2);
}

describe('the subcommand', () => {
  it('is registered in COMMANDS (src/cli/commands.ts) with the judge\'s option data', async () => {
    const { findCommand } = await import('../../dist/cli/commands.js');
    const { JUDGE_COMMAND } = await import('../../dist/cli/judge-options.js');
    const entry = findCommand('judge');
    expect(entry, 'add JUDGE_COMMAND (src/cli/judge-options.ts) to COMMANDS in src/cli/commands.ts').toBeDefined();
    expect(entry!.options).toBe(JUDGE_COMMAND.options);
    const help = await cli(['judge', '--help']);
    expect(help.code).toBe(0);
    for (const d of JUDGE_COMMAND.options) expect(out(help)).toContain(d.flag);
  });
});

describe('the table (not a terminal)', () => {
  it('exit 0: one row per test in order, and the summary', async () => {
    const r = await cli(['judge', '--tests', SUM, bins.get('sum/ac')]);
    expect(r.code).toBe(0);
    expect(err(r)).toBe('');
    expect(rows(out(r))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].map((n) => [n, 'AC', '']));
    const [verdict, counts] = summary(out(r));
    expect(verdict).toBe('verdict: AC, all 10 tests passed');
    expect(counts).toMatch(/^passed 10 of 10 tests; max CPU time [\d.]+ s, max memory [\d.]+ (B|KiB|MiB)$/);
    expect(out(r)).not.toContain('\x1b'); // no colour, no progress line
  });

  it.skipIf(!isRoot)('root, from a directory uid 65534 cannot enter: SE (exit 125), and stderr names the directory in full', async () => {
    const shut = scratch();
    const inner = path.join(shut, 'inner');
    fs.mkdirSync(inner, { mode: 0o755 });
    fs.chmodSync(shut, 0o700);
    const r = await cli(['judge', '--tests', path.join(ROOT, SUM), bins.get('sum/ac')], { cwd: inner });
    expect(r.code).toBe(125);
    expect(rows(out(r)).every(([, v]) => v === 'SE')).toBe(true);
    expect(err(r)).toBe(`simple-cp-sandbox: judge: test 1: sandbox setup failed at step "spawn": posix_spawn failed with EACCES — uid 65534 `
      + `(the program's user) may not enter ${shut} (mode 0700, owner uid 0), on the way to the working directory ${inner}: let it `
      + 'search that directory (x), or run from one it can enter\n');
    fs.chmodSync(shut, 0o711); // the control: the same run where it may enter
    const ok = await cli(['judge', '--tests', path.join(ROOT, SUM), bins.get('sum/ac')], { cwd: inner });
    expect(ok.code).toBe(0);
  });

  it('exit 1: the failing rows say where the output differs', async () => {
    const r = await cli(['judge', '--tests', SUM, bins.get('sum/wa')]);
    expect(r.code).toBe(1);
    const table = rows(out(r));
    expect(table.filter(([, v]) => v !== 'AC').map(([n, v]) => [n, v])).toEqual([['8', 'WA'], ['10', 'WA']]);
    expect(table[7]![2]).toMatch(/^token 1: expected 3000000000000, got -?\d+ \(output line 1\)$/);
    expect(summary(out(r))[0]).toBe('verdict: WA (first on test 8)');
    expect(summary(out(r))[1]).toMatch(/^passed 8 of 10 tests;/);
  });

  it('every program verdict, with its limits as options', async () => {
    const cases: Array<[string, string[], string, RegExp]> = [
      ['sum/tle', ['--timeout', '5', '--cpu-time', '0.3'], 'TLE', /^CPU time limit of 0\.3 s exceeded$/],
      ['sum/mle', ['--memory', '64'], 'MLE', /^memory limit of 64 MiB exceeded/],
      ['sum/ole', ['--output-limit', '4096'], 'OLE', /^output limit of 4096 bytes per stream exceeded$/],
      ['sum/re', [], 'RE', /^killed by SIGFPE$/],
    ];
    for (const [program, options, verdict, message] of cases) {
      const r = await cli(['judge', '--tests', SUM, '--stop-on-first-failure', ...options, bins.get(program)]);
      expect(r.code, `${program}: ${err(r)}`).toBe(1);
      const last = rows(out(r)).at(-1)!;
      expect(last[1]).toBe(verdict);
      expect(last[2]).toMatch(message);
      expect(summary(out(r))[0]).toBe(`verdict: ${verdict} (first on test ${last[0]})`);
    }
  });

  it('the input/NAME + output/NAME layout, in natural order', async () => {
    const r = await cli(['judge', '--tests', 'fixtures/judge/sum/tests-io', bins.get('sum/ac')]);
    expect(r.code).toBe(0);
    expect(rows(out(r)).map(([n]) => n)).toEqual(['1', '2', '10']);
  });
});

describe('--json', () => {
  it('one object { verdict, tests, skipped, summary, error }: the library\'s report', async () => {
    const r = await cli(['judge', '--tests', SUM, '--json', '--jobs', '2', bins.get('sum/wa')]);
    expect(r.code).toBe(1);
    expect(err(r)).toBe('');
    const report = json(r);
    expect(Object.keys(report).sort()).toEqual(['compile', 'error', 'skipped', 'summary', 'tests', 'verdict']);
    expect(report.compile).toBeNull(); // a program, not a source
    expect(report.error).toBeNull();
    expect(report.verdict).toBe('WA');
    const lib = await judge({ program: bins.get('sum/wa'), tests: path.join(ROOT, SUM), jobs: 2 });
    const stable = (t: TestResult) => ({ ...t, input: path.basename(t.input), answer: path.basename(t.answer!), wallTime: 0, cpuTime: 0, peakMemory: 0 });
    expect(report.tests.map(stable)).toEqual(lib.tests.map(stable));
    for (const t of report.tests) {
      expect(Object.keys(t).sort()).toEqual(['answer', 'cpuTime', 'exitCode', 'input', 'interactor', 'message', 'name', 'peakMemory', 'signal', 'verdict', 'wallTime']);
      expect(t.interactor).toBeNull();
      expect(t.input).toBe(path.join(SUM, `${t.name}.in`));
    }
    expect(report.summary).toEqual({
      passed: 8, total: 10, skipped: 0,
      maxCpuTime: Math.max(...report.tests.map((t) => t.cpuTime)),
      maxPeakMemory: Math.max(...report.tests.map((t) => t.peakMemory)),
    });
  });

  it('an error is the same shape, with error set and verdict SE (exit 125)', async () => {
    const r = await cli(['judge', '--tests', 'fixtures/judge/no-such-dir', '--json', bins.get('sum/ac')]);
    expect(r.code).toBe(125);
    const report = json(r);
    expect(report).toEqual({
      verdict: 'SE', compile: null, tests: [], skipped: [], summary: { passed: 0, total: 0, skipped: 0, maxCpuTime: 0, maxPeakMemory: 0 },
      error: 'tests directory not found: fixtures/judge/no-such-dir (give the folder that holds NAME.in with NAME.out or NAME.ans beside it, or input/NAME with output/NAME)',
    });
    expect(err(r)).toBe('');
  });

  it('a bad option is the same shape too (not the run command\'s result), exit 125', async () => {
    const r = await cli(['judge', '--json', '--bogus', '--tests', SUM, bins.get('sum/ac')]);
    expect(r.code).toBe(125);
    const report = json(r);
    expect(report).toMatchObject({ verdict: 'SE', tests: [], skipped: [], summary: { passed: 0, total: 0 } });
    expect(report.error).toMatch(/unknown option '--bogus'/);
    expect(report).not.toHaveProperty('status');
  });
});

describe('--junit FILE', () => {
  it('one testcase per test (time = wall time), a failure with verdict and message, parsed back', async () => {
    const dir = scratch();
    const file = path.join(dir, 'judge.xml');
    const r = await cli(['judge', '--tests', SUM, '--json', '--junit', file, bins.get('sum/wa')]);
    expect(r.code).toBe(1);
    const report = json(r);
    const root = parseXml(fs.readFileSync(file, 'utf8'));
    expect(root.name).toBe('testsuites');
    const suite = childrenNamed(root, 'testsuite')[0]!;
    expect(suite.attributes).toMatchObject({ name: bins.get('sum/wa'), tests: '10', failures: '2', errors: '0', skipped: '0' });
    const cases = childrenNamed(suite, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(report.tests.map((t) => t.name));
    cases.forEach((c, i) => {
      const t = report.tests[i]!;
      expect(Number(c.attributes.time)).toBeCloseTo(t.wallTime, 6);
      const failures = childrenNamed(c, 'failure');
      if (t.verdict === 'AC') {
        expect(failures).toEqual([]);
      } else {
        expect(failures).toHaveLength(1);
        expect(failures[0]!.attributes).toEqual({ type: t.verdict, message: `${t.verdict}: ${t.message}` });
      }
    });
  });

  it('control characters and XML specials from a program are made safe', async () => {
    const dir = scratch({ 'tests/1.in': '', 'tests/1.out': 'x\n' });
    const file = path.join(dir, 'judge.xml');
    const r = await cli(['judge', '--tests', path.join(dir, 'tests'), '--junit', file, bins.get('programs/nasty')]);
    expect(r.code).toBe(1);
    const failure = childrenNamed(childrenNamed(childrenNamed(parseXml(fs.readFileSync(file, 'utf8')), 'testsuite')[0]!, 'testcase')[0]!, 'failure')[0]!;
    expect(failure.attributes.type).toBe('RE');
    expect(failure.attributes.message).toBe('RE: exit code 3; stderr: <oops> & "quotes" \'here\' [31mred[0m bell');
    // The table shows them escaped: a program cannot send escape sequences to the terminal through it.
    expect(out(r)).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    expect(rows(out(r))[0]![2]).toBe('exit code 3; stderr: <oops> & "quotes" \'here\' \\x1b[31mred\\x1b[0m \\x07bell');
  });

  it('written with --stop-on-first-failure too: the tests not run are <skipped/>', async () => {
    const dir = scratch();
    const file = path.join(dir, 'judge.xml');
    const r = await cli(['judge', '--tests', SUM, '--stop-on-first-failure', '--junit', file, bins.get('sum/wa')]);
    expect(r.code).toBe(1);
    const suite = childrenNamed(parseXml(fs.readFileSync(file, 'utf8')), 'testsuite')[0]!;
    expect(suite.attributes).toMatchObject({ tests: '10', failures: '1', skipped: '2' });
    const cases = childrenNamed(suite, 'testcase');
    expect(cases.map((c) => [c.attributes.name, c.children.map((k) => k.name).join()])).toEqual([
      ['1', ''], ['2', ''], ['3', ''], ['4', ''], ['5', ''], ['6', ''], ['7', ''], ['8', 'failure'], ['9', 'skipped'], ['10', 'skipped'],
    ]);
  });

  it('a directory that does not exist is refused before anything runs', async () => {
    const r = await cli(['judge', '--tests', SUM, '--junit', '/no/such/dir/judge.xml', bins.get('sum/ac')]);
    expect(r.code).toBe(125);
    expect(err(r)).toBe('simple-cp-sandbox: invalid value for --junit: "/no/such/dir/judge.xml" (its directory /no/such/dir must exist and be writable)\n');
    expect(out(r)).toBe('');
  });
});

describe('--stop-on-first-failure', () => {
  it('the table ends at the first failing test; the summary counts the rest as not run', async () => {
    const r = await cli(['judge', '--tests', SUM, '--stop-on-first-failure', '--jobs', '2', bins.get('sum/wa')]);
    expect(r.code).toBe(1);
    expect(rows(out(r)).map(([n, v]) => `${n}:${v}`)).toEqual(['1:AC', '2:AC', '3:AC', '4:AC', '5:AC', '6:AC', '7:AC', '8:WA']);
    expect(summary(out(r))[1]).toMatch(/^passed 7 of 10 tests \(2 not run: stopped at the first failure\);/);
    const j = json(await cli(['judge', '--tests', SUM, '--stop-on-first-failure', '--json', bins.get('sum/wa')]));
    expect(j.skipped).toEqual(['9', '10']);
    expect(j.tests.map((t) => t.name)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });
});

describe('--jobs', () => {
  function barrier(): { tests: string; markers: string } {
    const dir = scratch({ 'tests/1.in': '', 'tests/1.out': '2\n', 'tests/2.in': '', 'tests/2.out': '2\n' });
    const markers = path.join(dir, 'markers');
    fs.mkdirSync(markers);
    fs.chmodSync(markers, 0o777);
    return { tests: path.join(dir, 'tests'), markers };
  }

  it('--jobs 2: two tests at once; --jobs 1: one at a time', async () => {
    const two = barrier();
    const r2 = await cli(['judge', '--tests', two.tests, '--jobs', '2', '--allow-write', two.markers, '--timeout', '30',
      bins.get('programs/barrier'), two.markers, '2', '20000']);
    expect(r2.code, out(r2) + err(r2)).toBe(0);
    const one = barrier();
    const r1 = await cli(['judge', '--tests', one.tests, '--jobs', '1', '--allow-write', one.markers,
      bins.get('programs/barrier'), one.markers, '2', '300']);
    expect(r1.code).toBe(1);
    expect(rows(out(r1))).toEqual([['1', 'WA', 'token 1: expected 2, got 1 (output line 1)'], ['2', 'AC', '']]);
  });

  it.each(['0', '-1', 'x', '1.5', '1025'])('--jobs %s is refused (exit 125)', async (v) => {
    const r = await cli(['judge', '--tests', SUM, '--jobs', v, bins.get('sum/ac')]);
    expect(r.code).toBe(125);
    expect(err(r)).toMatch(/^simple-cp-sandbox: .*--jobs/);
  });
});

describe('checkers', () => {
  it('--checker exact and tokens', async () => {
    expect((await cli(['judge', '--tests', SUM, '--checker', 'tokens', bins.get('sum/spaces')])).code).toBe(0);
    const exact = await cli(['judge', '--tests', SUM, '--checker', 'exact', bins.get('sum/spaces')]);
    expect(exact.code).toBe(1);
    expect(rows(out(exact))[0]).toEqual(['1', 'WA', 'byte 2 (line 1, column 2): expected "\\n", got " \\n"']);
  });

  it('--checker float:EPS', async () => {
    const tests = 'fixtures/judge/circle/tests';
    expect((await cli(['judge', '--tests', tests, '--checker', 'float:1e-6', bins.get('circle/ac')])).code).toBe(0);
    expect((await cli(['judge', '--tests', tests, '--checker', 'float:1e-6', bins.get('circle/rough')])).code).toBe(1);
    expect((await cli(['judge', '--tests', tests, '--checker', 'float:1e-4', bins.get('circle/rough')])).code).toBe(0);
  });

  it('--checker PATH: AC 0, WA 1, and FAIL is exit 125 (the judge\'s fault)', async () => {
    const checker = bins.get('split/checker');
    const ac = await cli(['judge', '--tests', 'fixtures/judge/split/tests', '--checker', checker, bins.get('split/ac')]);
    expect(ac.code).toBe(0);
    expect(rows(out(ac))[1]).toEqual(['2', 'AC', 'ok: 10 = 1 + 9']);
    const wa = await cli(['judge', '--tests', 'fixtures/judge/split/tests', '--checker', checker, bins.get('split/pe')]);
    expect(wa.code).toBe(1);
    const fail = await cli(['judge', '--tests', 'fixtures/judge/split/tests-broken', '--checker', checker, bins.get('split/ac')]);
    expect(fail.code).toBe(125);
    expect(summary(out(fail))[0]).toBe('verdict: FAIL (first on test 1)');
    const crash = await cli(['judge', '--tests', 'fixtures/judge/split/tests', '--checker', bins.get('checkers/crash'), bins.get('split/ac')]);
    expect(crash.code).toBe(125);
  });
});

describe('the run\'s sandbox options', () => {
  it('--user, --cwd and --env reach the program', async () => {
    const dir = scratch();
    const uid = isRoot ? 4242 : process.getuid!();
    const tests = writeTree(dir, { 'tests/1.in': '', 'tests/1.out': `uid=${uid} cwd=${dir} GREETING=hello world\n` });
    const r = await cli(['judge', '--tests', path.join(tests, 'tests'), '--cwd', dir, '--env', 'GREETING=hello world',
      ...(isRoot ? ['--user', '4242'] : []), bins.get('programs/show'), 'GREETING']);
    expect(r.code, out(r)).toBe(0);
  });

  it('--deny-read hides a directory from the program (control: without it the program reads it)', async () => {
    const dir = scratch({ 'secret/answer.txt': '42\n', 'tests/1.in': '', 'tests/1.out': '42\n' });
    const args = ['--tests', path.join(dir, 'tests'), bins.get('sum/peek'), path.join(dir, 'secret', 'answer.txt')];
    expect((await cli(['judge', ...args])).code).toBe(0);
    const denied = await cli(['judge', '--deny-read', path.join(dir, 'secret'), ...args]);
    expect(denied.code).toBe(1);
    expect(rows(out(denied))[0]![2]).toContain('Permission denied');
  });
});

describe('exit 125: nothing could be judged', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['no --tests', () => [bins.get('sum/ac')], /^simple-cp-sandbox: judge needs --tests DIR/],
    ['a missing tests directory', () => ['--tests', 'fixtures/judge/nope', bins.get('sum/ac')], /tests directory not found: fixtures\/judge\/nope/],
    ['an input without an answer', () => {
      const dir = scratch({ '1.in': '1 2', '1.out': '3', '2.in': '5 5' });
      return ['--tests', dir, bins.get('sum/ac')];
    }, /2\.in has no answer: add .*2\.out \(or 2\.ans\), or remove the input/],
    ['an empty tests directory', () => ['--tests', scratch(), bins.get('sum/ac')], /no tests in /],
    ['a bad --checker', () => ['--tests', SUM, '--checker', 'float:x', bins.get('sum/ac')], /invalid value for --checker: "float:x"/],
    ['a missing checker', () => ['--tests', SUM, '--checker', './no-such-checker', bins.get('sum/ac')], /checker not found: \.\/no-such-checker/],
    ['a missing program (125, not 127)', () => ['--tests', SUM, './no-such-program'], /program not found: \.\/no-such-program/],
    ['a bad limit', () => ['--tests', SUM, '--timeout', '0', bins.get('sum/ac')], /invalid value for --timeout/],
    ['a missing --deny-read directory', () => ['--tests', SUM, '--deny-read', '/no/such/dir', bins.get('sum/ac')], /--deny-read.*\/no\/such\/dir/],
  ];
  it.each(cases)('%s', async (_what, args, message) => {
    const r = await cli(['judge', ...args()]);
    expect(r.code).toBe(125);
    expect(err(r)).toMatch(message);
    expect(err(r).split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('with --json, the error is the JSON object', async () => {
    const r = await cli(['judge', '--json', '--tests', SUM, './no-such-program']);
    expect(r.code).toBe(125);
    expect(json(r)).toMatchObject({ verdict: 'SE', tests: [], error: 'program not found: ./no-such-program' });
  });
});

describe('a terminal and an interrupt', () => {
  it.skipIf(!fs.existsSync('/usr/bin/script'))('on a terminal: a live progress line, then the table in colour', () => {
    const cmd = [process.execPath, BIN, 'judge', '--tests', SUM, bins.get('sum/wa')].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: undefined } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/judging: \d+\/10 tests done/);
    expect(r.stdout).toContain('\r\x1b[2K'); // the progress line is cleared before each row and at the end
    expect(r.stdout).toContain('\x1b[32mAC');
    expect(r.stdout).toContain('\x1b[31mWA');
    // What the terminal shows on the line before the last: after its last carriage return, without the escapes.
    const shown = r.stdout.trimEnd().split(/\r?\n/).at(-2)!.split('\r').at(-1)!;
    expect(shown.replace(/\x1b\[[\d;]*[mK]/g, '')).toBe('verdict: WA (first on test 8)');
  });

  it('SIGINT kills the running tests and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'judge', '--tests', SUM, '--timeout', '60', '--jobs', '2', bins.get('sum/tle')],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/^7\s+AC/m.test(stdout)) resolve(); // tests 8 and 9 are starting (and would run for 60 s)
      });
    });
    // The two programs the CLI started and that are running now.
    const programs = await running(child.pid!, 'sum-tle', 2);
    expect(programs).toHaveLength(2);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toBe('simple-cp-sandbox: judge interrupted\n');
    for (const pid of programs) expect(await gone(pid), `program ${pid} still running`).toBe(true);
  });
});
