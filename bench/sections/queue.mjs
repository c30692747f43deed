// 12. The queue: 100 a+b submissions in C (10 tests each) through BullMQ on a local redis-server, judged by 1 and by
// 2 workers (`simple-cp-sandbox worker` processes, one submission at a time each) and sent by one Submitter with 10
// in flight, against the same 100 judged with judge() here, 1 and 2 at a time; and the queue's overhead per
// submission, one at a time: through a Submitter, and through submit() (which opens and closes its connections).
// Skipped, with a note, without redis-server.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../lib/redis.mjs';
import { expect, nowMs } from '../lib/util.mjs';

const SUM = fileURLToPath(new URL('../../fixtures/judge/sum/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/simple-cp-sandbox.js', import.meta.url));

/** A `simple-cp-sandbox worker` process; resolves once it takes jobs. As root, each has a uid of its own (`firstUid`). */
function workerProcess(url, queue, env, firstUid) {
  const uids = process.geteuid?.() === 0 ? ['--first-uid', String(firstUid)] : [];
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--queue', queue, '--concurrency', '1', ...uids],
    { stdio: ['ignore', 'ignore', 'pipe'], env });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => { log += d; if (log.includes('taking jobs')) resolve(); });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before taking jobs: ${log}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return { ready, async stop() { child.kill('SIGTERM'); await exited; } };
}

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
  const { openSubmitter, submit } = await import('../../dist/queue/index.js');
  const work = mkdtempSync(path.join(tmpdir(), 'scs-bench-queue-'));
  const savedCache = process.env.SIMPLE_CP_SANDBOX_CACHE;
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  const n = ctx.quick ? 10 : 100;
  const source = path.join(work, 'sum.c');
  copyFileSync(path.join(SUM, 'ac.c'), source);
  cpSync(path.join(SUM, 'tests'), path.join(work, 'tests'), { recursive: true });
  const tests = path.join(work, 'tests');
  const rows = [];
  const latRows = [];
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
    const env = { ...process.env };
    const withWorkers = async (workers, q, body) => {
      const ws = Array.from({ length: workers }, (_, k) => workerProcess(redis.url, q, env, 62000 + k));
      try {
        await Promise.all(ws.map((w) => w.ready));
        return await body();
      } finally {
        await Promise.all(ws.map((w) => w.stop()));
      }
    };
    const queued = (workers, q) => withWorkers(workers, q, async () => {
      const s = await openSubmitter({ redis: redis.url, queue: q });
      try {
        await s.submit({ source, tests, submission: `${q}-warm` }); // each worker's first job compiles (its own set path)
        if (workers > 1) await Promise.all([1, 2, 3].map((k) => s.submit({ source, tests, submission: `${q}-warm-${k}` })));
        const t0 = nowMs();
        // 10 in flight, as a course server would send them.
        await batch(n, 10, async (i) => {
          const r = await s.submit({ source, tests, submission: `${q}-${i}` });
          expect(r.report.verdict === 'AC', `queued: ${r.report.verdict}`);
        });
        return nowMs() - t0;
      } finally {
        await s.close();
      }
    });
    const m = ctx.quick ? 5 : 30;
    /** One at a time, m of each: a local judge(), a Submitter's submit, and a one-shot submit(); median ms each. */
    const latency = () => withWorkers(1, 'bench-latency', async () => {
      const s = await openSubmitter({ redis: redis.url, queue: 'bench-latency' });
      try {
        await s.submit({ source, tests, submission: 'lat-warm' });
        // Interleaved, one of each in turn: a judge() right after a pause is slower than one of a tight loop, and
        // every queued submission is after a pause for this process; interleaving gives the three the same conditions.
        const times = { local1: [], shared: [], oneShot: [] };
        const timed = async (k, one) => { const t0 = nowMs(); await one(); times[k].push(nowMs() - t0); };
        for (let i = 0; i < m; i++) {
          await timed('local1', async () => { expect((await judge({ source, tests, jobs: 1 })).verdict === 'AC', 'local'); });
          await timed('shared', async () => { expect((await s.submit({ source, tests, submission: `lat-s-${i}` })).report.verdict === 'AC', 'shared'); });
          await timed('oneShot', async () => {
            expect((await submit({ redis: redis.url, queue: 'bench-latency', source, tests, submission: `lat-o-${i}` })).report.verdict === 'AC', 'one-shot');
          });
        }
        const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
        const [local1, shared, oneShot] = [median(times.local1), median(times.shared), median(times.oneShot)];
        return { local1, shared, oneShot };
      } finally {
        await s.close();
      }
    });
    const l1 = await local(1);
    const q1 = await queued(1, 'bench-q1');
    const l2 = await local(2);
    const q2 = await queued(2, 'bench-q2');
    const lat = await latency();
    const rate = (ms) => (n / (ms / 1000)).toFixed(1);
    rows.push(['local judge(), 1 at a time', (l1 / 1000).toFixed(2), rate(l1), '']);
    rows.push(['queue, 1 worker process', (q1 / 1000).toFixed(2), rate(q1), ((q1 - l1) / n).toFixed(1)]);
    rows.push(['local judge(), 2 at a time', (l2 / 1000).toFixed(2), rate(l2), '']);
    rows.push(['queue, 2 worker processes', (q2 / 1000).toFixed(2), rate(q2), ((q2 - l2) / n).toFixed(1)]);
    latRows.push(['local judge()', lat.local1.toFixed(1), '']);
    latRows.push(['queue, one Submitter', lat.shared.toFixed(1), (lat.shared - lat.local1).toFixed(1)]);
    latRows.push(['queue, submit() (its own connections)', lat.oneShot.toFixed(1), (lat.oneShot - lat.local1).toFixed(1)]);
    Object.assign(raw, { n, localOneMs: l1, queueOneMs: q1, localTwoMs: l2, queueTwoMs: q2, latency: { m, ...lat } });
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
      notes: ['Workers are `simple-cp-sandbox worker --concurrency 1` processes on this machine, tests one at a time; one '
        + 'Submitter in the bench process with 10 submissions in flight, each uploading its test set (stored once: the '
        + 'rest find it by hash). The compile cache is warm for all (each worker\'s first job, not timed, fills it for '
        + 'its own test set path). Overhead: (queue - local at the same parallelism) / submissions. Measured once each, '
        + 'in this order, with redis-server and the submitter sharing the same 2 cores as the workers.'],
    }, {
      title: 'Queue: one submission at a time, 1 worker process (latency)',
      columns: ['how', 'ms per submission', 'over local (ms)'],
      rows: latRows,
      notes: [`${raw.latency?.m ?? ''} submissions each, one after another, the three kinds in turn; medians. submit() opens and `
        + 'closes its connections and its QueueEvents every time; a Submitter keeps them. A judge() here right after a pause '
        + 'is slower than in the tight loop of the first table, hence the interleaving.'],
    }],
    raw,
  };
}
