/**
 * A queue worker: takes judge jobs from a BullMQ queue and runs them with judge() on this machine, reporting
 * progress per test. The sandbox is the security boundary; the queue only carries work (docs/principles.md, "The
 * queue"). Loaded only by `worker` and the library's startWorker (bullmq and ioredis are not imported otherwise).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine } from '../engine/engine.js';
import { judge } from '../judge/index.js';
import { MAX_JOBS, type JudgeReport } from '../judge/types.js';
import { connect, connected, type RedisTarget } from './connection.js';
import { checkJob, JobError, QUEUE_DEFAULTS } from './job.js';
import { TestSetDirs } from './testsets.js';
import { claimUids, type UidPool } from './uids.js';

/**
 * Lock and stall settings: a worker renews its jobs' locks every lockDuration / 2; a job whose lock lapsed (its
 * worker was killed) is found by another worker's stall check, every stalledInterval, and run again. So a killed
 * worker's job runs again within about lockDuration + stalledInterval (15 s).
 */
export const WORKER_TIMING = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 2 } as const;

export interface WorkerOptions extends RedisTarget {
  queue?: string;
  /** Jobs judged at once. Default: the number of cores. */
  concurrency?: number;
  /**
   * Root only: the first of the uids the jobs' programs run as, one per job judged at once (firstUid ..
   * firstUid + concurrency - 1, each its own gid too); none may run anything when the worker starts. Default 60000.
   * A worker that is not root runs them as its own user.
   */
  firstUid?: number;
  /** Tests run at once within one job. Default 1: the jobs are what runs in parallel. */
  jobs?: number;
  /** The most bytes of a job's source this worker judges (default QUEUE_DEFAULTS.maxSubmissionBytes). */
  maxSubmissionBytes?: number;
  /** The most bytes of a test set, jury programs included, this worker reads (default QUEUE_DEFAULTS.maxTestSetBytes). */
  maxTestSetBytes?: number;
  /** The time to live, seconds, a set gets again each time a job uses it (default QUEUE_DEFAULTS.testSetTtl). */
  testSetTtl?: number;
  engine?: Engine;
}

/** What a job returns: the submission and judge()'s report, as `judge --json` prints it. */
export interface JudgeJobResult {
  submission: string;
  report: JudgeReport;
}

export interface QueueWorker {
  /**
   * Stops taking jobs, waits for the running ones (or, with `force`, does not: they are picked up again elsewhere
   * once their locks lapse), and closes the connections.
   */
  close(force?: boolean): Promise<void>;
  /** The BullMQ worker, for its events. */
  readonly worker: Worker;
  /** The directory this worker keeps its test sets in (one directory per hash, hidden from the programs it judges). */
  readonly testSets: string;
  /** The uids its jobs' programs run as (a root worker), or null: they run as the worker's own user. */
  readonly uids: { first: number; last: number } | null;
}

/** Jobs whose data was not JSON, with the parser's message (JudgeWorker.createJob). */
const unparsable = new WeakMap<Job, string>();

/**
 * BullMQ parses a job's data before the processor sees it; data that is not JSON (written to Redis by hand, or by
 * a client of another kind) throws there, and the job would sit active until its stalls failed it with no reason
 * given. Here it becomes a job with null data that the processor fails at once, saying why.
 */
class JudgeWorker extends Worker {
  protected override createJob(data: Parameters<Worker['createJob']>[0], jobId: string): Job {
    try {
      return super.createJob(data, jobId);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      const job = super.createJob({ ...data, data: 'null' }, jobId);
      unparsable.set(job, e.message);
      return job;
    }
  }
}

