/**
 * The Reaper (src/engine/reaper.ts) on children spawned with posix_spawn through src/native (not by libuv, which
 * would reap them itself): it sees an exit without reaping it, then reaps with the exit code or signal and the
 * child's own CPU time.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Reaper } from '../../dist/engine/reaper.js';
import { posixSpawn } from '../../dist/native/spawn.js';

function spawnShell(script: string): number {
  const pid = [0];
  const rc = posixSpawn(pid, '/bin/sh', null as unknown as Uint8Array, null as unknown as Uint8Array,
    ['sh', '-c', script, null], ['PATH=/usr/bin:/bin', null]);
  if (rc !== 0) throw new Error(`posix_spawn failed: ${rc}`);
  return pid[0]!;
}

const state = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]![0];

describe('Reaper', () => {
  it('sees an exit without reaping it (the pid stays a zombie, its group pinned), then reaps the exit code', async () => {
    const reaper = new Reaper();
    const pid = spawnShell('exit 3');
    const w = reaper.watch(pid);
    await reaper.exited(w);
    expect(w.exited).toBe(true);
    expect(state(pid)).toBe('Z');
    expect(reaper.reap(pid)).toMatchObject({ exitCode: 3, signal: null });
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('reports the signal that ended a child', async () => {
    const reaper = new Reaper();
    const pid = spawnShell('kill -TERM $$');
    await reaper.exited(reaper.watch(pid));
    expect(reaper.reap(pid)).toEqual({ exitCode: null, signal: 15, cpuTime: expect.any(Number) as number });
  });

  it('tells a listener once, also when the child had exited before it was watched', async () => {
    const reaper = new Reaper();
    const pid = spawnShell('exit 0');
    for (let i = 0; i < 200 && state(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 5));
    const w = reaper.watch(pid);
    expect(w.exited).toBe(true);
    let calls = 0;
    w.onExit(() => { calls++; });
    expect(calls).toBe(1);
    expect(reaper.poll(pid)).toBe(false); // no longer watched
    expect(reaper.reap(pid).exitCode).toBe(0);
  });

  it('reaps the child\'s own CPU time (user + system), from wait4', async () => {
    const reaper = new Reaper();
    const pid = spawnShell('i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done');
    await reaper.exited(reaper.watch(pid));
    const r = reaper.reap(pid);
    expect(r.exitCode).toBe(0);
    expect(r.cpuTime).toBeGreaterThan(0.02);
  });
});
