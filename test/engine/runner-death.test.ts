/**
 * Nothing outlives the runner: the CLI, a `judge --jobs 2` and a process using the library are killed with SIGKILL
 * while their programs sleep, spin, or have background children; 2 s later nothing of theirs is alive, by the
 * process table (every /proc/PID/cmdline carrying the run's marker), not by pid guesses. The control is the same
 * scan finding the programs while the runner lives. The mechanism is the gate's: it polls its socket to the runner,
 * and when the runner is gone (the socket hangs up) it kills the program's group (src/gate/gate.c).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../cli/helpers.js';
import { removeDir, tempDir, writeTree } from '../judge/helpers.js';

/** Live (not zombie) processes whose argv contains `marker`, but the runner's own (`runner`) and this one. */
function alive(marker: string, runner?: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid || Number(name) === runner) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (!cmdline.includes(marker)) continue;
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'latin1'))?.[1];
      if (state !== 'Z' && state !== 'X') out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A marker no other process carries: an unusual sleep duration, or a shell's $0. */
const marker = () => `1077.${randomInt(1e9)}`;

let dir: string;
beforeAll(() => {
  dir = tempDir('runner-death');
  // The CLIs started here compile with a cache of the test's own (HOME may not be writable, as under runuser).
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(dir, 'cache');
});
afterAll(() => removeDir(dir));

/**
 * Starts `argv` (node and a script), waits until `expected` programs and gates carry the marker (the control), SIGKILLs
 * the runner, and returns what still carries it 2 s later.
 */
async function killRunner(argv: string[], m: string, expected: number): Promise<number[]> {
  const child: ChildProcess = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  try {
    const up = await until(() => alive(m, child.pid).length >= expected, 15_000);
    expect(up, `control: ${expected} programs with the marker while the runner lives (found ${alive(m, child.pid).length}; ${err})`).toBe(true);
    expect(alive(m, child.pid)).toHaveLength(expected);
    process.kill(child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await until(() => alive(m).length === 0, 2000);
    return alive(m);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('SIGKILL of the CLI', () => {
  it('a sleeping program is killed with it', async () => {
    const m = marker();
    expect(await killRunner([BIN, '--timeout', '100', '/bin/sleep', m], m, 2)).toEqual([]); // the gate and the sleep
  }, 30_000);

  it('a spinning program is killed with it', async () => {
    const m = marker();
    expect(await killRunner([BIN, '--timeout', '100', '/bin/sh', '-c', 'while :; do :; done', m], m, 2)).toEqual([]);
  }, 30_000);

  it('a program with background children (--processes 8): all of them', async () => {
    const m = marker();
    const script = `sleep ${m} & sleep ${m} & sleep ${m} & wait`;
    expect(await killRunner([BIN, '--timeout', '100', '--processes', '8', '/bin/sh', '-c', script], m, 5)).toEqual([]); // gate, sh, 3 sleeps
  }, 30_000);

  it('judge --jobs 2: every running test', async () => {
    const m = marker();
    const tests = writeTree(path.join(dir, `tests-${m}`), { '1.in': '', '1.out': '', '2.in': '', '2.out': '', '3.in': '', '3.out': '' });
    expect(await killRunner([BIN, 'judge', '--tests', tests, '--jobs', '2', '--timeout', '100', '/bin/sleep', '--', m], m, 4)).toEqual([]); // 2 gates, 2 sleeps
  }, 30_000);
});

describe('SIGKILL of a process using the library', () => {
  it('runExecutable\'s programs are killed with it, children included', async () => {
    const m = marker();
    const script = path.join(dir, `lib-${m}.mjs`);
    // As root, uids of this test's own, one per run: RLIMIT_NPROC is per uid, so the suite's other files (running
    // programs as 65534 meanwhile) or the other run here could leave a run no room to fork or exec
    // (docs/principles.md, "Processes"). A run that ends early prints its result, so the control's message says why.
    const base = 64000 + 2 * randomInt(450);
    const own = (k: number) => (process.getuid?.() === 0 ? `, uid: ${base + k}` : '');
    fs.writeFileSync(script, `import { runExecutable } from ${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))};\n`
      + `const show = (r) => console.error(JSON.stringify({ status: r.status, error: r.error, stderr: r.stderr }));\n`
      + `await Promise.all([\n  runExecutable('/bin/sleep', [${JSON.stringify(m)}], { timeout: 100${own(0)} }).then(show),\n`
      + `  runExecutable('/bin/sh', ['-c', 'sleep ${m} & wait'], { timeout: 100, processes: 4${own(1)} }).then(show),\n]);\n`);
    fs.chmodSync(script, 0o644);
    expect(await killRunner([script], m, 5)).toEqual([]); // 2 gates, sleep, sh, sleep
  }, 30_000);
});

describe('leftover files', () => {
  it('the directories of a runner killed with SIGKILL are removed by the next runner', async () => {
    const m = marker();
    const src = writeTree(path.join(dir, `src-${m}`), { 'sol.py': 'import time\ntime.sleep(1000)\n' });
    const tests = writeTree(path.join(dir, `t-${m}`), { '1.in': '', '1.out': '' });
    const child = spawn(process.execPath, [BIN, 'judge', '--tests', tests, '--timeout', '100', '--no-cache', path.join(src, 'sol.py'), '--', m],
      { stdio: 'ignore', cwd: ROOT });
    const ns = /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))![1];
    const mine = () => fs.readdirSync('/tmp').filter((n) => n.startsWith(`scs-${ns}-${child.pid}-`));
    try {
      expect(await until(() => alive(m, child.pid).length === 2, 15_000), 'control: the source runs (its gate, python)').toBe(true);
      expect(mine()).toHaveLength(1);
      expect(fs.readdirSync(path.join('/tmp', mine()[0]!)).some((n) => n.startsWith('run-'))).toBe(true);
      process.kill(child.pid!, 'SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      child.kill('SIGKILL');
    }
    expect(mine(), 'a SIGKILL leaves them').toHaveLength(1);
    const next = spawn(process.execPath, [BIN, '--timeout', '1', '--lang', 'python3', path.join(src, 'sol.py')], { stdio: 'ignore', cwd: ROOT });
    try {
      expect(await until(() => mine().length === 0, 15_000), 'the next runner to compile sweeps them').toBe(true);
    } finally {
      next.kill('SIGKILL');
    }
  }, 40_000);

  it('sweepStale keeps a live runner\'s directory, another user\'s and another pid namespace\'s', async () => {
    const { sweepStale } = await import('../../dist/util/tempdirs.js');
    const tmp = tempDir('sweep');
    const gone = spawn('/bin/true');
    await new Promise((r) => gone.once('exit', r));
    const ns = /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))![1];
    const dead = path.join(tmp, `scs-${ns}-${gone.pid}-abcdef`);
    const live = path.join(tmp, `scs-${ns}-${process.ppid}-abcdef`);
    const other = path.join(tmp, `scs-${ns}-999999-ghijkl`);
    // Another pid namespace's runner (another container sharing /tmp): its pids mean nothing here.
    const foreign = path.join(tmp, `scs-1-${gone.pid}-mnopqr`);
    for (const d of [dead, live, other, foreign]) fs.mkdirSync(path.join(d, 'run-x'), { recursive: true });
    if (process.geteuid?.() === 0) fs.chownSync(other, 65534, 65534);
    const removed = sweepStale(tmp);
    expect(removed).toContain(dead);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(foreign)).toBe(true);
    expect(fs.existsSync(other)).toBe(process.geteuid?.() !== 0 ? false : true);
    removeDir(tmp);
  });
});
