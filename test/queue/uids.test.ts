/**
 * A root worker's uids (src/queue/uids.ts): each job judged at once runs as a uid of its own, so that RLIMIT_NPROC
 * (which counts every task of a uid on the machine) is each job's own budget. The attack it stops: a job that
 * starts many processes after another job started takes from that job's budget when both share a uid; the control
 * shows it with two local judge() runs sharing one. And a worker refuses uids that already run something.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../dist/engine/index.js';
import { judge } from '../../dist/judge/index.js';
import { submit } from '../../dist/queue/submit.js';
import { startWorker, type QueueWorker } from '../../dist/queue/worker.js';
import { hasRedis, startRedis, type TestRedis } from './redis.js';

const root = process.geteuid?.() === 0;
const FIRST = 61400;
const queue = 'scs-uids';

/**
 * Input "u": prints its uid and sleeps 2 s. "late": sleeps 3 s, then starts 6 children and prints how many it could
 * start. "many": starts 35 children at once (each sleeps 5 s) and prints how many it could.
 */
const PROGRAM = `#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static int children(int n, unsigned s) {
  int ok = 0;
  for (int i = 0; i < n; i++) { pid_t p = fork(); if (p == 0) { sleep(s); _exit(0); } if (p > 0) ok++; }
  return ok;
}
int main(void) {
  char what[16] = "";
  if (scanf("%15s", what) != 1) return 2;
  if (!strcmp(what, "u")) { printf("%u\\n", (unsigned)getuid()); fflush(stdout); sleep(2); return 0; }
  int ok = !strcmp(what, "late") ? (sleep(3), children(6, 1)) : children(35, 5);
  printf("%d\\n", ok);
  fflush(stdout);
  while (wait(NULL) > 0) {}
  return 0;
}
`;

let redis: TestRedis;
let worker: QueueWorker | undefined;
let work: string;
const tests = (name: string) => path.join(work, `tests-${name}`);

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'scs-uids-'));
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  writeFileSync(path.join(work, 'prog.c'), PROGRAM);
  for (const [name, input, answer] of [['u', 'u', 'nobody'], ['late', 'late', '6'], ['many', 'many', '35']]) {
    mkdirSync(tests(name!));
    writeFileSync(path.join(tests(name!), '1.in'), `${input}\n`);
    writeFileSync(path.join(tests(name!), '1.out'), `${answer}\n`);
  }
  if (!hasRedis || !root) return;
  redis = await startRedis();
  worker = await startWorker({ redis: redis.url, queue, concurrency: 2, firstUid: FIRST });
}, 60_000);

afterAll(async () => {
  await worker?.close(true);
  await redis?.stop();
  await shutdown();
  if (work) rmSync(work, { recursive: true, force: true });
});

const LATE = { timeout: 15, processes: 8 };
const MANY = { timeout: 15, processes: 40 };

/** Resolves once the job `id` of `q` is being judged. */
async function active(q: Queue, id: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await (await q.getJob(id))?.getState() === 'active') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} never became active`);
}

describe.skipIf(!hasRedis || !root)('a root worker: a uid of its own per job judged at once', () => {
  it('two jobs at once run as the worker\'s two uids', async () => {
    const runs = await Promise.all(['uid-1', 'uid-2'].map((submission) => submit({ redis: redis.url, queue, submission,
      source: path.join(work, 'prog.c'), tests: tests('u'), limits: { timeout: 10 } })));
    // The answer is "nobody": each report's WA message quotes the uid the program printed.
    const uids = runs.map((r) => /got "?(\d+)"?/.exec(r.report.tests[0]!.message)?.[1]).sort();
    expect(uids).toEqual([String(FIRST), String(FIRST + 1)]);
    expect(worker!.uids).toEqual({ first: FIRST, last: FIRST + 1 });
  }, 60_000);

  it('control: with one uid for both, a job starting processes after another started takes from its budget', async () => {
    const user = { uid: FIRST + 50, gid: FIRST + 50 };
    const late = judge({ source: path.join(work, 'prog.c'), tests: tests('late'), jobs: 1, limits: { ...LATE, ...user } });
    await new Promise((r) => setTimeout(r, 1500)); // compiled, and sleeping before its forks
    const many = judge({ source: path.join(work, 'prog.c'), tests: tests('many'), jobs: 1, limits: { ...MANY, ...user } });
    const [l, m] = await Promise.all([late, many]);
    console.log(`shared uid: late started ${l.tests[0]!.message || 'all 6'}, many ${m.verdict}`);
    expect(m.verdict).toBe('AC');
    expect(l.verdict).toBe('WA'); // fewer than its 6 children
  }, 60_000);

  it('the same two jobs through the worker: each has its budget to itself, both AC', async () => {
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const late = submit({ redis: redis.url, queue, submission: 'late-1', source: path.join(work, 'prog.c'), tests: tests('late'), limits: LATE });
      await active(q, 'late-1');
      await new Promise((r) => setTimeout(r, 1000));
      const many = submit({ redis: redis.url, queue, submission: 'many-1', source: path.join(work, 'prog.c'), tests: tests('many'), limits: MANY });
      const [l, m] = await Promise.all([late, many]);
      expect(m.report.verdict).toBe('AC');
      expect(l.report.verdict).toBe('AC');
    } finally {
      await q.close();
    }
  }, 60_000);

  it('a uid of the range that runs something: the worker refuses to start, naming it; once free, it starts', async () => {
    const busy = FIRST + 61;
    const sleeper = spawn('/bin/sleep', ['30'], { uid: busy, gid: busy, stdio: 'ignore' });
    try {
      await new Promise((r) => sleeper.once('spawn', r));
      await expect(startWorker({ redis: redis.url, queue: 'scs-uids-busy', concurrency: 2, firstUid: FIRST + 60 }))
        .rejects.toThrow(new RegExp(`uid ${busy} runs 1 task\\(s\\).*uses ${FIRST + 60}\\.\\.${FIRST + 61}`));
    } finally {
      sleeper.kill('SIGKILL');
    }
    await new Promise((r) => sleeper.once('exit', r));
    const w = await startWorker({ redis: redis.url, queue: 'scs-uids-busy', concurrency: 2, firstUid: FIRST + 60 });
    await w.close();
  }, 30_000);
});

describe('the uids a worker may be given', () => {
  it.skipIf(!root)('root: a range past the largest uid, or uid 0, is refused', async () => {
    await expect(startWorker({ redis: 'redis://127.0.0.1:1', concurrency: 2, firstUid: 0xfffffffe })).rejects.toThrow(/firstUid \(--first-uid\) must be a whole number from 1 to 4294967293/);
    await expect(startWorker({ redis: 'redis://127.0.0.1:1', concurrency: 1, firstUid: 0 })).rejects.toThrow(/firstUid/);
  });

  it.skipIf(root)('not root: firstUid is refused (the programs run as this user)', async () => {
    await expect(startWorker({ redis: 'redis://127.0.0.1:1', firstUid: FIRST })).rejects.toThrow(/only a root worker runs programs as other users/);
  });

  it('a concurrency past 1024 is refused', async () => {
    await expect(startWorker({ redis: 'redis://127.0.0.1:1', concurrency: 1025 })).rejects.toThrow(/concurrency must be a whole number from 1 to 1024/);
  });
});
