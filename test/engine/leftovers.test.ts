/**
 * What 1000 runs leave behind in the runner, on the real kernel: no zombie, no stray process, no leaked fd, no
 * temp file. Most runs are /bin/true (fast); some are killed by their wall limit, some by kill(). Runs go four at a
 * time so the batch stays fast and the pool is exercised with more than one thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolSize, runExecutable, shutdown, startExecutable, type RunResult } from '../../dist/engine/index.js';
import { alive, childrenOf, compile, eventually, scratch, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let privateTmp: string;
const savedTmpdir = process.env.TMPDIR;

beforeAll(async () => {
  s = scratch('leftovers');
  bin = await compile(s, ['hostile/sleeper']);
  // Anything the runner puts in the temp directory lands here, where nothing else writes.
  privateTmp = s.dir('tmp', { writable: true });
  process.env.TMPDIR = privateTmp;
});

afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await shutdown();
  s?.remove();
});

function openFds(): string[] {
  return fs.readdirSync('/proc/self/fd').sort((a, b) => Number(a) - Number(b));
}

function describeFds(fds: string[]): string {
  return fds.map((fd) => {
    try {
      return `${fd} -> ${fs.readlinkSync(path.join('/proc/self/fd', fd))}`;
    } catch {
      return `${fd} (gone)`;
    }
  }).join('\n');
}

const pgids: number[] = [];

/** `count` runs, four at a time; every 50th is killed by a 0.05 s wall limit and every 50th (offset 25) by kill(). */
async function batch(count: number): Promise<RunResult[]> {
  const results: RunResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      if (i % 50 === 0) {
        const p = startExecutable(bin.sleeper!, ['30'], { timeout: 0.05 });
        pgids.push(await p.spawned);
        results.push(await p.communicate());
      } else if (i % 50 === 25) {
        const p = startExecutable(bin.sleeper!, ['30']);
        pgids.push(await p.spawned);
        p.kill();
        results.push(await p.communicate());
      } else {
        results.push(await runExecutable('/bin/true'));
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results;
}

function expectOutcomes(results: RunResult[], count: number): void {
  expect(results).toHaveLength(count);
  const statuses = new Map<string, number>();
  for (const r of results) statuses.set(`${r.status}/${r.limit}/${r.signal}`, (statuses.get(`${r.status}/${r.limit}/${r.signal}`) ?? 0) + 1);
  expect(Object.fromEntries(statuses)).toEqual({
    'OK/null/null': count - 2 * (count / 50),
    'TLE/wall/SIGKILL': count / 50,
    'RE/null/SIGKILL': count / 50,
  });
}

describe('after 1000 runs', () => {
  it('no zombie, no stray process, no leaked fd, no temp file', { timeout: 120_000 }, async () => {
    const shmBefore = new Set(fs.readdirSync('/dev/shm'));
    const fdsAtStart = openFds();

    // Two batches of 500: the pool and the exit watcher are warm after the first, so the second must leave the
    // fd table exactly as it found it.
    expectOutcomes(await batch(500), 500);
    const fdsAfterFirst = openFds();
    expectOutcomes(await batch(500), 500);
    const fdsAfterSecond = openFds();
    expect(fdsAfterSecond.length, `fds after 1000 runs:\n${describeFds(fdsAfterSecond)}\nafter 500:\n${describeFds(fdsAfterFirst)}`)
      .toBe(fdsAfterFirst.length);

    // No child of the runner remains: no zombie (state Z), no running gate or program.
    expect(await eventually(() => childrenOf(process.pid).length === 0), JSON.stringify(childrenOf(process.pid))).toBe(true);
    // Every killed run's process group is gone (pgid = the program's pid).
    for (const pgid of pgids) expect(alive(-pgid), `group ${pgid}`).toBe(false);

    // After shutdown() the pool's threads and the exit watcher are gone and with them every fd they held.
    await shutdown();
    expect(poolSize()).toBe(0);
    const settled = await eventually(() => openFds().length <= fdsAtStart.length, 5000);
    expect(settled, `fds after shutdown:\n${describeFds(openFds())}\nat start:\n${describeFds(fdsAtStart)}`).toBe(true);

    expect(fs.readdirSync(privateTmp)).toEqual([]);
    const shmNew = fs.readdirSync('/dev/shm').filter((f) => !shmBefore.has(f));
    expect(shmNew).toEqual([]);
  });
});
