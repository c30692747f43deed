/**
 * The problem's jury programs travel in its test set: a testlib checker program (compiled here with gcc, run on the
 * worker as it is) and an interactor (a C source the worker compiles). A set with a jury is stored once, like any
 * other; a job that names a checker word for a set with a checker program, and a set bigger than the worker's limit,
 * fail with their reasons. The hostile test: a submission that knows where its worker keeps the jury and the answers
 * tries to read them, and cannot; its control, the same program run outside the sandbox as the worker's own user,
 * reads both.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../dist/engine/index.js';
import { JobFailedError, openSubmitter, submit, type Submitter } from '../../dist/queue/submit.js';
import { FILE_COST, TestSetDirs, testSetKey, uploadTestSet } from '../../dist/queue/testsets.js';
import { JobError } from '../../dist/queue/job.js';
import { startWorker, type QueueWorker } from '../../dist/queue/worker.js';
import { ROOT } from '../cli/helpers.js';
import { hasRedis, startRedis, uidsFrom, type TestRedis } from './redis.js';

const SPLIT = path.join(ROOT, 'fixtures', 'judge', 'split');
const GUESS = path.join(ROOT, 'fixtures', 'judge', 'interactive');
const queue = 'scs-jury';
let redis: TestRedis;
let worker: QueueWorker;
let submitter: Submitter;
let work: string;

const gcc = (src: string, out: string) => {
  const r = spawnSync('gcc', ['-O2', '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc ${src}: ${r.stderr}`);
};

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  work = mkdtempSync(path.join(os.tmpdir(), 'scs-queue-jury-'));
  chmodSync(work, 0o755);
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  for (const f of ['ac.c', 'pe.c']) copyFileSync(path.join(SPLIT, f), path.join(work, f));
  cpSync(path.join(SPLIT, 'tests'), path.join(work, 'split-tests'), { recursive: true });
  gcc(path.join(SPLIT, 'checker.c'), path.join(work, 'checker'));
  copyFileSync(path.join(GUESS, 'interactor.c'), path.join(work, 'interactor.c'));
  copyFileSync(path.join(GUESS, 'solution.c'), path.join(work, 'guess.c'));
  cpSync(path.join(GUESS, 'tests'), path.join(work, 'guess-tests'), { recursive: true });
  worker = await startWorker({ redis: redis.url, queue, concurrency: 2, ...uidsFrom(61100) });
  submitter = await openSubmitter({ redis: redis.url, queue });
}, 60_000);

afterAll(async () => {
  await submitter?.close();
  await worker?.close(true);
  await redis?.stop();
  await shutdown();
  if (work) rmSync(work, { recursive: true, force: true });
});

const w = (f: string) => path.join(work, f);

describe.skipIf(!hasRedis)('jury programs in the test set', () => {
  it('a checker program: AC for any right split, WA (a presentation error) for a wrong format, with its words', async () => {
    const ac = await submitter.submit({ source: w('ac.c'), tests: w('split-tests'), checker: w('checker') });
    expect(ac.report.verdict).toBe('AC');
    expect(ac.report.tests.map((t) => t.message).join(' | ')).toMatch(/ok/);
    const pe = await submitter.submit({ source: w('pe.c'), tests: w('split-tests'), checker: w('checker') });
    expect(pe.report.verdict).toBe('WA');
    expect(pe.report.tests[0]!.message).not.toBe('');
  }, 90_000);

  it('an interactor source, compiled on the worker, with its limits: AC with the interactor\'s words', async () => {
    const r = await submitter.submit({ source: w('guess.c'), tests: w('guess-tests'), interactor: w('interactor.c'),
      interactorLimits: { timeout: 5 } });
    expect(r.report.verdict).toBe('AC');
    expect(r.report.tests[0]!.message).toMatch(/^ok guessed/);
    expect(r.report.tests[0]!.interactor).toMatchObject({ status: 'OK', exitCode: 0 });
  }, 120_000);

  it('a set with a jury is stored once per content; another checker is another set', async () => {
    const client = new Redis(redis.url);
    try {
      const a = await uploadTestSet(client, w('split-tests'), { checker: w('checker') });
      const b = await uploadTestSet(client, w('split-tests'), { checker: w('checker') });
      expect(a.hash).toBe(b.hash);
      expect(b.stored).toBe(false);
      const plain = await uploadTestSet(client, w('split-tests'));
      expect(plain.hash).not.toBe(a.hash);
      const stored = JSON.parse((await client.get(testSetKey(a.hash)))!) as { checker: { name: string } };
      expect(stored.checker.name).toBe('checker');
    } finally {
      client.disconnect();
    }
  }, 30_000);

  it('a job naming a checker word for a set with a checker program, and a set over the worker\'s limit, fail with their reasons', async () => {
    const client = new Redis(redis.url);
    const q = new Queue(queue, { connection: client });
    try {
      const set = await uploadTestSet(client, w('split-tests'), { checker: w('checker') });
      const job = await q.add('judge', { v: 1, submission: 'both-checkers', source: { name: 'a.c', data: Buffer.from('int main(){}').toString('base64') },
        checker: 'exact', testSet: set.hash }, { jobId: 'both-checkers' });
      await expect.poll(async () => (await q.getJob(job.id!))?.failedReason ?? '', { timeout: 20_000 })
        .toMatch(/names checker exact, and its test set has a checker program: send one of the two/);
    } finally {
      await q.close();
      client.disconnect();
    }
    const small = await startWorker({ redis: redis.url, queue: 'scs-jury-small', concurrency: 1, maxTestSetBytes: 1000, ...uidsFrom(61110) });
    try {
      const run = submit({ redis: redis.url, queue: 'scs-jury-small', source: w('ac.c'), tests: w('split-tests'), checker: w('checker') });
      await expect(run).rejects.toBeInstanceOf(JobFailedError);
      await expect(run).rejects.toThrow(/test set [0-9a-f]{64} has \d+ bytes(,| in Redis, far) more than this worker's limit of 1000/);
    } finally {
      await small.close();
    }
  }, 60_000);
});

describe.skipIf(!hasRedis)('hostile: a submission reaching for its worker\'s jury and answers', () => {
  it('cannot read the checker or an answer of its own test set, nor another set\'s answer; outside the sandbox the same program reads all three', async () => {
    const client = new Redis(redis.url);
    let hash;
    try {
      hash = (await uploadTestSet(client, w('split-tests'), { checker: w('checker') })).hash;
    } finally {
      client.disconnect();
    }
    // Another problem's set, on the worker's disk since a submission used it.
    await submitter.submit({ source: w('ac.c'), tests: w('split-tests') }); // its verdict does not matter here
    const otherHash = await (async () => {
      const c = new Redis(redis.url);
      try { return (await uploadTestSet(c, w('split-tests'))).hash; } finally { c.disconnect(); }
    })();
    expect(existsSync(path.join(worker.testSets, otherHash, '1.out'))).toBe(true);
    const setDir = path.join(worker.testSets, hash);
    const targets = [path.join(setDir, 'jury', 'checker', 'checker'), path.join(setDir, '1.out'), path.join(worker.testSets, otherHash, '1.out')];
    // It prints what it tried; it exits 42 when any read succeeds, else it answers the test (n = 1 + (n-1)).
    const thief = w('thief.c');
    writeFileSync(thief, `#include <stdio.h>\n#include <errno.h>\n#include <string.h>\n#include <fcntl.h>\n#include <unistd.h>\n
int main(void) {
  const char *t[] = { ${targets.map((t) => JSON.stringify(t)).join(', ')} };
  int got = 0;
  for (int i = 0; i < 3; i++) {
    int fd = open(t[i], O_RDONLY);
    char b[8];
    ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b);
    fprintf(stderr, "open+read(%s): %s\\n", t[i], n >= 0 ? "READ" : strerror(errno));
    if (n >= 0) got = 1;
  }
  if (got) return 42;
  long n;
  if (scanf("%ld", &n) != 1) return 1;
  printf("1 %ld\\n", n - 1);
  return 0;
}\n`);
    const r = await submitter.submit({ source: thief, tests: w('split-tests'), checker: w('checker') });
    expect(r.report.tests.map((t) => [t.verdict, t.exitCode])).toEqual(r.report.tests.map(() => ['AC', 0]));
    // The control: the worker's own user, outside the sandbox, once the set is on the worker's disk.
    gcc(thief, w('thief'));
    const free = spawnSync(w('thief'), { input: '10\n', encoding: 'utf8' });
    expect(free.stderr).toContain(`open+read(${targets[0]}): READ`);
    expect(free.stderr).toContain(`open+read(${targets[1]}): READ`);
    expect(free.stderr).toContain(`open+read(${targets[2]}): READ`);
    expect(free.status).toBe(42);
  }, 90_000);
});

describe.skipIf(!hasRedis)('test sets: limits, names, a worker\'s directory of sets', () => {
  it('each file counts at least FILE_COST bytes: many tiny tests are refused by the submitter and by a worker', async () => {
    const tiny = w('tiny');
    mkdirSync(tiny);
    for (let i = 0; i < 20; i++) { writeFileSync(path.join(tiny, `${i}.in`), '1\n'); writeFileSync(path.join(tiny, `${i}.out`), '1\n'); }
    const client = new Redis(redis.url);
    try {
      await expect(uploadTestSet(client, tiny, { maxBytes: 39 * FILE_COST })).rejects.toThrow(/count more than \d+ bytes \(each file at least 4096\)/);
      const ok = await uploadTestSet(client, tiny, { maxBytes: 40 * FILE_COST });
      expect(ok.bytes).toBe(40 * FILE_COST);
    } finally {
      client.disconnect();
    }
  }, 30_000);

  it('a test name a worker would refuse is refused by the submitter, before anything is sent', async () => {
    const odd = w('odd');
    mkdirSync(odd);
    writeFileSync(path.join(odd, 'a b.in'), '2\n');
    writeFileSync(path.join(odd, 'a b.out'), '1 1\n');
    const client = new Redis(redis.url);
    try {
      const up = uploadTestSet(client, odd);
      await expect(up).rejects.toBeInstanceOf(JobError);
      await expect(up).rejects.toThrow(/test "a b" in .* does not have a plain name/);
    } finally {
      client.disconnect();
    }
  }, 30_000);

  it('a set a job still uses is not evicted; once released, the least recently used idle ones are', async () => {
    const client = new Redis(redis.url);
    const root = mkdtempSync(path.join(os.tmpdir(), 'scs-sets-'));
    try {
      const dirs = new TestSetDirs(root, 1);
      const hashes = [];
      hashes.push((await uploadTestSet(client, w('split-tests'))).hash);
      hashes.push((await uploadTestSet(client, w('split-tests'), { interactor: w('interactor.c') })).hash);
      hashes.push((await uploadTestSet(client, w('split-tests'), { checker: w('checker') })).hash);
      const a = await dirs.use(client, hashes[0]!);
      const b = await dirs.use(client, hashes[1]!);
      await b.release();
      const c = await dirs.use(client, hashes[2]!); // b went when released (over keep = 1, idle); a is held
      expect(existsSync(path.join(root, hashes[0]!, '1.in'))).toBe(true);
      expect(existsSync(a.set.tests[0]!.answer!)).toBe(true);
      expect(existsSync(path.join(root, hashes[1]!))).toBe(false);
      await a.release();
      await c.release();
      expect(existsSync(path.join(root, hashes[0]!))).toBe(false); // idle and older than c
      expect(existsSync(path.join(root, hashes[2]!, 'set.json'))).toBe(true);
    } finally {
      client.disconnect();
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);

  it('a submission that failed is judged again when sent again with its id', async () => {
    const q = 'scs-jury-again';
    const small = await startWorker({ redis: redis.url, queue: q, concurrency: 1, maxTestSetBytes: 1000, ...uidsFrom(61120) });
    const s = { redis: redis.url, queue: q, source: w('ac.c'), tests: w('split-tests'), checker: w('checker'), submission: 'again-1' };
    try {
      await expect(submit(s)).rejects.toThrow(/more than this worker's limit of 1000/);
    } finally {
      await small.close();
    }
    const big = await startWorker({ redis: redis.url, queue: q, concurrency: 1, ...uidsFrom(61130) });
    try {
      expect((await submit(s)).report.verdict).toBe('AC');
    } finally {
      await big.close();
    }
  }, 60_000);
});
