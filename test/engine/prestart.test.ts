/**
 * prestart() (src/engine/warm.ts): the spawner thread a first run needs can be booted early; the run then takes it
 * instead of starting its own, and shutdown() ends it whether or not a run took it. A run needs no other thread (a
 * gate answers its own run's seccomp notifications). Threads are counted in
 * /proc/self/task (this test file runs in a process of its own).
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prestart, runExecutable, shutdown } from '../../dist/engine/index.js';

const threads = () => fs.readdirSync('/proc/self/task').length;

async function settlesAt(n: number, ms = 5000): Promise<number> {
  const end = Date.now() + ms;
  while (threads() !== n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return threads();
}

describe('prestart', () => {
  it('starts exactly one thread, once; shutdown() without a run ends it', async () => {
    const before = threads();
    prestart();
    expect(threads()).toBe(before + 1);
    prestart();
    expect(threads()).toBe(before + 1);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });

  it('the first run takes the prestarted thread (no second thread) and works; shutdown() ends it', async () => {
    const before = threads();
    prestart();
    expect(threads()).toBe(before + 1);
    const r = await runExecutable('/bin/sh', ['-c', 'echo ran; exit 3']);
    expect(r).toMatchObject({ status: 'RE', exitCode: 3, signal: null });
    expect(r.stdout.toString()).toBe('ran\n');
    expect(r.peakMemory).toBeGreaterThan(0); // reported by the gate (its wait4)
    expect(threads()).toBe(before + 1);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });

  it('with the pool\'s thread idle (after a run), prestart() starts one more for the next policy', async () => {
    const before = threads();
    expect((await runExecutable('/bin/true')).status).toBe('OK');
    const afterRun = threads(); // the pool's spawner thread
    expect(afterRun).toBe(before + 1);
    prestart();
    expect(threads()).toBe(afterRun + 1);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });

  it('a run without prestart starts its spawner thread itself; one of more processes, a thread for its own policy', async () => {
    const before = threads();
    expect((await runExecutable('/bin/true')).status).toBe('OK');
    expect(threads()).toBe(before + 1);
    expect((await runExecutable('/bin/true', [], { processes: 2 })).status).toBe('OK');
    expect(threads()).toBe(before + 2); // a spawner thread for the other policy (nothing else: the gate answers notifications)
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });
});
