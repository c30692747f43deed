/**
 * prestart() (src/engine/warm.ts): the spawner thread and the exit watcher a first run needs can be booted early;
 * the run then takes those two threads instead of starting its own, and shutdown() ends them whether or not a run
 * took them. Threads are counted in /proc/self/task (this test file runs in a process of its own).
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
  it('starts exactly two threads, once; shutdown() without a run ends them', async () => {
    const before = threads();
    prestart();
    expect(threads()).toBe(before + 2);
    prestart();
    expect(threads()).toBe(before + 2);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });

  it('the first run takes the prestarted threads (no third thread) and works; shutdown() ends them', async () => {
    const before = threads();
    prestart();
    expect(threads()).toBe(before + 2);
    const r = await runExecutable('/bin/sh', ['-c', 'echo ran; exit 3']);
    expect(r).toMatchObject({ status: 'RE', exitCode: 3, signal: null });
    expect(r.stdout.toString()).toBe('ran\n');
    expect(r.peakMemory).toBeGreaterThan(0); // recorded by the exit watcher at exit_group
    expect(threads()).toBe(before + 2);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });

  it('with the exit watcher already running (after a run), prestart() starts only a spawner thread', async () => {
    const before = threads();
    expect((await runExecutable('/bin/true')).status).toBe('OK');
    const afterRun = threads(); // the pool's spawner thread and the exit watcher
    expect(afterRun).toBe(before + 2);
    prestart();
    expect(threads()).toBe(afterRun + 1);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });

  it('a run without prestart starts the same two threads itself', async () => {
    const before = threads();
    const r = await runExecutable('/bin/true');
    expect(r.status).toBe('OK');
    expect(threads()).toBe(before + 2);
    await shutdown();
    expect(await settlesAt(before)).toBe(before);
  });
});
