/**
 * Attacks on other processes, through the public API: signalling the runner and everyone (signal 0 only),
 * ptrace of the runner, reading the runner's /proc files, and reading the runner's environment. The runner's
 * pid (process.pid) is passed to the fixtures as an argument. Positive controls run the same fixtures without
 * the sandbox, against the runner itself where that is harmless (signal 0) and against a `sleep` child of the
 * test (ptrace, /proc reads).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, startExecutable } from '../../dist/engine/index.js';
import { compile, expectDenied, expectSucceeded, outcome, runFree, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let sleeper: ChildProcess;

beforeAll(async () => {
  s = scratch('proc');
  bin = await compile(s, ['hostile/kill_probe', 'hostile/ptrace_seize', 'hostile/proc_read', 'hostile/print_env',
    'hostile/runner_threads_probe', 'hostile/runner_prlimit', 'hostile/sleeper', 'hostile/sigio_owner']);
  sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise((r) => sleeper.once('spawn', r));
});

afterAll(async () => {
  sleeper?.kill('SIGKILL');
  await shutdown();
  s?.remove();
});

describe('signals (signal 0 only)', () => {
  it('kill(getppid(), 0) and kill(<runner pid>, 0): allowed unsandboxed, EPERM in the sandbox (Landlock SIGNAL scope, or the program filter below ABI 6); kill(self) works', async () => {
    const free = runFree(bin.kill_probe!, ['ppid', String(process.pid)]);
    expect(outcome(free.stdout, 'kill(ppid,0)')).toBe('0');
    expect(outcome(free.stdout, `kill(${process.pid},0)`)).toBe('0');

    const r = await runExecutable(bin.kill_probe!, ['self', 'ppid', String(process.pid)]);
    expect(outcome(r.stdout, 'kill(self,0)')).toBe('0');
    expectDenied(r, 'kill(ppid,0)', 'EPERM');
    expectDenied(r, `kill(${process.pid},0)`, 'EPERM');
  });

  it('kill(-1, 0): every process that exists is refused (EPERM) or gone (ESRCH), none signalled', async () => {
    // kill(-1, sig) reports 0 even when every process refused (kernel/signal.c ignores EPERM there), so every
    // process it would visit is probed one by one, as listed now by the (unrestricted) test process.
    const pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n) && n !== '1');
    expect(pids).toContain(String(process.pid));
    const r = await runExecutable(bin.kill_probe!, [...pids, '-1']);
    expect(r.status).toBe('OK');
    const refused = pids.filter((p) => outcome(r.stdout, `kill(${p},0)`) === '-1 EPERM');
    const others = pids.filter((p) => !refused.includes(p)).map((p) => `${p}: ${outcome(r.stdout, `kill(${p},0)`)}`);
    expect(others.every((o) => o.endsWith(': -1 ESRCH')), others.join('\n')).toBe(true);
    expect(refused).toContain(String(process.pid));
    expect(refused.length).toBeGreaterThan(pids.length / 2);
    // From Landlock ABI 6 the kernel's broadcast skips every process out of scope and reports 0; below it the program
    // filter refuses the broadcast itself.
    expect(outcome(r.stdout, 'kill(-1,0)')).toBe(r.enforced!.landlock.abi >= 6 ? '0' : '-1 EPERM');
  });
});

describe("signals to the runner's threads (signal 0 only)", () => {
  it('kill/tkill/tgkill of every runner thread and pidfd_send_signal to the runner: allowed unsandboxed, EPERM in the sandbox', async () => {
    // The spawner thread is in the program's Landlock domain (and has its uid when the runner is root), so
    // only the seccomp filter stands between the program and kill(spawner_tid, SIGKILL), which would end the
    // whole runner. A first run makes sure the spawner thread of this policy exists; the next reuses it.
    await runExecutable('/bin/true');
    const tids = fs.readdirSync('/proc/self/task');
    expect(tids.length).toBeGreaterThan(1);

    const free = runFree(bin.runner_threads_probe!, tids);
    for (const tid of tids) expect(outcome(free.stdout, `kill(${tid},0)`), free.stdout).toBe('0');
    expect(outcome(free.stdout, 'rt_sigqueueinfo(ppid,0)')).toBe('0');
    expect(outcome(free.stdout, 'pidfd_send_signal(ppid,0)')).toBe('0');

    const r = await runExecutable(bin.runner_threads_probe!, tids);
    expect(r.status).toBe('OK');
    const reached = text(r.stdout).split('\n').filter((l) => l.includes(': ') && !/: -1 (EPERM|ESRCH)$/.test(l)
      && !l.startsWith('pidfd_open'));
    expect(reached, 'calls that could have signalled the runner').toEqual([]);
    for (const tid of tids) expect(outcome(r.stdout, `kill(${tid},0)`)).toMatch(/^-1 (EPERM|ESRCH)$/);
    expect(outcome(r.stdout, 'rt_sigqueueinfo(ppid,0)')).toBe('-1 EPERM');
    expect(outcome(r.stdout, 'pidfd_send_signal(ppid,0)') ?? outcome(r.stdout, 'pidfd_open(ppid)')).toMatch(/^-1 EPERM$/);
  });
});

describe("SIGIO aimed at the runner's threads (a real, fatal signal)", () => {
  it('making a thread of the runner the owner of an O_ASYNC pipe or socket: works unsandboxed (the target dies of SIGIO), EPERM in the sandbox', async () => {
    // Control: the same program, unsandboxed, makes a `sleep` child of the test the owner four ways, and the
    // kernel's SIGIO ends it.
    const target = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => target.once('spawn', r));
    const died = new Promise<NodeJS.Signals | null>((r) => target.once('exit', (_c, sig) => r(sig)));
    const free = runFree(bin.sigio_owner!, [String(target.pid)]);
    for (const how of ['fcntl(F_SETOWN_EX', 'fcntl(F_SETOWN', 'ioctl(FIOSETOWN', 'ioctl(SIOCSPGRP']) {
      expect(outcome(free.stdout, `${how},${target.pid})`), free.stdout).toBe('0');
    }
    expect(await died).toBe('SIGIO');

    // Attack: every thread of the runner, the spawner thread of this policy included (a first run makes sure it
    // exists). Had one call got through, the runner (this test process) would have died of SIGIO.
    await runExecutable('/bin/true');
    const tids = fs.readdirSync('/proc/self/task');
    const r = await runExecutable(bin.sigio_owner!, tids);
    expect(r.status, text(r.stderr)).toBe('OK');
    expect(outcome(r.stdout, 'fcntl(F_SETFL,O_ASYNC)')).toBe('0');
    expect(outcome(r.stdout, 'fcntl(F_GETOWN)')).toBe('0');
    for (const tid of tids) {
      for (const how of ['fcntl(F_SETOWN_EX', 'fcntl(F_SETOWN', 'ioctl(FIOSETOWN', 'ioctl(SIOCSPGRP']) {
        expectDenied(r, `${how},${tid})`, 'EPERM');
      }
    }
    expect(text(r.stdout)).toMatch(/done\n$/);
  });
});

describe('calls on the runner that Landlock does not cover', () => {
  it('prlimit on the runner (read only): allowed unsandboxed, EPERM in the sandbox (seccomp: prlimit64 only on itself)', async () => {
    const free = runFree(bin.runner_prlimit!);
    expect(outcome(free.stdout, 'prlimit(getppid(),RLIMIT_NOFILE,NULL,&old)')).toBe('0');

    const r = await runExecutable(bin.runner_prlimit!);
    expect(outcome(r.stdout, 'prlimit(0,RLIMIT_NOFILE,NULL,&old)')).toBe('0');
    expectDenied(r, 'prlimit(getppid(),RLIMIT_NOFILE,NULL,&old)', 'EPERM');
  });
});

describe('another run', () => {
  it('a program cannot signal, trace or read /proc of a concurrent run of the same policy and uid', async () => {
    const other = startExecutable(bin.sleeper!, ['30'], { timeout: 20 });
    const victim = String(await other.spawned);
    try {
      // Control: the victim can be signalled from outside the sandbox (by the runner's uid, or root).
      expect(outcome(runFree(bin.kill_probe!, [victim]).stdout, `kill(${victim},0)`)).toBe('0');
      // Both runs have the same uid and policy but different spawner threads, so different Landlock domains.
      expectDenied(await runExecutable(bin.kill_probe!, [victim]), `kill(${victim},0)`, 'EPERM');
      expectDenied(await runExecutable(bin.ptrace_seize!, [victim]), 'ptrace(PTRACE_SEIZE,target)', 'EPERM');
      expectDenied(await runExecutable(bin.proc_read!, [victim, 'environ']), 'open(/proc/PID/environ,O_RDONLY)', 'EACCES');
    } finally {
      other.kill();
      await other.communicate();
    }
  });
});

describe('ptrace', () => {
  it('PTRACE_SEIZE of a process of the runner\'s user works unsandboxed (control)', () => {
    const free = runFree(bin.ptrace_seize!, [String(sleeper.pid)]);
    expect(outcome(free.stdout, 'ptrace(PTRACE_SEIZE,target)')).toBe('0');
  });

  it('PTRACE_SEIZE of getppid() (the runner) is EPERM in the sandbox (seccomp, Landlock ptrace restriction)', async () => {
    const r = await runExecutable(bin.ptrace_seize!, ['ppid']);
    expectDenied(r, 'ptrace(PTRACE_SEIZE,target)', 'EPERM');
  });
});

describe("the runner's /proc files", () => {
  it('control: unsandboxed, /proc/<pid>/{cmdline,environ,mem} of a process of the same user open', () => {
    // The control targets the test's `sleep` child: the runner makes itself non-dumpable (PR_SET_DUMPABLE 0) at
    // its first run, after which even its own uid cannot open its environ or mem -- a second layer, not the one
    // under test here.
    const pid = String(sleeper.pid);
    const cmd = runFree(bin.proc_read!, [pid, 'cmdline']);
    expectSucceeded(cmd.stdout, 'read(/proc/PID/cmdline)');
    expect(cmd.stdout).toContain('content:sleep 60');
    const env = runFree(bin.proc_read!, [pid, 'environ']);
    expectSucceeded(env.stdout, 'read(/proc/PID/environ)');
    expect(env.stdout).toContain('PATH=');
    const mem = runFree(bin.proc_read!, [pid, 'mem']);
    expectSucceeded(mem.stdout, 'open(/proc/PID/mem,O_RDONLY)');
  });

  for (const file of ['cmdline', 'environ', 'mem']) {
    it(`/proc/<runner>/${file} cannot be opened in the sandbox (Landlock: no rule on /proc/<pid>)`, async () => {
      const r = await runExecutable(bin.proc_read!, [String(process.pid), file]);
      expectDenied(r, `open(/proc/PID/${file},O_RDONLY)`, 'EACCES');
      expect(text(r.stdout)).not.toContain('content:');
    });
  }
});

describe("the runner's environment", () => {
  it('the program sees only PATH by default, never the runner\'s variables (control: an unsandboxed child inherits them)', async () => {
    const token = `secret-${process.pid}-${Date.now()}`;
    process.env.SECRET_TOKEN = token;
    try {
      const free = runFree(bin.print_env!);
      expect(free.stdout).toContain(`SECRET_TOKEN=${token}`);

      const r = await runExecutable(bin.print_env!);
      expect(r.status).toBe('OK');
      expect(text(r.stdout)).toBe('PATH=/usr/local/bin:/usr/bin:/bin\n');
    } finally {
      delete process.env.SECRET_TOKEN;
    }
  });

  it('env replaces the whole environment', async () => {
    const r = await runExecutable(bin.print_env!, [], { env: { ONLY: 'this', EMPTY: '' } });
    expect(text(r.stdout).split('\n').filter(Boolean).sort()).toEqual(['EMPTY=', 'ONLY=this']);
  });
});
