/**
 * The queue on a real redis-server (started here, test/queue/redis.ts): a submission sent with submit() is judged
 * by a worker started with startWorker() and its report comes back; a test set is stored once however many
 * submissions use it; a malformed job, an unknown language, a missing test set fail with a message on the job and
 * the worker keeps working. Every test set and job here is this file's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../dist/engine/index.js';
import { checkJob, JobError } from '../../dist/queue/job.js';
import { JobFailedError, submit } from '../../dist/queue/submit.js';
import { testSetKey, uploadTestSet } from '../../dist/queue/testsets.js';
import { startWorker, type QueueWorker } from '../../dist/queue/worker.js';
import { hasRedis, startRedis, uidsFrom, type TestRedis } from './redis.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SUM = path.join(ROOT, 'fixtures', 'judge', 'sum');
let redis: TestRedis;
let worker: QueueWorker;
let work: string;
const queue = 'scs-test';

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  work = mkdtempSync(path.join(os.tmpdir(), 'scs-queue-'));
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  for (const f of ['ac.c', 'wa.c']) copyFileSync(path.join(SUM, f), path.join(work, f));
  cpSync(path.join(SUM, 'tests'), path.join(work, 'tests'), { recursive: true });
  worker = await startWorker({ redis: redis.url, queue, concurrency: 2, ...uidsFrom(61000) });
}, 60_000);

afterAll(async () => {
  await worker?.close(true); // a test that failed may leave a job no Redis will finish
  await redis?.stop();
  await shutdown();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!hasRedis)('submit and a worker, through a real redis-server', () => {
  it('a correct a+b in C is AC on every test, its progress reported test by test; a wrong one is WA', async () => {
    const progress: Array<{ done: number; total: number }> = [];
    const ac = await submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'),
      limits: { timeout: 2 }, onProgress: (p) => progress.push(p) });
    expect(ac.report.verdict).toBe('AC');
    expect(ac.report.tests.length).toBeGreaterThan(1);
    expect(ac.report.tests.every((t) => t.verdict === 'AC')).toBe(true);
    expect(progress.at(-1)).toEqual({ done: ac.report.tests.length, total: ac.report.tests.length });
    const wa = await submit({ redis: redis.url, queue, source: path.join(work, 'wa.c'), tests: path.join(work, 'tests') });
    expect(wa.report.verdict).toBe('WA');
  }, 60_000);

  it('stores a test set once for every submission using it, and renews its time to live', async () => {
    const client = new Redis(redis.url);
    try {
      const first = await uploadTestSet(client, path.join(work, 'tests'));
      const again = await uploadTestSet(client, path.join(work, 'tests'));
      expect(again.hash).toBe(first.hash);
      expect(again.stored).toBe(false);
      expect(await client.ttl(testSetKey(first.hash))).toBeGreaterThan(0);
      expect((await client.keys('simple-cp-sandbox:tests:*')).length).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('the same submission id sent twice is judged once: the second waits for the first\'s report', async () => {
    const a = submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), submission: 'twice-1' });
    const b = submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), submission: 'twice-1' });
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.report).toEqual(rb.report);
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const job = await q.getJob('twice-1');
      expect(job?.attemptsMade).toBe(1);
    } finally {
      await q.close();
    }
  }, 60_000);

  it('bad jobs fail with a message on the job, and the worker keeps working', async () => {
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const malformed = await q.add('judge', { v: 1, submission: 'bad-1', source: { name: 'a.c', data: '***' }, testSet: 'x' }, { jobId: 'bad-1' });
      const missing = await q.add('judge', { v: 1, submission: 'bad-2', source: { name: 'a.c', data: '' }, testSet: 'a'.repeat(64) }, { jobId: 'bad-2' });
      for (const [job, why] of [[malformed, /source data is not base64/], [missing, /test set a{64} is not in Redis/]] as const) {
        for (let i = 0; i < 200 && !(await job.isFailed()); i++) await new Promise((r) => setTimeout(r, 50));
        const failed = await q.getJob(job.id!);
        expect(failed?.failedReason).toMatch(why);
        expect(failed?.attemptsMade).toBe(1);
      }
    } finally {
      await q.close();
    }
    await expect(submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), language: 'cobol' }))
      .rejects.toThrow(/unknown language "cobol"/);
    const after = await submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests') });
    expect(after.report.verdict).toBe('AC');
  }, 60_000);

  it('a job whose data is not JSON fails at once, saying so, and the worker judges the next one', async () => {
    const q = 'scs-test-raw';
    const handle = new Queue(q, { connection: { host: '127.0.0.1', port: redis.port } });
    const client = new Redis(redis.url);
    let w: QueueWorker | undefined;
    try {
      // Queued before any worker takes the queue, then its data overwritten in Redis as a client of another kind might.
      await handle.add('judge', { v: 1 }, { jobId: 'raw-1' });
      await client.hset(`bull:${q}:raw-1`, 'data', '{not json');
      w = await startWorker({ redis: redis.url, queue: q, concurrency: 1, ...uidsFrom(61050) });
      // Read from Redis itself: BullMQ's getJob cannot parse this job either.
      const isFailed = async () => (await client.zscore(`bull:${q}:failed`, 'raw-1')) !== null;
      for (let i = 0; i < 200 && !(await isFailed()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await isFailed()).toBe(true);
      const failed = await client.hgetall(`bull:${q}:raw-1`);
      expect(failed.failedReason).toMatch(/^the job's data is not JSON \(.*JSON.*\): send jobs with submit\(\)/);
      expect(failed.atm).toBe('1'); // attempts made: one, no retry
      expect(failed.data).toBe('{not json'); // kept as it was sent
      const after = await submit({ redis: redis.url, queue: q, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests') });
      expect(after.report.verdict).toBe('AC');
    } finally {
      await w?.close();
      client.disconnect();
      await handle.close();
    }
  }, 60_000);

  it('a job the worker refuses reaches the submitter as JobFailedError, with the worker\'s reason', async () => {
    // A worker whose submission limit is smaller than the submitter's: the worker's check is the one that counts.
    const small = await startWorker({ redis: redis.url, queue: 'scs-test-small', concurrency: 1, maxSubmissionBytes: 10, ...uidsFrom(61010) });
    try {
      const run = submit({ redis: redis.url, queue: 'scs-test-small', source: path.join(work, 'ac.c'), tests: path.join(work, 'tests') });
      await expect(run).rejects.toBeInstanceOf(JobFailedError);
      await expect(run).rejects.toThrow(/the source has \d+ bytes, more than this queue's 10/);
    } finally {
      await small.close();
    }
    // And the submitter's own checks refuse what no worker could judge, before anything is sent: a checker program
    // that is not there, a language nobody knows.
    const missing = submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), checker: './mine' });
    await expect(missing).rejects.toBeInstanceOf(JobError);
    await expect(missing).rejects.toThrow(/cannot read the checker \.\/mine \(ENOENT\)/);
  }, 60_000);
});

/** A worker in a child process; resolves once it takes jobs. `took` resolves with the first job id it starts. */
function childWorker(url: string, q: string, firstUid: number): { child: ChildProcess; ready: Promise<void>; took: Promise<string> } {
  const uids = uidsFrom(firstUid).firstUid === undefined ? [] : [String(firstUid)];
  const child = spawn(process.execPath, [path.join(ROOT, 'test', 'queue', 'worker-child.mjs'), url, q, '5', ...uids], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready!: () => void;
  let took!: (id: string) => void;
  const r = new Promise<void>((res) => { ready = res; });
  const t = new Promise<string>((res) => { took = res; });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) ready();
    const m = /took (\S+)\n/.exec(out);
    if (m) took(m[1]!);
  });
  return { child, ready: r, took: t };
}

