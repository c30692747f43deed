/**
 * Resource limits on the real kernel, through the public API: processes and threads (RLIMIT_NPROC, seccomp),
 * memory, output, CPU time, wall time and stack. Each bomb is bounded by its own loop as well (fixtures/hostile),
 * so a broken sandbox cannot take the machine down; each limit has its positive control (the allowed amount
 * works). Timing bounds are generous sanity bounds, only as tight as needed to prove the limit.
 *
 * RLIMIT_NPROC counts every task of the program's real uid on the machine, and the engine adds the uid's tasks
 * at spawn to the budget (docs/principles.md, "Processes"). A root runner therefore gets an exact budget
 * only with a uid nothing else uses: the exact-count tests run as a dedicated uid. A non-root runner shares its
 * uid with vitest itself, so there only the bounds that hold whatever else the uid does are asserted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, startExecutable, type RunOptions } from '../../dist/engine/index.js';
import { compile, dedicatedUid, expectGroupGone, isRoot, MiB, outcome, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let w: string;
/** As root: a uid no other process on the machine has, so RLIMIT_NPROC's count is exact. */
const exactUid: RunOptions = dedicatedUid();

beforeAll(async () => {
  s = scratch('limits');
  bin = await compile(s, ['hostile/fork_bomb', 'hostile/threads', 'hostile/mem_bomb', 'hostile/output_flood',
    'hostile/cpu_spin', 'hostile/sleeper', 'hostile/deep_recursion', 'hostile/fork_mem', 'hostile/big_file',
    'hostile/open_many']);
  w = s.dir('w', { writable: true });
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

/** Runs with startExecutable to learn the pid (= the process group id), and checks the group is gone after. */
async function runAndCheckGroup(file: string, args: string[], opts: RunOptions) {
  const p = startExecutable(file, args, opts);
  const pgid = await p.spawned;
  const r = await p.communicate();
  await expectGroupGone(pgid);
  return r;
}

describe('processes', () => {
  it('fork bomb with processes: 1 -> no fork succeeds (seccomp EPERM; RLIMIT_NPROC = 1 EAGAIN)', async () => {
    const r = await runAndCheckGroup(bin.fork_bomb!, ['10000'], { processes: 1 });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toContain('forks: 0\n');
    expect(outcome(r.stdout, 'fork')).toMatch(/^-1 (EPERM|EAGAIN)$/);
  });

  it.runIf(isRoot)('fork bomb with processes: 4 -> exactly 3 more processes, then EAGAIN (root runner, dedicated uid)', async () => {
    const r = await runAndCheckGroup(bin.fork_bomb!, ['10000'], { processes: 4, ...exactUid });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toContain('forks: 3\n');
    expect(outcome(r.stdout, 'fork')).toBe('-1 EAGAIN');
  });

  it.runIf(!isRoot)('fork bomb with processes: 4 -> the 3 allowed forks work, the bomb is stopped and its group killed', async () => {
    const r = await runAndCheckGroup(bin.fork_bomb!, ['10000'], { processes: 4 });
    expect(r.status).toBe('OK');
    const forks = Number(/^forks: (\d+)$/m.exec(text(r.stdout))?.[1]);
    expect(forks).toBeGreaterThanOrEqual(3);
    // A non-root runner's budget is 4 + the tasks its own uid had at spawn (vitest's own threads among them,
    // engine-bugs #3): never the 10000 attempted, but not exactly 3 either.
    expect(forks).toBeLessThan(10000);
    expect(outcome(r.stdout, 'fork')).toBe('-1 EAGAIN');
  });

  it('threads with processes: 1 -> pthread_create fails', async () => {
    const r = await runExecutable(bin.threads!, ['5'], { processes: 1 });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toContain('threads: 0\n');
    expect(outcome(r.stdout, 'pthread_create')).toMatch(/^-1 (EPERM|EAGAIN)$/);
  });

  it('control: threads with processes: 8 -> 7 threads work', async () => {
    const r = await runExecutable(bin.threads!, ['7'], { processes: 8, ...exactUid });
    expect(r.status, text(r.stdout)).toBe('OK');
    expect(text(r.stdout)).toBe('threads: 7\n');
  });

  it.runIf(isRoot)('threads with processes: 8 -> the 8th thread fails (root runner, dedicated uid)', async () => {
    const r = await runExecutable(bin.threads!, ['8'], { processes: 8, ...exactUid });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toContain('threads: 7\n');
    expect(outcome(r.stdout, 'pthread_create')).toBe('-1 EAGAIN');
  });
});

describe('memory', () => {
  it('memory bomb with memory: 64 MiB -> MLE (not RE), limit memory', async () => {
    const r = await runAndCheckGroup(bin.mem_bomb!, ['4096'], { memory: 64 * MiB });
    expect(r, text(r.stdout)).toMatchObject({ status: 'MLE', limit: 'memory', timedOut: false });
    expect(text(r.stdout)).toContain('touched 16 MiB\n'); // it did run
    expect(text(r.stdout)).not.toContain('touched 256 MiB');
  });

  it('control: 48 MiB under a 64 MiB limit is OK', async () => {
    const r = await runExecutable(bin.mem_bomb!, ['48'], { memory: 64 * MiB });
    expect(r, text(r.stdout)).toMatchObject({ status: 'OK', limit: null });
    expect(text(r.stdout)).toContain('touched 48 MiB\n');
  });

  it.skipIf(!fs.existsSync('/usr/bin/python3'))('one allocation far over the cap (Python MemoryError) -> MLE, not RE', async () => {
    // 4 GiB against a 64 MiB limit: RLIMIT_DATA (2 x 64 MiB + 1 GiB) refuses it while the program is small.
    const r = await runExecutable('/usr/bin/python3', ['-c', 'x = bytearray(4 << 30)'], { memory: 64 * MiB });
    expect(text(r.stderr)).toContain('MemoryError');
    expect(r).toMatchObject({ status: 'MLE', limit: 'memory', exitCode: 1 });
  });

  it.skipIf(!fs.existsSync('/usr/bin/python3'))('memory reserved but not touched is not counted (regression: RLIMIT_AS refused it)', async () => {
    // 200 MiB of private writable memory against a 64 MiB limit: mapped (and counted by RLIMIT_DATA), never touched.
    const r = await runExecutable('/usr/bin/python3', ['-c', 'import mmap; x = mmap.mmap(-1, 200 << 20, flags=mmap.MAP_PRIVATE); print(len(x))'],
      { memory: 64 * MiB });
    expect(r).toMatchObject({ status: 'OK', limit: null, exitCode: 0 });
    expect(text(r.stdout)).toBe(`${200 << 20}\n`);
    expect(r.peakMemory).toBeLessThan(64 * MiB);
  });

  it.skipIf(!fs.existsSync('/usr/bin/python3'))('control: a failed run that prints nothing about memory stays RE', async () => {
    const r = await runExecutable('/usr/bin/python3', ['-c', 'import sys; sys.exit("some other error")'], { memory: 64 * MiB });
    expect(r).toMatchObject({ status: 'RE', limit: null, exitCode: 1 });
  });
});

describe('memory with more than one process', () => {
  it('a child process touching 100 MiB under memory: 64 MiB -> MLE (every process of the run is held to the limit)', async () => {
    // Control first: the same program within the limit (3 children x 16 MiB) is OK, so a failure below is the limit.
    // processes: 16 leaves slack for the per-uid budget (engine-bugs #3); this test is about memory.
    const ok = await runExecutable(bin.fork_mem!, ['3', '16'], { processes: 16, memory: 64 * MiB, ...exactUid });
    expect(ok, text(ok.stdout)).toMatchObject({ status: 'OK' });
    expect(text(ok.stdout)).toContain('children ok: 3\n');

    const r = await runAndCheckGroup(bin.fork_mem!, ['1', '100'], { processes: 16, memory: 64 * MiB, ...exactUid });
    expect(r, text(r.stdout)).toMatchObject({ status: 'MLE', limit: 'memory' });
  });
});

describe('files', () => {
  it('a file larger than fileSize: 1 MiB -> OLE (SIGXFSZ); the file stops at the limit', async () => {
    const f = path.join(w, 'big-attack');
    const r = await runAndCheckGroup(bin.big_file!, [f, '2048'], { fileSize: MiB, config: { writeAllowPaths: [w] } });
    expect(r).toMatchObject({ status: 'OLE', limit: 'output', signal: 'SIGXFSZ' });
    expect(fs.statSync(f).size).toBe(MiB);
  });

  it('control: a file of exactly fileSize is written whole', async () => {
    const f = path.join(w, 'big-control');
    const r = await runExecutable(bin.big_file!, [f, '1024'], { fileSize: MiB, config: { writeAllowPaths: [w] } });
    expect(r).toMatchObject({ status: 'OK', limit: null });
    expect(text(r.stdout)).toContain(`written: ${MiB}\n`);
    expect(fs.statSync(f).size).toBe(MiB);
  });

  it('opening fds without end with openFiles: 16 -> EMFILE after 13 (0, 1, 2 are open)', async () => {
    const r = await runExecutable(bin.open_many!, ['100000'], { openFiles: 16 });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toContain('opened: 13\n');
    expect(outcome(r.stdout, 'open(/dev/null)')).toBe('-1 EMFILE');
  });

  it('control: 10 fds under openFiles: 16 all open', async () => {
    const r = await runExecutable(bin.open_many!, ['10'], { openFiles: 16 });
    expect(text(r.stdout)).toBe('opened: 10\n');
  });
});

describe('output', () => {
  it('stdout flood with outputLimit: 1 MiB -> OLE, stdoutTruncated, exactly 1 MiB kept', async () => {
    const r = await runAndCheckGroup(bin.output_flood!, ['stdout'], { outputLimit: MiB });
    expect(r).toMatchObject({ status: 'OLE', limit: 'output', stdoutTruncated: true, stderrTruncated: false });
    expect(r.stdout.length).toBe(MiB);
    expect(r.stdout.every((b) => b === 0x78)).toBe(true);
  });

  it('stderr flood with outputLimit: 1 MiB -> OLE, stderrTruncated, exactly 1 MiB kept', async () => {
    const r = await runAndCheckGroup(bin.output_flood!, ['stderr'], { outputLimit: MiB });
    expect(r).toMatchObject({ status: 'OLE', limit: 'output', stdoutTruncated: false, stderrTruncated: true });
    expect(r.stderr.length).toBe(MiB);
  });

  it('control: exactly outputLimit bytes is OK and complete, on both streams', async () => {
    for (const stream of ['stdout', 'stderr'] as const) {
      const r = await runExecutable(bin.output_flood!, [stream, '1024'], { outputLimit: MiB });
      expect(r).toMatchObject({ status: 'OK', limit: null, stdoutTruncated: false, stderrTruncated: false });
      expect(r[stream].length).toBe(MiB);
    }
  });
});

describe('time', () => {
  it('CPU spin with cpuTime: 0.5 -> TLE (cpu), killed within 150 ms of CPU past the limit', async () => {
    const r = await runAndCheckGroup(bin.cpu_spin!, [], { cpuTime: 0.5 });
    expect(r).toMatchObject({ status: 'TLE', limit: 'cpu', timedOut: true, signal: 'SIGKILL' });
    expect(r.cpuTime).toBeGreaterThanOrEqual(0.5);
    expect(r.cpuTime).toBeLessThan(0.5 + 0.15);
  });

  it('sleep with timeout: 0.5 -> TLE (wall), timedOut, little CPU', async () => {
    const r = await runAndCheckGroup(bin.sleeper!, ['30'], { timeout: 0.5 });
    expect(r).toMatchObject({ status: 'TLE', limit: 'wall', timedOut: true, signal: 'SIGKILL' });
    expect(r.wallTime).toBeGreaterThanOrEqual(0.5);
    expect(r.wallTime).toBeLessThan(3);
    expect(r.cpuTime).toBeLessThan(0.1);
  });

  it('control: a 0.1 s sleep under timeout: 2 is OK', async () => {
    const r = await runExecutable(bin.sleeper!, ['0.1'], { timeout: 2 });
    expect(r).toMatchObject({ status: 'OK', timedOut: false, limit: null, exitCode: 0 });
  });
});

describe('stack', () => {
  it('recursion 1e6 deep with stack: 1 MiB -> RE with SIGSEGV', async () => {
    const r = await runExecutable(bin.deep_recursion!, ['1000000'], { stack: MiB });
    expect(r).toMatchObject({ status: 'RE', signal: 'SIGSEGV', exitCode: null, limit: null });
    expect(text(r.stdout)).toBe('');
  });

  it('control: recursion 1e6 deep works with the default stack', async () => {
    const r = await runExecutable(bin.deep_recursion!, ['1000000']);
    expect(r.status, text(r.stderr)).toBe('OK');
    expect(text(r.stdout)).toMatch(/^depth 1000000 reached/);
  });
});
