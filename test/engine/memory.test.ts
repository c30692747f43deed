/**
 * The memory model on the real kernel: peak memory exact on every exit path (exit_group, the raw exit(2) of the
 * last thread, a fatal signal, the sandbox's own kill), the same verdict every time, stacks (deep recursion in the
 * main thread, default stacks for threads), and reserved memory not counted. The truth is the kernel's own
 * ru_maxrss for the same program run alone (fixtures/programs/maxrss.c starts it from its own small address space).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, type RunOptions, type RunResult } from '../../dist/engine/index.js';
import { compile, dedicatedUid, MiB, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
const RUNS = 8;

beforeAll(async () => {
  s = scratch('memory');
  bin = await compile(s, ['programs/maxrss', 'programs/touch_then', 'programs/recurse', 'hostile/threads']);
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

/** ru_maxrss (bytes) and wait status of `args` run alone, outside the sandbox. */
function alone(args: string[], env: NodeJS.ProcessEnv = {}): { peak: number; status: number } {
  const out = execFileSync(bin.maxrss!, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const m = /^maxrss (\d+) status (\d+)$/m.exec(out);
  if (!m) throw new Error(`maxrss said: ${out}`);
  return { peak: Number(m[1]) * 1024, status: Number(m[2]) };
}

async function runs(args: string[], opts: RunOptions): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await runExecutable(args[0]!, args.slice(1), opts));
  return out;
}

function within(got: number, truth: number, fraction: number): void {
  expect(Math.abs(got - truth), `peak ${got} vs the kernel's ${truth}`).toBeLessThanOrEqual(truth * fraction);
}

describe('peak memory on every exit path: within 2% of the kernel\'s own figure, one verdict in 8 runs', () => {
  const cases: Array<[string, string, Partial<RunResult>]> = [
    ['exit_group (a normal exit)', 'exit', { status: 'OK', exitCode: 0, signal: null }],
    ['the raw exit(2) of the last thread', 'exit2', { status: 'OK', exitCode: 0, signal: null }],
    ['a fatal signal (SIGSEGV after touching the memory)', 'segv', { status: 'RE', exitCode: null, signal: 'SIGSEGV' }],
    ['abort() (SIGABRT)', 'abort', { status: 'RE', exitCode: null, signal: 'SIGABRT' }],
  ];
  for (const [what, how, verdict] of cases) {
    it(`100 MiB, then ${what}`, async () => {
      const truth = alone([bin.touch_then!, '100', how]).peak;
      expect(truth).toBeGreaterThan(100 * MiB);
      for (const r of await runs([bin.touch_then!, '100', how], { memory: 256 * MiB })) {
        expect(r).toMatchObject({ ...verdict, limit: null });
        within(r.peakMemory, truth, 0.02);
      }
    });
  }

  it('the sandbox\'s own kill (the wall-time limit of a program holding 100 MiB)', async () => {
    const truth = alone([bin.touch_then!, '100', 'exit']).peak; // the same memory, ended by itself
    for (const r of await runs([bin.touch_then!, '100', 'hold'], { memory: 256 * MiB, timeout: 0.3 })) {
      expect(r).toMatchObject({ status: 'TLE', limit: 'wall', signal: 'SIGKILL' });
      within(r.peakMemory, truth, 0.02);
    }
  });
});

describe('stacks', () => {
  it('recursion to the memory limit in the main thread (unlimited stack): MLE every time, stopped soon after the limit', async () => {
    for (const r of await runs([bin.recurse!], { memory: 128 * MiB, timeout: 10 })) {
      expect(r).toMatchObject({ status: 'MLE', limit: 'memory', signal: 'SIGKILL' });
      expect(r.peakMemory).toBeGreaterThan(128 * MiB);
      expect(r.peakMemory).toBeLessThan(192 * MiB);
      expect(r.enforced?.rlimits.stack).toBe('unlimited');
    }
  });

  it('recursion to a stack limit the caller set: RE (SIGSEGV) every time, its peak within 2% of the kernel\'s', async () => {
    const truth = alone([bin.recurse!], { STACK_KIB: String(64 * 1024) });
    expect(truth.status & 0x7f).toBe(11);
    for (const r of await runs([bin.recurse!], { memory: 256 * MiB, stack: 64 * MiB })) {
      expect(r).toMatchObject({ status: 'RE', signal: 'SIGSEGV', limit: null });
      within(r.peakMemory, truth.peak, 0.02);
    }
  });

  it('16 threads with default stacks under --memory 256 --processes 32: all 16 start (regression: 1 did)', async () => {
    const r = await runExecutable(bin.threads!, ['16', 'default'], { memory: 256 * MiB, processes: 32, ...dedicatedUid() });
    expect(r.status, text(r.stderr)).toBe('OK');
    expect(text(r.stdout)).toBe('threads: 16\n');
  });
});
