/**
 * Engines of one's own (src/engine/engine.ts) and their pool (pool.ts), on the real kernel: an engine's threads are
 * its own and end with its shutdown(); its pool keeps to its per-policy cap and ends idle threads; its faults stay
 * its own. Threads are counted in /proc/self/task (this file runs in a process of its own).
 */
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, poolSize, runExecutable, shutdown, type RunResult } from '../../dist/engine/index.js';
import { eventually } from './helpers.js';

const threads = () => fs.readdirSync('/proc/self/task').length;

afterAll(async () => { await shutdown(); });

describe('an Engine of one\'s own', () => {
  it('runs programs on threads of its own, which its shutdown() ends; the default engine is not involved', async () => {
    const before = threads();
    const engine = new Engine();
    const r = await engine.run('/bin/sh', ['-c', 'echo own engine']);
    expect(r).toMatchObject({ status: 'OK', exitCode: 0 });
    expect(r.stdout.toString()).toBe('own engine\n');
    expect(engine.poolSize()).toBe(1);
    expect(poolSize()).toBe(0);
    expect(threads()).toBe(before + 1); // its spawner thread
    await engine.shutdown();
    expect(engine.poolSize()).toBe(0);
    expect(await eventually(() => threads() === before, 5000)).toBe(true);
    // Shut down is not dead: the next run starts the threads again.
    expect((await engine.run('/bin/true')).status).toBe('OK');
    await engine.shutdown();
    // Gone before the next test counts its threads (it once counted this one, exiting, in CI).
    expect(await eventually(() => threads() === before, 5000)).toBe(true);
  });

  it('prestart() boots its spawner thread, which its first run takes', async () => {
    const before = threads();
    const engine = new Engine();
    engine.prestart();
    expect(threads()).toBe(before + 1);
    expect((await engine.run('/bin/true')).status).toBe('OK');
    expect(threads()).toBe(before + 1);
    await engine.shutdown();
    expect(await eventually(() => threads() === before, 5000)).toBe(true);
  });

  it('keeps to its per-policy cap: runs beyond it wait for a thread, and all finish', async () => {
    const engine = new Engine({ pool: { maxPerPolicy: 1 } });
    let most = 0;
    const watch = setInterval(() => { most = Math.max(most, engine.poolSize()); }, 2);
    let results: RunResult[];
    try {
      results = await Promise.all([1, 2, 3].map((i) => engine.run('/bin/sh', ['-c', `echo ${i}`])));
    } finally {
      clearInterval(watch);
    }
    expect(results.map((r) => [r.status, r.stdout.toString()])).toEqual([['OK', '1\n'], ['OK', '2\n'], ['OK', '3\n']]);
    expect(most).toBe(1);
    expect(engine.poolSize()).toBe(1);
    await engine.shutdown();
  });

  it('a second policy gets threads of its own', async () => {
    const engine = new Engine({ pool: { maxPerPolicy: 1 } });
    await Promise.all([engine.run('/bin/true'), engine.run('/bin/true', [], { processes: 2 })]);
    expect(engine.poolSize()).toBe(2);
    await engine.shutdown();
  });

  it('ends a thread that stayed idle for idleMs', async () => {
    const engine = new Engine({ pool: { idleMs: 50 } });
    expect((await engine.run('/bin/true')).status).toBe('OK');
    expect(engine.poolSize()).toBe(1);
    expect(await eventually(() => engine.poolSize() === 0, 3000)).toBe(true);
    await engine.shutdown();
  });

  it('its faults are its own: the default engine runs unharmed at the same time', async () => {
    const faulty = new Engine({ faults: { rlimitFails: true } });
    const [bad, good] = await Promise.allSettled([faulty.run('/bin/true'), runExecutable('/bin/true')]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { name: 'SandboxSetupError', step: 'rlimits' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: { status: 'OK' } });
    await faulty.shutdown();
  });
});
