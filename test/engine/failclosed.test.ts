/**
 * Fail closed, on the real kernel: for each setup step a fault is injected (an Engine of the test's own with
 * `faults`, see src/engine/protocol.ts `Faults`) and the run must reject with a SandboxSetupError naming the step, the call and
 * errno, while the program -- whose first instruction creates a marker file -- never ran: the marker does not
 * exist, and no process of the run is left. The control runs the same program with no fault and sees the marker.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, InvalidOptionError, runExecutable, SandboxSetupError, shutdown, type Faults, type RunOptions } from '../../dist/engine/index.js';
import { childrenOf, compile, eventually, outcome, scratch, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let out: string;
let opts: RunOptions;
let n = 0;

beforeAll(async () => {
  s = scratch('failclosed');
  bin = await compile(s, ['programs/marker']);
  out = s.dir('out', { writable: true });
  opts = { config: { writeAllowPaths: [out] }, timeout: 5 };
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

function marker(): string {
  return path.join(out, `marker-${++n}`);
}

/** Runs the marker program under `faults`; returns the rejection (or fails the test if the run went ahead). */
async function faulted(faults: Faults): Promise<{ error: SandboxSetupError; marker: string }> {
  const m = marker();
  const engine = new Engine({ faults });
  const outcomeOrError = await engine.run(bin.marker!, [m], opts).then((r) => r, (e: unknown) => e);
  await engine.shutdown();
  expect(outcomeOrError).toBeInstanceOf(SandboxSetupError);
  expect(fs.existsSync(m), 'the program ran: its marker exists').toBe(false);
  // No gate or program is left behind, not even a zombie.
  expect(await eventually(() => childrenOf(process.pid).length === 0), JSON.stringify(childrenOf(process.pid))).toBe(true);
  return { error: outcomeOrError as SandboxSetupError, marker: m };
}

describe('fail closed: every setup fault rejects with SandboxSetupError and the program never runs', () => {
  it('control: without a fault the marker program runs and creates its marker', async () => {
    const m = marker();
    const r = await runExecutable(bin.marker!, [m], opts);
    expect(r.status).toBe('OK');
    expect(outcome(r.stdout, 'open(marker,O_CREAT)')).toMatch(/^\d+$/);
    expect(fs.existsSync(m)).toBe(true);
  });

  it('Landlock missing (the ABI probe answers ENOSYS) -> step landlock, errno ENOSYS', async () => {
    const { error } = await faulted({ landlockProbe: { ok: false, errno: 38 } });
    expect(error).toMatchObject({ step: 'landlock', errno: 38, code: 'ENOSYS' });
    expect(error.call).toMatch(/landlock_create_ruleset/);
  });

  it('Landlock too old (ABI 2: no TRUNCATE) -> step landlock', async () => {
    const { error } = await faulted({ landlockProbe: { ok: true, version: 2 } });
    expect(error.step).toBe('landlock');
    expect(error.message).toMatch(/ABI|version|2/);
  });

  it('the seccomp filter cannot be installed (8 zero bytes: no return instruction) -> step seccomp, EINVAL', async () => {
    const { error } = await faulted({ invalidSeccompFilter: true });
    expect(error).toMatchObject({ step: 'seccomp', errno: 22, code: 'EINVAL' });
    expect(error.call).toMatch(/seccomp/);
  });

  it('a resource limit cannot be set on the gate -> step rlimits', async () => {
    const { error } = await faulted({ rlimitFails: true });
    expect(error).toMatchObject({ step: 'rlimits', call: 'setrlimit(RLIMIT_NOFILE)', code: 'EPERM' });
    expect(error.message).toMatch(/the program was not started/);
  });

  it('the gate\'s limits differ from those asked for -> step rlimits', async () => {
    const { error } = await faulted({ rlimitMismatch: true });
    expect(error.step).toBe('rlimits');
    expect(error.message).toMatch(/limits/);
  });

  it('the spawner thread dies during its setup -> step spawner thread', async () => {
    const { error } = await faulted({ dieDuringSetup: true });
    expect(error.step).toBe('spawner thread');
  });

  it('the spawner thread dies when asked to spawn -> step spawner thread', async () => {
    const { error } = await faulted({ dieOnSpawn: true });
    expect(error.step).toBe('spawner thread');
  });

  it('no injection: a runner whose own hard RLIMIT_STACK is below the stack asked for -> step rlimits, promptly, every time', () => {
    // A real-world way for a limit to fail: the gate cannot raise a hard limit above the runner's. A child runner
    // (node) is started under `ulimit -Hs 8192` and runs the marker program with the default stack (= memory)
    // 30 times; each run must reject at once (the gate exits at its `ulimit` within a millisecond).
    const markers = Array.from({ length: 30 }, () => marker());
    const engine = fileURLToPath(new URL('../../dist/engine/index.js', import.meta.url));
    const script = s.file('low-hard-limit.mjs', `
      const { runExecutable, shutdown } = await import(${JSON.stringify(engine)});
      for (const m of ${JSON.stringify(markers)}) {
        try { const r = await runExecutable(${JSON.stringify(bin.marker!)}, [m], ${JSON.stringify(opts)});
          console.log('RAN ' + r.status); }
        catch (e) { console.log(e.name + ' ' + e.step); }
      }
      await shutdown();`);
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -Hs 8192 && exec "$@"', 'sh', process.execPath, script],
      { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines, `${r.error ? `the child runner hung (${r.error.message}) after ${lines.length} runs; ` : ''}${r.stderr}`)
      .toEqual(markers.map(() => 'SandboxSetupError rlimits'));
    for (const m of markers) expect(fs.existsSync(m)).toBe(false);
  });

  it('a fault can only make a run fail: a Landlock probe answer the ABI check accepts is refused', () => {
    expect(() => new Engine({ faults: { landlockProbe: { ok: true, version: 3 } } })).toThrow(InvalidOptionError);
    expect(() => new Engine({ faults: { landlockProbe: { ok: true, version: 2 } } })).not.toThrow();
  });

  it.skipIf(process.getuid?.() !== 0)('root: a working directory the program\'s user cannot enter -> the message names the directory', async () => {
    const shut = s.dir('shut');
    const inner = s.dir('shut/inner');
    fs.chmodSync(shut, 0o700); // root's: uid 65534 may not pass through it
    const m = marker();
    const e = await runExecutable(bin.marker!, [m], { ...opts, cwd: inner }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(SandboxSetupError);
    expect((e as SandboxSetupError).code).toBe('EACCES');
    expect((e as Error).message).toContain(`uid 65534 (the program's user) may not enter ${shut} (mode 0700, owner uid 0), on the way to the working directory ${inner}`);
    expect(fs.existsSync(m)).toBe(false);
    // The control: the same directory opened to others, the same run goes ahead.
    fs.chmodSync(shut, 0o711);
    expect((await runExecutable(bin.marker!, [m], { ...opts, cwd: inner })).status).toBe('OK');
    expect(fs.existsSync(m)).toBe(true);
  });

  it('after every fault, a run without faults works again', async () => {
    const m = marker();
    const r = await runExecutable(bin.marker!, [m], opts);
    expect(r.status).toBe('OK');
    expect(fs.existsSync(m)).toBe(true);
  });
});
