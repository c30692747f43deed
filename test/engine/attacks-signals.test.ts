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
import { compile, isRoot, programUid, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
/** A process of the program's uid outside the sandbox: what the control reaches and the sandboxed probe must not. */
let bystander: ChildProcess;

beforeAll(async () => {
  s = scratch('signals');
  bin = await compile(s, ['hostile/signal_everyone', 'hostile/sleeper']);
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
      // Positive control inside the sandbox: each of the run's own processes is reached by every call.
      for (const id of p.own) for (const call of CALLS) expect(p.reached, `${call} of own ${id}`).toContain(`${call} ${id}`);
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
