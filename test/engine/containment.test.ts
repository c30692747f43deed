/**
 * What the program inherits and what outlives it, on the real kernel: file descriptors, the setuid bit, and the
 * processes it starts (the whole process group is killed at a limit; a descendant that tries to leave the group
 * with setsid() is refused).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import koffi from 'koffi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, startExecutable } from '../../dist/engine/index.js';
import { alive, compile, dedicatedUid, expectGroupGone, isRoot, outcome, runFree, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;

const libc = koffi.load('libc.so.6');
/** open(2) without O_CLOEXEC: Node opens every fd close-on-exec, so this is the only way to a leaky fd. */
const openRaw = libc.func('int open(const char *path, int flags)') as (p: string, flags: number) => number;
const closeRaw = libc.func('int close(int fd)') as (fd: number) => number;

beforeAll(async () => {
  s = scratch('contain');
  bin = await compile(s, ['hostile/fd_probe', 'hostile/ids', 'hostile/setsid_escape']);
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

/** Kills a leftover process only if it is the fixture we started (pids are reused). */
function killIfOurs(pid: number, name: string): void {
  try {
    if (fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(name)) process.kill(pid, 'SIGKILL');
  } catch { /* gone */ }
}

describe('file descriptors', () => {
  it('only 0, 1, 2 are open in the program, even with an inheritable (non-CLOEXEC) fd open in the runner', async () => {
    const secret = s.file('runner-secret.txt', 'runner only', 0o600);
    const leaky = openRaw(secret, 0 /* O_RDONLY, no O_CLOEXEC */);
    expect(leaky).toBeGreaterThan(2);
    try {
      // Control: a child spawned the ordinary way would inherit it.
      const inherited = execFileSync('/bin/sh', ['-c', `[ -e /proc/self/fd/${leaky} ] && echo inherited`], { encoding: 'utf8' });
      expect(inherited).toBe('inherited\n');

      const r = await runExecutable(bin.fd_probe!);
      expect(r.status).toBe('OK');
      expect(text(r.stdout)).toBe('open fds: 0 1 2\n');
    } finally {
      closeRaw(leaky);
    }
  });

  it('only 0, 1, 2 with stdinFile and with a streamed stdin too', async () => {
    const file = s.file('stdin.txt', 'x');
    const r1 = await runExecutable(bin.fd_probe!, [], { stdinFile: file });
    expect(text(r1.stdout)).toBe('open fds: 0 1 2\n');
    const p = startExecutable(bin.fd_probe!);
    const r2 = await p.communicate();
    expect(text(r2.stdout)).toBe('open fds: 0 1 2\n');
  });
});

describe('privileges', () => {
  it.runIf(isRoot)('a setuid-root binary does not run as root (no_new_privs); control: without the sandbox it does', async () => {
    const dir = s.dir('suid');
    const exe = path.join(dir, 'ids');
    fs.copyFileSync(bin.ids!, exe);
    fs.chownSync(exe, 0, 0);
    fs.chmodSync(exe, 0o4755);
    // Control: the bit works on this filesystem. nobody runs it unsandboxed and becomes euid 0.
    const free = execFileSync('runuser', ['-u', 'nobody', '--', exe], { encoding: 'utf8' });
    expect(free).toBe('uid=65534 euid=0 suid=0\n');

    const r = await runExecutable(exe);
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toBe('uid=65534 euid=65534 suid=65534\n');
  });

  it('the program runs as 65534 under a root runner, as the runner\'s own uid otherwise; never as root', async () => {
    const r = await runExecutable(bin.ids!);
    const uid = isRoot ? 65534 : process.getuid!();
    expect(text(r.stdout)).toBe(`uid=${uid} euid=${uid} suid=${uid}\n`);
    expect(r.enforced?.uid).toBe(uid);
    expect(r.enforced?.noNewPrivs).toBe(true);
  });
});

describe('process group', () => {
  it('timeout kills the process group (original runner): a background `sleep 1000` is gone after the TLE', async () => {
    const p = startExecutable('/bin/sh', ['-c', 'sleep 1000 & echo $!; wait'], { processes: 16, timeout: 0.5, ...dedicatedUid() });
    const pgid = await p.spawned;
    const r = await p.communicate();
    const sleepPid = Number(text(r.stdout).trim());
    try {
      expect(r).toMatchObject({ status: 'TLE', limit: 'wall', timedOut: true });
      expect(sleepPid).toBeGreaterThan(0);
      await expectGroupGone(pgid);
      expect(alive(sleepPid), `the background sleep ${sleepPid} survived`).toBe(false);
    } finally {
      if (sleepPid > 0) killIfOurs(sleepPid, 'sleep');
    }
  });

  it('a program that exits at once, leaving a background `sleep 1000`: OK, and the sleep is gone with the group', async () => {
    // The gate kills what the program left in its group before it reaps the program (whose pid then still names
    // the group), exit_group and exit(2) alike.
    const p = startExecutable('/bin/sh', ['-c', 'sleep 1000 & echo $!'], { processes: 16, timeout: 5, ...dedicatedUid() });
    const pgid = await p.spawned;
    const r = await p.communicate();
    const sleepPid = Number(text(r.stdout).trim());
    try {
      expect(r).toMatchObject({ status: 'OK', exitCode: 0, timedOut: false });
      expect(sleepPid).toBeGreaterThan(0);
      await expectGroupGone(pgid);
      expect(alive(sleepPid), `the background sleep ${sleepPid} survived`).toBe(false);
    } finally {
      if (sleepPid > 0) killIfOurs(sleepPid, 'sleep');
    }
  });

  it('a descendant that calls setsid() is refused (EPERM) and dies with the group', async () => {
    const p = startExecutable(bin.setsid_escape!, [], { processes: 16, timeout: 0.5, ...dedicatedUid() });
    const pgid = await p.spawned;
    const r = await p.communicate();
    const child = Number(outcome(r.stdout, 'child'));
    try {
      expect(r).toMatchObject({ status: 'TLE', limit: 'wall' });
      expect(child).toBeGreaterThan(0);
      expect(outcome(r.stdout, 'setsid() in child')).toBe('-1 EPERM');
      await expectGroupGone(pgid);
      expect(alive(child), `the setsid() child ${child} survived the run`).toBe(false);
    } finally {
      if (child > 0) killIfOurs(child, 'setsid_escape');
    }
  });

  it('control: unsandboxed, the same program\'s child does leave the group with setsid()', () => {
    // setsid_escape sleeps 30 s after reporting; run it under timeout(1) so the control ends quickly.
    const free = runFree('timeout', ['-s', 'KILL', '0.5', bin.setsid_escape!]);
    const child = Number(outcome(free.stdout, 'child'));
    try {
      expect(outcome(free.stdout, 'setsid() in child')).toBe(String(child));
    } finally {
      if (child > 0) killIfOurs(child, 'setsid_escape');
    }
  });
});
