/**
 * The producer: sends one submission (its source, language, limits and checker, and its tests, uploaded once per
 * content hash) to the queue, and waits for its report. The job's id is the submission's, so sending the same
 * submission twice judges it once. Loaded only by `submit` and the library's submit().
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { JudgeReport } from '../judge/types.js';
import { connect } from './connection.js';
import { checkJob, JobError, QUEUE_DEFAULTS, type JobLimits, type JudgeJob } from './job.js';
import { uploadTestSet } from './testsets.js';
import type { JudgeJobResult } from './worker.js';

export interface SubmitOptions {
  redis: string;
  queue?: string;
  /** The source file to judge. */
  source: string;
  language?: string;
  limits?: JobLimits;
  checker?: string;
  /** The tests directory (judge's layouts). */
  tests: string;
  /** The submission's id (the job's id). Default: a random one. */
  submission?: string;
  /** How long to wait for the report, ms. Default: 10 minutes. */
  timeoutMs?: number;
  maxSubmissionBytes?: number;
  maxTestSetBytes?: number;
  /** Default true: wait for the report. False: resolve once the job is queued, with report null. */
  wait?: boolean;
  /** Progress events: tests done of total, as the worker reports them. */
  onProgress?: (p: { done: number; total: number }) => void;
}

/** The queue failed the job: a malformed job, an unknown language, a missing test set, a sandbox that failed. */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
  constructor(readonly submission: string, reason: string) {
    super(`submission ${submission} failed: ${reason}`);
  }
}

/** Sends the submission; resolves with its report once a worker judged it, rejects with JobFailedError if it failed. */
export async function submit(o: SubmitOptions & { wait: false }): Promise<{ submission: string; report: null }>;
export async function submit(o: SubmitOptions): Promise<{ submission: string; report: JudgeReport }>;
export async function submit(o: SubmitOptions): Promise<{ submission: string; report: JudgeReport | null }> {
  const queue = o.queue ?? QUEUE_DEFAULTS.queue;
  const bytes = await readFile(o.source);
  const maxSubmission = o.maxSubmissionBytes ?? QUEUE_DEFAULTS.maxSubmissionBytes;
  if (bytes.length > maxSubmission) throw new JobError(`${o.source} has ${bytes.length} bytes, more than this queue's ${maxSubmission}`);
  const submission = o.submission ?? `s-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const redis = connect(o.redis);
  const connection = connect(o.redis);
  const queueHandle = new Queue(queue, { connection });
  const eventsConnection = connect(o.redis);
  const events = new QueueEvents(queue, { connection: eventsConnection });
  try {
    const set = await uploadTestSet(redis, o.tests, { ...(o.maxTestSetBytes ? { maxBytes: o.maxTestSetBytes } : {}) });
    const data: JudgeJob = {
      v: 1, submission, source: { name: path.basename(o.source), data: bytes.toString('base64') }, testSet: set.hash,
      ...(o.language ? { language: o.language } : {}), ...(o.limits ? { limits: o.limits } : {}), ...(o.checker ? { checker: o.checker } : {}),
    };
    checkJob(data, maxSubmission); // what the worker will check: refused here, before it travels
    await events.waitUntilReady(); // listening before the job exists: no event can be missed
    if (o.onProgress) {
      events.on('progress', ({ jobId, data: p }) => {
        if (jobId === submission && typeof p === 'object' && p !== null) o.onProgress!(p as { done: number; total: number });
      });
    }
    const job = await queueHandle.add('judge', data, {
      jobId: submission, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 },
    });
    if (o.wait === false) return { submission, report: null };
    let result: JudgeJobResult;
    try {
      result = await job.waitUntilFinished(events, o.timeoutMs ?? 10 * 60_000) as JudgeJobResult;
    } catch (e) {
      throw new JobFailedError(submission, (e as Error).message);
    }
    return { submission, report: result.report };
  } finally {
    // Connections handed to BullMQ stay open when it closes: each is ended here.
    await events.close();
    await queueHandle.close();
    for (const c of [eventsConnection, connection, redis]) c.disconnect();
  }
}
