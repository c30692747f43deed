// 12. The queue: 100 a+b submissions in C (10 tests each) through BullMQ on a local redis-server, judged by 1 and by
// 2 workers (in this process, one submission at a time each), against the same 100 judged with judge() here, 1 and 2
// at a time; and the queue's overhead per submission (queue with 1 worker minus local 1 at a time, per submission).
// Skipped, with a note, without redis-server.
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../lib/redis.mjs';
import { expect, nowMs } from '../lib/util.mjs';

const SUM = fileURLToPath(new URL('../../fixtures/judge/sum/', import.meta.url));

async function batch(n, concurrency, one) {
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; await one(i); } };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function queue(ctx) {
  const redis = await startRedis();
  if (!redis) {
    return { tables: [{ title: 'Queue: skipped (redis-server is not installed: apt-get install redis-server)', columns: ['-'], rows: [], notes: [] }], skipped: true };
  }
  const { judge } = await import('../../dist/judge/index.js');
  const { startWorker, submit } = await import('../../dist/queue/index.js');
  const work = mkdtempSync(path.join(tmpdir(), 'scs-bench-queue-'));
  const savedCache = process.env.SIMPLE_CP_SANDBOX_CACHE;
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  const n = ctx.quick ? 10 : 100;
  const source = path.join(work, 'sum.c');
  copyFileSync(path.join(SUM, 'ac.c'), source);
  cpSync(path.join(SUM, 'tests'), path.join(work, 'tests'), { recursive: true });
  const tests = path.join(work, 'tests');
  const rows = [];
  const raw = {};
  try {
    await judge({ source, tests, jobs: 1 }); // the compile cache is warm for every contender alike
    const local = async (concurrency) => {
      const t0 = nowMs();
      await batch(n, concurrency, async () => {
        const r = await judge({ source, tests, jobs: 1 });
        expect(r.verdict === 'AC', `local judge: ${r.verdict}`);
      });
      return nowMs() - t0;
    };
    const queued = async (workers, q) => {
      const ws = [];
      for (let i = 0; i < workers; i++) ws.push(await startWorker({ redis: redis.url, queue: q, concurrency: 1, jobs: 1 }));
      try {
        const t0 = nowMs();
        // 10 submitters at a time, as a course server would send them.
        await batch(n, 10, async (i) => {
          const r = await submit({ redis: redis.url, queue: q, source, tests, submission: `${q}-${i}` });
          expect(r.report.verdict === 'AC', `queued: ${r.report.verdict}`);
        });
        return nowMs() - t0;
      } finally {
        for (const w of ws) await w.close();
      }
    };
    const l1 = await local(1);
    const q1 = await queued(1, 'bench-q1');
    const l2 = await local(2);
    const q2 = await queued(2, 'bench-q2');
    const rate = (ms) => (n / (ms / 1000)).toFixed(1);
    rows.push(['local judge(), 1 at a time', (l1 / 1000).toFixed(2), rate(l1), '']);
    rows.push(['queue, 1 worker', (q1 / 1000).toFixed(2), rate(q1), ((q1 - l1) / n).toFixed(1)]);
    rows.push(['local judge(), 2 at a time', (l2 / 1000).toFixed(2), rate(l2), '']);
    rows.push(['queue, 2 workers', (q2 / 1000).toFixed(2), rate(q2), ((q2 - l2) / n).toFixed(1)]);
    Object.assign(raw, { n, localOneMs: l1, queueOneMs: q1, localTwoMs: l2, queueTwoMs: q2 });
  } finally {
    if (savedCache === undefined) delete process.env.SIMPLE_CP_SANDBOX_CACHE;
    else process.env.SIMPLE_CP_SANDBOX_CACHE = savedCache;
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return {
    tables: [{
      title: `Queue: ${n} a+b submissions in C, 10 tests each, through BullMQ on a local redis-server vs judge() here`,
      columns: ['how', 'seconds', 'submissions/s', 'queue overhead per submission (ms)'],
      rows,
      notes: ['Workers in this process, one submission at a time each, tests one at a time; submit() 10 at a time, each with '
        + 'its own connections and its test set upload (stored once: the rest find it by hash). The compile cache is warm '
        + 'for all. Overhead: (queue - local at the same parallelism) / submissions. Measured once each, in this order.'],
    }],
    raw,
  };
}
