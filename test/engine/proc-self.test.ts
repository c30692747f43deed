/**
 * What a program may read of /proc, on the real kernel: its own /proc/PID entries that runtimes need (maps, exe,
 * status, auxv, cgroup, the task directory) and the system's facts (meminfo, cpuinfo, stat, /sys/devices/system/cpu,
 * transparent_hugepage) — and nothing of another process's /proc directory: not the runner's (whose open files
 * include a judge's answer files), not a concurrent run's of the same uid, not any other process's. Every denial
 * has its control: the same probe, unsandboxed, reaching a process of the same uid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, startExecutable } from '../../dist/engine/index.js';
import { compile, expectDenied, expectSucceeded, outcome, runFree, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let answer: string;
let answerFd: number;
/** A process of the test's own uid outside the sandbox, holding the answer file open as its stdin. */
let holder: ChildProcess;

beforeAll(async () => {
  s = scratch('proc-self');
  bin = await compile(s, ['programs/proc_self', 'hostile/proc_read', 'hostile/sleeper']);
  answer = s.file('1.ans', 'the answer\n', 0o644);
  answerFd = fs.openSync(answer, 'r'); // as a judge holds the answers while it checks
  holder = spawn('sleep', ['60'], { stdio: [fs.openSync(answer, 'r'), 'ignore', 'ignore'] });
  await new Promise((r) => holder.once('spawn', r));
});

afterAll(async () => {
  holder?.kill('SIGKILL');
  fs.closeSync(answerFd);
  await shutdown();
  s?.remove();
});

const OWN = [
  '/proc/self/maps', '/proc/self/status', '/proc/self/stat', '/proc/self/auxv', '/proc/self/cgroup', '/proc/self/limits',
  '/proc/self/mountinfo', '/proc/self/cmdline', 'link:/proc/self/exe', 'ls:/proc/self/task', '/proc/self/task/TID/stat',
  '/proc/thread-self/status',
];
const SYSTEM = [
  '/proc/meminfo', '/proc/cpuinfo', '/proc/stat', '/sys/devices/system/cpu/online', 'ls:/sys/devices/system/cpu',
  '/sys/kernel/mm/transparent_hugepage/enabled',
];

describe('what a program reads about itself and the machine', () => {
  it('control: unsandboxed, every path reads', () => {
    const free = runFree(bin.proc_self!, [...OWN, ...SYSTEM]);
    for (const p of [...OWN, ...SYSTEM]) expectSucceeded(free.stdout, p);
  });

  it('in the sandbox: its own /proc/PID entries and the system\'s facts read too', async () => {
    const r = await runExecutable(bin.proc_self!, [...OWN, ...SYSTEM]);
    expect(r.status, text(r.stdout)).toBe('OK');
    for (const p of [...OWN, ...SYSTEM]) expectSucceeded(r.stdout, p);
    // And what it read is its own: its status names it.
    const status = await runExecutable(bin.proc_read!, ['self', 'status']);
    expect(text(status.stdout)).toMatch(/content:Name:\s+proc_read/);
  });
});

describe('another process\'s /proc directory is out of reach', () => {
  const ENTRIES = ['cmdline', 'environ', 'maps', 'status', 'fd/0'];

  it('control: unsandboxed, a process of the same uid is readable, its open answer file included', () => {
    const pid = String(holder.pid);
    for (const e of ENTRIES) expectSucceeded(runFree(bin.proc_read!, [pid, e]).stdout, `read(/proc/PID/${e})`);
    expect(runFree(bin.proc_read!, [pid, 'fd/0']).stdout).toContain('content:the answer');
  });

  it('the runner\'s: not its cmdline, environ, maps, status, nor its open files (the answer it holds)', async () => {
    const pid = String(process.pid);
    for (const e of [...ENTRIES.slice(0, 4), `fd/${answerFd}`]) {
      const r = await runExecutable(bin.proc_read!, [pid, e]);
      expectDenied(r, `open(/proc/PID/${e},O_RDONLY)`, 'EACCES');
    }
  });

  it('a process of the same uid outside the sandbox: not even with the answer file open', async () => {
    const pid = String(holder.pid);
    for (const e of ENTRIES) expectDenied(await runExecutable(bin.proc_read!, [pid, e]), `open(/proc/PID/${e},O_RDONLY)`, 'EACCES');
  });

  it('a concurrent run (of the same uid as the probe): none of its entries', async () => {
    const other = startExecutable(bin.sleeper!, ['30'], { stdinFile: answer });
    try {
      const pid = String(await other.spawned);
      expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
      for (const e of ENTRIES) expectDenied(await runExecutable(bin.proc_read!, [pid, e]), `open(/proc/PID/${e},O_RDONLY)`, 'EACCES');
      // Its threads' directories, reached by tid, too.
      expectDenied(await runExecutable(bin.proc_read!, [`${pid}/task/${pid}`, 'status']), 'open(/proc/PID/status,O_RDONLY)', 'EACCES');
    } finally {
      other.kill();
      await other.communicate();
    }
  });

  it('pid 1\'s', async () => {
    expectDenied(await runExecutable(bin.proc_read!, ['1', 'cmdline']), 'open(/proc/PID/cmdline,O_RDONLY)', 'EACCES');
    expect(outcome(runFree(bin.proc_read!, ['1', 'cmdline']).stdout, 'open(/proc/PID/cmdline,O_RDONLY)')).toMatch(/^\d+$/);
  });
});
