/**
 * Signals to everything on the machine, at whatever Landlock ABI the run uses (SIMPLE_CP_SANDBOX_LANDLOCK_ABI pins
 * it: scripts/test-abis.sh runs this file at every ABI from 3 to the kernel's). The test lists every task id on the
 * machine (every thread of every process, the runner's own threads included) and a sandboxed probe aims signal 0 at
 * each through every call that can (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal). It
 * must reach its own run's processes and nothing else. The control: the same probe outside the sandbox, as the
 * sandboxed program's uid, reaches a process of that uid that is not in any run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { close } from '../../dist/native/libc.js';
import { unixSocketPair } from '../../dist/native/fd.js';
import { compile, expectDenied, isRoot, outcome, programUid, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
/** A process of the program's uid outside the sandbox: what the control reaches and the sandboxed probe must not. */
let bystander: ChildProcess;

beforeAll(async () => {
  s = scratch('signals');
  bin = await compile(s, ['hostile/signal_everyone', 'hostile/sleeper', 'hostile/peer_pidfd', 'hostile/gate_flood',
    'hostile/pidfd_full']);
  bystander = spawn(bin.sleeper!, ['60'], { stdio: 'ignore', ...(isRoot ? { uid: programUid, gid: programUid } : {}) });
  await new Promise((r) => bystander.once('spawn', r));
  // The runner's spawner threads exist before the list is taken.
  await runExecutable('/bin/true');
  await runExecutable('/bin/true', [], { processes: 4 });
});

afterAll(async () => {
  bystander?.kill('SIGKILL');
  await shutdown();
  s?.remove();
});

/** "TGID TID" for every thread on the machine now. */
function everyTask(): string[] {
  const lines: string[] = [];
  for (const p of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const t of tids) lines.push(`${p} ${t}`);
  }
  return lines;
}

interface Probe { own: Set<string>; reached: string[]; probed: number }

function parse(out: string): Probe {
  const own = new Set<string>();
  const reached: string[] = [];
  let probed = -1;
  for (const l of out.split('\n')) {
    const m = /^(own|reached \w+|probed) (\d+)$/.exec(l);
    if (!m) continue;
    if (m[1] === 'own') own.add(m[2]!);
    else if (m[1] === 'probed') probed = Number(m[2]);
    else reached.push(`${m[1]!.slice('reached '.length)} ${m[2]}`);
  }
  return { own, reached, probed };
}

const CALLS = ['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_send_signal'];