describe.skipIf(!hasRedis)('nothing lost', () => {
  it('a worker killed with SIGKILL mid-job: another worker picks the job up and the submitter gets one report', async () => {
    const q = 'scs-test-kill';
    // A correct a+b that takes 2 s a test: long enough to be killed in the middle (the workers run 5 tests at once).
    const slow = path.join(work, 'slow.c');
    writeFileSync(slow, '#include <stdio.h>\n#include <unistd.h>\nint main(void){long long a,b;sleep(2);'
      + 'if(scanf("%lld %lld",&a,&b)!=2)return 1;printf("%lld\\n",a+b);return 0;}\n');
    const first = childWorker(redis.url, q, 61030);
    await first.ready;
    const started = Date.now();
    const report = submit({ redis: redis.url, queue: q, source: slow, tests: path.join(work, 'tests'), submission: 'killed-1',
      limits: { timeout: 10 } });
    expect(await first.took).toBe('killed-1');
    await new Promise((r) => setTimeout(r, 1000)); // inside its first test
    first.child.kill('SIGKILL');
    const second = childWorker(redis.url, q, 61040);
    try {
      await second.ready;
      const r = await report;
      expect(r.report.verdict).toBe('AC');
      // Picked up again within the lock and stall settings (10 s + 5 s), plus the judging itself.
      expect(Date.now() - started).toBeLessThan(60_000);
      const queueHandle = new Queue(q, { connection: { host: '127.0.0.1', port: redis.port } });
      try {
        const job = await queueHandle.getJob('killed-1');
        expect(await job?.getState()).toBe('completed');
        expect(job?.stalledCounter ?? 0).toBe(1);
      } finally {
        await queueHandle.close();
      }
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  }, 120_000);
});

describe.skipIf(!hasRedis)('Redis restarts or drops its connections', () => {
  it('Redis restarted (down 1 s) while a submission waits to be sent: worker and submitter reconnect, the report arrives', async () => {
    const restarting = redis.restart(1000);
    const r = submit({ redis: redis.url, queue, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), submission: 'restart-1' });
    await restarting;
    expect((await r).report.verdict).toBe('AC');
  }, 60_000);

  it('a job queued before Redis restarts, with no worker then, is judged after it by a new worker: Redis kept it', async () => {
    const q = 'scs-test-restart';
    const r = submit({ redis: redis.url, queue: q, source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), submission: 'kept-1' });
    const handle = new Queue(q, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
    try {
      for (let i = 0; i < 100 && !(await handle.getJob('kept-1')); i++) await new Promise((res) => setTimeout(res, 50));
      expect(await (await handle.getJob('kept-1'))?.getState()).toBe('waiting');
      await redis.restart(500);
      const w = await startWorker({ redis: redis.url, queue: q, concurrency: 1, ...uidsFrom(61020) });
      try {
        expect((await r).report.verdict).toBe('AC');
      } finally {
        await w.close();
      }
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('every client connection killed (CLIENT KILL) while a job runs: the job finishes and its report arrives', async () => {
    const slow = path.join(work, 'slow1.c');
    writeFileSync(slow, '#include <stdio.h>\n#include <unistd.h>\nint main(void){long long a,b;usleep(300000);'
      + 'if(scanf("%lld %lld",&a,&b)!=2)return 1;printf("%lld\\n",a+b);return 0;}\n');
    const r = submit({ redis: redis.url, queue, source: slow, tests: path.join(work, 'tests'), submission: 'dropped-1' });
    await new Promise((res) => setTimeout(res, 1500));
    const admin = new Redis(redis.url);
    try {
      // CLIENT KILL TYPE normal also ends this admin connection's peers; it answers how many it killed.
      expect(Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal'))).toBeGreaterThan(0);
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    expect((await r).report.verdict).toBe('AC');
  }, 60_000);
});

describe('checkJob (pure)', () => {
  const ok = { v: 1, submission: 's1', source: { name: 'a.cpp', data: Buffer.from('int main(){}').toString('base64') }, testSet: 'f'.repeat(64) };
  it('accepts a well-formed job', () => {
    expect(checkJob(ok)).toEqual(ok);
    expect(checkJob({ ...ok, language: 'PyPy3', limits: { timeout: 1, memory: 256 * 1024 * 1024 }, checker: 'float:1e-6' })).toBeTruthy();
  });
  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', 'x', /not an object/],
    ['an unknown field', { ...ok, extra: 1 }, /unknown field "extra"/],
    ['another version', { ...ok, v: 2 }, /format version is 2/],
    ['a submission id with ":"', { ...ok, submission: 'a:b' }, /not an id/],
    ['a path as the source name', { ...ok, source: { name: '../x.c', data: '' } }, /not a plain file name/],
    ['a hidden source name', { ...ok, source: { name: '.x.c', data: '' } }, /not a plain file name/],
    ['a source over the limit', { ...ok, source: { name: 'a.c', data: Buffer.alloc(2000).toString('base64') } }, /more than this queue's 1000/],
    ['an unknown language', { ...ok, language: 'cobol' }, /unknown language/],
    ['an unknown limit', { ...ok, limits: { uid: 0 } }, /unknown limit "uid"/],
    ['a negative limit', { ...ok, limits: { timeout: -1 } }, /timeout must be a number > 0/],
    ['a checker program', { ...ok, checker: './check' }, /a checker program travels in the test set/],
    ['an unknown interactor limit', { ...ok, interactorLimits: { processes: 2 } }, /unknown interactorLimits key "processes"/],
    ['a zero interactor limit', { ...ok, interactorLimits: { timeout: 0 } }, /interactorLimits timeout must be a number > 0/],
    ['a test set that is not a hash', { ...ok, testSet: 'abc' }, /not a sha256/],
  ];
  for (const [what, job, msg] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => checkJob(job, 1000)).toThrow(JobError);
      expect(() => checkJob(job, 1000)).toThrow(msg);
    });
  }
});