async function judgeJob(job: Job, o: WorkerOptions, redis: Redis, sets: TestSetDirs, uids: UidPool | null): Promise<JudgeJobResult> {
  const notJson = unparsable.get(job);
  if (notJson !== undefined) throw new UnrecoverableError(`the job's data is not JSON (${notJson}): send jobs with submit(), as checkJob describes`);
  let j;
  try {
    j = checkJob(job.data, o.maxSubmissionBytes ?? QUEUE_DEFAULTS.maxSubmissionBytes);
  } catch (e) {
    // A job that cannot be judged as sent fails at once, without retries: its message says why.
    throw new UnrecoverableError((e as Error).message);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'scs-job-'));
  let uid: number | null = null;
  try {
    uid = uids?.take() ?? null;
    // The program's working directory: its user (the job's uid for a root worker) must be able to enter it,
    // wherever the worker itself was started. The tests in it are hidden from the program (judge's hideAnswers).
    await chmod(dir, 0o755);
    const source = path.join(dir, j.source.name);
    await writeFile(source, Buffer.from(j.source.data, 'base64'), { mode: 0o644 });
    let held;
    try {
      held = await sets.use(redis, j.testSet, o.testSetTtl ?? QUEUE_DEFAULTS.testSetTtl, o.maxTestSetBytes ?? QUEUE_DEFAULTS.maxTestSetBytes);
    } catch (e) {
      if (e instanceof JobError) throw new UnrecoverableError(e.message);
      throw e;
    }
    let report;
    try {
      const set = held.set;
      if (set.checker !== null && j.checker !== undefined) {
        throw new UnrecoverableError(`the job names checker ${j.checker}, and its test set has a checker program: send one of the two`);
      }
      if (set.interactor === null && j.interactorLimits !== undefined) {
        throw new UnrecoverableError('the job sets interactorLimits, and its test set has no interactor');
      }
      const total = set.tests.length;
      let done = 0;
      report = await judge({
        source, tests: set.tests, ...(j.language ? { language: j.language } : {}),
        ...(set.checker !== null ? { checker: set.checker } : j.checker ? { checker: j.checker } : {}),
        ...(set.interactor !== null ? { interactor: set.interactor, interactorLimits: j.interactorLimits ?? {} } : {}),
        // Every set this worker keeps is hidden from the program (its own set is, as tests always are); the jury
        // programs read theirs.
        hidePaths: [sets.root],
        // A root worker's job runs as a uid of its own (uids.ts); the job's limits cannot name one (job.ts).
        limits: { ...(j.limits ?? {}), cwd: dir, ...(uid === null ? {} : { uid, gid: uid }) },
        jobs: o.jobs ?? 1, ...(o.engine ? { engine: o.engine } : {}),
        // A progress update that fails (Redis gone, the worker closing) is not the judging's failure.
        onProgress: () => { done++; job.updateProgress({ done, total }).catch(() => {}); },
      });
    } finally {
      await held.release();
    }
    return { submission: j.submission, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
    // judge() has ended, so have its programs: the gate reports a run once the program's group is dead.
    if (uid !== null) uids?.give(uid);
  }
}

/** Starts a worker on queue `o.queue` (default simple-cp-sandbox); it runs until close(). */
export async function startWorker(o: WorkerOptions): Promise<QueueWorker> {
  const queue = o.queue ?? QUEUE_DEFAULTS.queue;
  const concurrency = o.concurrency ?? os.availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_JOBS) {
    throw new RangeError(`concurrency must be a whole number from 1 to ${MAX_JOBS}, got ${concurrency}`);
  }
  const root = process.geteuid?.() === 0;
  if (!root && o.firstUid !== undefined) {
    throw new RangeError('firstUid (--first-uid): only a root worker runs programs as other users (this one runs them as its own)');
  }
  const uids = root ? await claimUids(o.firstUid ?? QUEUE_DEFAULTS.firstUid, concurrency) : null;
  // The first connection proves the URL, the password and the certificate, or startWorker rejects saying which failed.
  const redis = await connected(o);
  let connection: Redis | undefined;
  let setsDir: string | undefined;
  let worker: Worker | undefined;
  try {
    connection = connect(o);
    // The worker's test sets (testsets.ts), its own directory; the program's user may enter it, and the judge hides
    // it from the program it runs.
    setsDir = await mkdtemp(path.join(os.tmpdir(), 'scs-testsets-'));
    await chmod(setsDir, 0o711);
    const sets = new TestSetDirs(setsDir);
    worker = new JudgeWorker(queue, (job) => judgeJob(job, o, redis, sets, uids), { connection, concurrency, autorun: true, ...WORKER_TIMING });
    await worker.waitUntilReady();
  } catch (e) {
    // Nothing of a worker that did not start is left behind.
    await worker?.close(true).catch(() => {});
    connection?.disconnect();
    redis.disconnect();
    if (setsDir) await rm(setsDir, { recursive: true, force: true });
    throw e;
  }
  const [w, conn, dir] = [worker, connection, setsDir];
  return {
    worker: w,
    testSets: dir,
    uids: uids === null ? null : { first: uids.first, last: uids.last },
    async close(force = false) {
      await w.close(force);
      conn.disconnect();
      redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