describe('signal 0 to every task on the machine', () => {
  for (const processes of [1, 4]) {
    it(`processes ${processes}: reaches the run's own processes through every call, and nothing outside the run`, async () => {
      const tasks = everyTask();
      const runnerTids = fs.readdirSync('/proc/self/task');
      expect(runnerTids.length).toBeGreaterThan(2); // the main thread, a spawner thread, libuv's...
      expect(tasks).toContain(`${bystander.pid} ${bystander.pid}`);
      const r = await runExecutable(bin.signal_everyone!, processes > 1 ? ['fork'] : [],
        { processes, input: `${tasks.join('\n')}\n`, timeout: 20 });
      expect(r.status, text(r.stderr)).toBe('OK');
      // At the ABI scripts/test-abis.sh pinned, if it did.
      const pinned = process.env.SIMPLE_CP_SANDBOX_LANDLOCK_ABI;
      expect(r.enforced!.landlock.pinned).toBe(pinned ? Number(pinned) : null);
      const p = parse(text(r.stdout));
      expect(p.probed).toBe(tasks.length + p.own.size);
      expect(p.own.size).toBe(processes > 1 ? 2 : 1);
      // Positive control inside the sandbox: the run's own processes are reached. The first (the group's leader) by
      // every call; another, from ABI 6 by every call too, below it by the process-directed ones (kill, and a pidfd),
      // the gate refusing thread-directed signals and sigqueue to a process other than the caller's own or the
      // leader (docs/principles.md, "Signals below ABI 6").
      const [leader, ...others] = [...p.own];
      for (const call of CALLS) expect(p.reached, `${call} of the leader ${leader}`).toContain(`${call} ${leader}`);
      const abi = r.enforced!.landlock.abi;
      for (const id of others) {
        for (const call of CALLS) {
          const reach = abi >= 6 || call === 'kill' || call === 'pidfd_send_signal';
          if (reach) expect(p.reached, `${call} of own ${id}`).toContain(`${call} ${id}`);
          else expect(p.reached, `${call} of own ${id} below ABI 6`).not.toContain(`${call} ${id}`);
        }
      }
      const outside = p.reached.filter((x) => !p.own.has(x.split(' ')[1]!));
      expect(outside, `reached outside the run at Landlock ABI ${r.enforced?.landlock.abi}`).toEqual([]);
    });
  }

  it('control: unsandboxed, as the same uid, the same probe reaches the bystander (and, as the runner\'s uid, the runner\'s threads)', () => {
    const tasks = everyTask();
    const free = spawnSync(bin.signal_everyone!, [], {
      input: `${tasks.join('\n')}\n`, encoding: 'utf8', timeout: 20_000,
      ...(isRoot ? { uid: programUid, gid: programUid } : {}),
    });
    expect(free.status, free.stderr).toBe(0);
    const p = parse(free.stdout);
    for (const call of ['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'pidfd_send_signal']) {
      expect(p.reached, call).toContain(`${call} ${bystander.pid}`);
    }
    if (!isRoot) {
      for (const tid of fs.readdirSync('/proc/self/task')) expect(p.reached).toContain(`tkill ${tid}`);
    }
  });
});

describe('a pidfd of a socket\'s peer', () => {
  it('a unix socket as stdin: SO_PEERPIDFD and SO_PASSPIDFD are refused (control: unsandboxed, the peer, this test, is reached)', async () => {
    const [mine, theirs] = unixSocketPair();
    try {
      const free = spawnSync(bin.peer_pidfd!, [], { stdio: [theirs, 'pipe', 'pipe'], encoding: 'utf8' });
      expect(outcome(free.stdout, 'getsockopt(SO_PEERPIDFD)'), free.stdout).toMatch(/^\d+$/);
      expect(outcome(free.stdout, 'pidfd_send_signal(peer,0)')).toBe('0');
      expect(outcome(free.stdout, 'setsockopt(SO_PASSPIDFD)')).toBe('0');

      const r = await runExecutable(bin.peer_pidfd!, [], { stdin: theirs });
      expect(r.status, text(r.stderr)).toBe('OK');
      expectDenied(r, 'getsockopt(SO_PEERPIDFD)', 'EPERM');
      expect(outcome(r.stdout, 'pidfd_send_signal(peer,0)')).toBeUndefined();
      expectDenied(r, 'setsockopt(SO_PASSPIDFD)', 'EPERM');
    } finally {
      close(mine);
      close(theirs);
    }
  });
});

describe('the gate\'s time is the run\'s (below Landlock ABI 6, more than one process)', () => {
  it('pidfd_open of another process with the fd table full fails with EMFILE, and the run goes on', async () => {
    const r = await runExecutable(bin.pidfd_full!, [], { landlockAbi: 5, processes: 4 });
    expect(r.status, text(r.stderr)).toBe('OK');
    expectDenied(r, 'pidfd_open(child)', 'EMFILE');
    expect(text(r.stdout)).toMatch(/alive\n$/);
  });
  it('a program flooding the gate with questions ends TLE at its CPU limit, the gate\'s time counted', async () => {
    // landlockAbi 5 whatever the kernel: the only case where the gate answers questions.
    const r = await runExecutable(bin.gate_flood!, ['8'], { landlockAbi: 5, processes: 8, cpuTime: 1, timeout: 20 });
    expect(r.status, text(r.stdout)).toBe('TLE');
    expect(r.limit).toBe('cpu');
    expect(r.cpuTime).toBeGreaterThanOrEqual(1);
    expect(r.wallTime).toBeLessThan(8); // killed before its loop ended, not at the wall limit
  });
  it('the reported CPU time includes the gate\'s answers; from ABI 6, with no questions, it is the program\'s own', async () => {
    const own = (r: { stdout: Buffer }) => Number(/own cpu ([\d.]+)/.exec(text(r.stdout))?.[1]);
    const asked = await runExecutable(bin.gate_flood!, ['1'], { landlockAbi: 5, processes: 4, cpuTime: 10, timeout: 20 });
    expect(asked.status, text(asked.stderr)).toBe('OK');
    // The gate does far more per question than the program (measured here: 0.82 s against 0.10 s).
    expect(asked.cpuTime).toBeGreaterThan(2 * own(asked));
    const scoped = await runExecutable(bin.gate_flood!, ['1'], { landlockAbi: 6, processes: 4, cpuTime: 10, timeout: 20 });
    expect(scoped.status, text(scoped.stderr)).toBe('OK');
    expect(scoped.cpuTime).toBeGreaterThanOrEqual(own(scoped) - 0.005); // printed to the millisecond
    expect(scoped.cpuTime).toBeLessThan(own(scoped) * 1.2 + 0.05);
  });
});
