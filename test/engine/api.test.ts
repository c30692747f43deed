/**
 * The engine's API contract on the real kernel: option validation (InvalidOptionError names the option),
 * program resolution errors, startExecutable's pid / kill() / communicate({ timeout }), the enforcement report,
 * and concurrency (8 runs of one policy at once all succeed while the pool stays within its cap).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidOptionError, ProgramNotExecutableError, ProgramNotFoundError, poolSize, runExecutable, shutdown, startExecutable,
  type RunOptions,
} from '../../dist/engine/index.js';
import { compile, expectGroupGone, isRoot, programUid, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;

beforeAll(async () => {
  s = scratch('api');
  bin = await compile(s, ['programs/hello', 'hostile/sleeper', 'programs/cpu_burn', 'programs/marker']);
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

describe('invalid options throw InvalidOptionError naming the option; nothing runs', () => {
  const cases: Array<[string, string, unknown]> = [
    ['timeout -1', 'timeout', { timeout: -1 }],
    ['timeout 0', 'timeout', { timeout: 0 }],
    ['timeout NaN', 'timeout', { timeout: Number.NaN }],
    ['timeout as a string', 'timeout', { timeout: '1' }],
    ['cpuTime Infinity', 'cpuTime', { cpuTime: Number.POSITIVE_INFINITY }],
    ["memory 'x'", 'memory', { memory: 'x' }],
    ['memory 1.5', 'memory', { memory: 1.5 }],
    ['memory below 4 MiB', 'memory', { memory: 1024 }],
    ['outputLimit -1', 'outputLimit', { outputLimit: -1 }],
    ['processes 0', 'processes', { processes: 0 }],
    ['processes 2.5', 'processes', { processes: 2.5 }],
    ['an unknown option', 'memoryLimit', { memoryLimit: 1 << 30 }],
    ['input and stdinFile together', 'input', { input: 'x', stdinFile: '/dev/null' }],
    ['input of another type', 'input', { input: 42 }],
    ['an env name with "="', 'env.A=B', { env: { 'A=B': 'x' } }],
    ['an env value that is not a string', 'env.N', { env: { N: 1 } }],
    ['readDenyPaths not an array', 'config.readDenyPaths', { config: { readDenyPaths: '/tmp' } }],
    ['writeAllowPaths with an empty path', 'config.writeAllowPaths', { config: { writeAllowPaths: [''] } }],
    ['stack below 64 KiB', 'stack', { stack: 1024 }],
    ['openFiles 1', 'openFiles', { openFiles: 1 }],
  ];
  for (const [what, option, opts] of cases) {
    it(`${what} -> ${option}`, async () => {
      const e = await runExecutable(bin.hello!, [], opts as RunOptions).then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e).toMatchObject({ option });
      expect(() => startExecutable(bin.hello!, [], opts as RunOptions)).toThrow(InvalidOptionError);
    });
  }

  it.runIf(!isRoot)('uid or gid as a non-root runner -> uid / gid', async () => {
    await expect(runExecutable(bin.hello!, [], { uid: 1000 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'uid' });
    await expect(runExecutable(bin.hello!, [], { gid: 1000 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'gid' });
  });

  it.runIf(isRoot)('uid 0 as a root runner -> uid (the program never runs as root)', async () => {
    await expect(runExecutable(bin.hello!, [], { uid: 0 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'uid' });
    await expect(runExecutable(bin.hello!, [], { gid: 0 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'gid' });
  });

  it('a cwd that does not exist -> cwd', async () => {
    await expect(runExecutable(bin.hello!, [], { cwd: path.join(s.root, 'nope') }))
      .rejects.toMatchObject({ name: 'InvalidOptionError', option: 'cwd' });
  });

  it('a stdinFile that does not exist -> stdinFile', async () => {
    await expect(runExecutable(bin.hello!, [], { stdinFile: path.join(s.root, 'nope.txt') }))
      .rejects.toMatchObject({ name: 'InvalidOptionError', option: 'stdinFile' });
  });

  it('a readDenyPaths entry that does not exist -> config.readDenyPaths', async () => {
    await expect(runExecutable(bin.hello!, [], { config: { readDenyPaths: [path.join(s.root, 'nope')] } }))
      .rejects.toMatchObject({ name: 'InvalidOptionError', option: 'config.readDenyPaths' });
  });

  it('an argument with a NUL byte -> args', async () => {
    await expect(runExecutable(bin.hello!, ['a\0b'])).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'args' });
  });

  it('communicate({ timeout: -1 }) -> timeout', async () => {
    const p = startExecutable(bin.hello!);
    await expect(p.communicate({ timeout: -1 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'timeout' });
    expect((await p.communicate()).status).toBe('OK');
  });
});

describe('program resolution', () => {
  it('a path that does not exist -> ProgramNotFoundError', async () => {
    await expect(runExecutable(path.join(s.root, 'no-such-program'))).rejects.toBeInstanceOf(ProgramNotFoundError);
  });

  it('a bare name not on the runner\'s PATH -> ProgramNotFoundError', async () => {
    await expect(runExecutable(`no-such-program-${process.pid}`)).rejects.toBeInstanceOf(ProgramNotFoundError);
  });

  it('a bare name on the PATH runs (true)', async () => {
    expect((await runExecutable('true')).status).toBe('OK');
  });

  it('a file without the execute bit -> ProgramNotExecutableError', async () => {
    const f = s.file('not-executable', '#!/bin/sh\necho hi\n', 0o644);
    await expect(runExecutable(f)).rejects.toBeInstanceOf(ProgramNotExecutableError);
  });

  it('a directory -> ProgramNotExecutableError', async () => {
    await expect(runExecutable(s.bin)).rejects.toBeInstanceOf(ProgramNotExecutableError);
  });

  it.runIf(isRoot)('as root, a program only root can execute (0700) -> ProgramNotExecutableError before anything runs', async () => {
    const f = path.join(s.root, 'root-only');
    fs.copyFileSync(bin.hello!, f);
    fs.chmodSync(f, 0o700);
    await expect(runExecutable(f)).rejects.toBeInstanceOf(ProgramNotExecutableError);
  });

  it('args reach the program as given (a shell script through /bin/sh)', async () => {
    const r = await runExecutable('/bin/sh', ['-c', 'printf "%s|" "$@"', 'sh', 'a b', '', '*', '$HOME']);
    expect(text(r.stdout)).toBe('a b||*|$HOME|');
  });
});

describe('startExecutable', () => {
  it('spawned resolves with the pid, which .pid then shows', async () => {
    const p = startExecutable(bin.hello!);
    const pid = await p.spawned;
    expect(pid).toBeGreaterThan(0);
    expect(p.pid).toBe(pid);
    expect((await p.communicate()).status).toBe('OK');
  });

  it('kill() ends the program and its group: SIGKILL, RE, not a timeout', async () => {
    const p = startExecutable(bin.sleeper!, ['30'], { timeout: 20 });
    const pgid = await p.spawned;
    p.kill();
    const r = await p.communicate();
    expect(r).toMatchObject({ status: 'RE', signal: 'SIGKILL', exitCode: null, timedOut: false, limit: null });
    expect(r.wallTime).toBeLessThan(5);
    await expectGroupGone(pgid);
  });

  it('kill() before the program has started: it never starts (regression: the kill was lost)', async () => {
    const out = s.dir('kill-early', { writable: true });
    const opts = { timeout: 20, config: { writeAllowPaths: [out] } };
    const control = path.join(out, 'control');
    expect((await runExecutable(bin.marker!, [control], opts)).status).toBe('OK');
    expect(fs.existsSync(control)).toBe(true); // the marker is written when the program runs
    const m = path.join(out, 'killed');
    const p = startExecutable(bin.marker!, [m], opts);
    p.kill(); // before `spawned` resolves
    const r = await p.communicate();
    expect(r).toMatchObject({ status: 'RE', signal: 'SIGKILL', exitCode: null, timedOut: false });
    expect(r.wallTime).toBeLessThan(5);
    expect(fs.existsSync(m)).toBe(false);
  });

  it('a signal is named by its first name: SIGABRT, not SIGIOT (regression)', async () => {
    const r = await runExecutable('/bin/sh', ['-c', 'kill -ABRT $$']);
    expect(r).toMatchObject({ status: 'RE', signal: 'SIGABRT', exitCode: null });
  });

  it('communicate({ timeout }) replaces the timeout option', async () => {
    const p = startExecutable(bin.sleeper!, ['30'], { timeout: 20 });
    const r = await p.communicate({ timeout: 0.3 });
    expect(r).toMatchObject({ status: 'TLE', limit: 'wall', timedOut: true });
    expect(r.wallTime).toBeGreaterThanOrEqual(0.3);
    expect(r.wallTime).toBeLessThan(5);
  });

  it('communicate({ timeout }) can also extend it', async () => {
    const p = startExecutable(bin.sleeper!, ['0.5'], { timeout: 0.2 });
    const r = await p.communicate({ timeout: 10 });
    expect(r).toMatchObject({ status: 'OK', timedOut: false });
  });
});

describe('the enforcement report', () => {
  it('names what was enforced for the run', async () => {
    const r = await runExecutable(bin.hello!, [], { processes: 2 });
    expect(r.enforced).not.toBeNull();
    const e = r.enforced!;
    expect(e.noNewPrivs).toBe(true);
    expect(e.uid).toBe(programUid);
    expect(e.landlock.abi).toBeGreaterThanOrEqual(3);
    expect(e.landlock.fsRights).toContain('TRUNCATE');
    expect(e.seccomp.processes).toBe(2);
    expect(e.seccomp.instructions).toBeGreaterThan(10); // a real filter, not an allow-all stub
    // What the gate set and the runner then read back from /proc/PID/limits (a mismatch fails the run).
    expect(e.rlimits).toMatchObject({ core: 0, memlock: 0, rtprio: 0, nofile: 64 });
  });
});

describe('concurrency', () => {
  it('8 runs at once with one policy all succeed; poolSize() stays within its cap', async () => {
    // The cap is per policy (pool.ts: 2 x cores, at least 4); start from an empty pool so only this policy counts.
    await shutdown();
    expect(poolSize()).toBe(0);
    const cap = Math.max(4, 2 * os.cpus().length);
    let maxSeen = 0;
    const sampler = setInterval(() => { maxSeen = Math.max(maxSeen, poolSize()); }, 2);
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        runExecutable(bin.cpu_burn!, ['0.05'], { timeout: 20 }).then((r) => [i, r] as const)));
      for (const [i, r] of results) {
        expect(r.status, `run ${i}: ${text(r.stderr)}`).toBe('OK');
        expect(text(r.stdout)).toMatch(/^burned 0\.0\d\d s\n$/);
      }
    } finally {
      clearInterval(sampler);
    }
    maxSeen = Math.max(maxSeen, poolSize());
    expect(maxSeen).toBeGreaterThan(0);
    expect(maxSeen).toBeLessThanOrEqual(cap);
  });

  it('different policies at once each get their own threads and all succeed', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((processes) => runExecutable(bin.hello!, [], { processes })));
    for (const r of results) expect(r.status).toBe('OK');
    expect(results.map((r) => r.enforced?.seccomp.processes)).toEqual([1, 2, 3, 4]);
  });
});
