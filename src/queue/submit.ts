/**
 * The producer: sends submissions (source, language, limits and checker, and the problem's tests and jury programs,
 * uploaded once per content hash) to the queue, and waits for their reports. The job's id is the submission's, so
 * sending the same submission twice judges it once. A Submitter keeps one set of connections and one listener for
 * the queue's events however many submissions it has in flight; submit() is one submission with a Submitter of its
 * own. Loaded only by `submit` and the library's submit() / openSubmitter().
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseCheckerSpec } from '../judge/checker-spec.js';
import type { JudgeReport } from '../judge/types.js';
import { connect, connected, type RedisTarget } from './connection.js';
import { checkJob, JobError, QUEUE_DEFAULTS, type JobInteractorLimits, type JobLimits, type JudgeJob } from './job.js';
import { uploadTestSet } from './testsets.js';
import type { JudgeJobResult } from './worker.js';

/** Where submissions go, and the limits the submitter checks before anything travels. */
export interface SubmitterOptions extends RedisTarget {
  queue?: string;
  maxSubmissionBytes?: number;
  /** The most bytes of a test set with its jury programs (default QUEUE_DEFAULTS.maxTestSetBytes). */
  maxTestSetBytes?: number;
  /** Seconds an uploaded test set lives unused (default QUEUE_DEFAULTS.testSetTtl). */
  testSetTtl?: number;
}

/** One submission. */
export interface Submission {
  /** The source file to judge. */
  source: string;
  language?: string;
  limits?: JobLimits;
  /** tokens, exact, float:EPS, or the path of a checker program (it travels with the test set). */
  checker?: string;
  /** An interactive problem's interactor: a program or a source (it travels with the test set). */
  interactor?: string;
  interactorLimits?: JobInteractorLimits;
  /** The tests directory (judge's layouts). */
  tests: string;
  /** The submission's id (the job's id). Default: a random one. */
  submission?: string;
  /** How long to wait for the report, ms. Default: 10 minutes. */
  timeoutMs?: number;
  /** Default true: wait for the report. False: resolve once the job is queued, with report null. */
  wait?: boolean;
  /** Progress events: tests done of total, as the worker reports them. */
  onProgress?: (p: { done: number; total: number }) => void;
}

export type SubmitOptions = SubmitterOptions & Submission;

/** The queue failed the job: a malformed job, an unknown language, a missing test set, a sandbox that failed. */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
  constructor(readonly submission: string, reason: string) {
    super(`submission ${submission} failed: ${reason}`);
  }
}

export interface Submitter {
  submit(s: Submission & { wait: false }): Promise<{ submission: string; report: null }>;
  submit(s: Submission): Promise<{ submission: string; report: JudgeReport }>;
  /** Closes the connections (submissions still waiting reject). */
  close(): Promise<void>;
}

/** A submitter on `o.queue` (default simple-cp-sandbox); rejects when Redis cannot be reached (connection.ts). */
export async function openSubmitter(o: SubmitterOptions): Promise<Submitter> {
  const queueName = o.queue ?? QUEUE_DEFAULTS.queue;
  const maxSubmission = o.maxSubmissionBytes ?? QUEUE_DEFAULTS.maxSubmissionBytes;
  const redis: Redis = await connected(o);
  const connection = connect(o);
  const eventsConnection = connect(o);
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection: eventsConnection });
  /** The progress listeners of the submissions in flight, by job id: one 'progress' listener for them all. */
  type OnProgress = (p: { done: number; total: number }) => void;
  const progress = new Map<string, Set<OnProgress>>();
  events.on('progress', ({ jobId, data }) => {
    if (typeof data === 'object' && data !== null) for (const f of progress.get(jobId) ?? []) f(data as { done: number; total: number });
  });
  try {
    await events.waitUntilReady(); // listening before any job exists: no event can be missed
  } catch (e) {
    await close();
    throw e;
  }
  async function close(): Promise<void> {
    // Connections handed to BullMQ stay open when it closes: each is ended here.
    await events.close();
    await queue.close();
    for (const c of [eventsConnection, connection, redis]) c.disconnect();
  }

  async function send(s: Submission): Promise<{ submission: string; report: JudgeReport | null }> {
    const bytes = await readFile(s.source);
    if (bytes.length > maxSubmission) throw new JobError(`${s.source} has ${bytes.length} bytes, more than this queue's ${maxSubmission}`);
    const submission = s.submission ?? `s-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const checkerProgram = s.checker !== undefined && parseCheckerSpec(s.checker).kind === 'program' ? s.checker : undefined;
    const set = await uploadTestSet(redis, s.tests, {
      ...(o.maxTestSetBytes ? { maxBytes: o.maxTestSetBytes } : {}), ...(o.testSetTtl ? { ttl: o.testSetTtl } : {}),
      ...(checkerProgram ? { checker: checkerProgram } : {}), ...(s.interactor ? { interactor: s.interactor } : {}),
    });
    const data: JudgeJob = {
      v: 1, submission, source: { name: path.basename(s.source), data: bytes.toString('base64') }, testSet: set.hash,
      ...(s.language ? { language: s.language } : {}), ...(s.limits ? { limits: s.limits } : {}),
      ...(s.checker && !checkerProgram ? { checker: s.checker } : {}),
      ...(s.interactor && s.interactorLimits ? { interactorLimits: s.interactorLimits } : {}),
    };
    checkJob(data, maxSubmission); // what the worker will check: refused here, before it travels
    const onProgress = s.onProgress;
    if (onProgress) progress.set(submission, (progress.get(submission) ?? new Set()).add(onProgress));
    try {
      const job = await queue.add('judge', data, {
        jobId: submission, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 },
      });
      // A submission sent again after it failed (its test set had expired, a worker lacked its toolchain) is judged
      // again: the same id is the same submission, and it has just been uploaded anew.
      if (await job.isFailed()) {
        await job.retry('failed').catch(async (e: unknown) => {
          if (await job.isFailed()) throw e; // else another sender retried it first
        });
      }
      if (s.wait === false) return { submission, report: null };
      let result: JudgeJobResult;
      try {
        result = await job.waitUntilFinished(events, s.timeoutMs ?? 10 * 60_000) as JudgeJobResult;
      } catch (e) {
        throw new JobFailedError(submission, (e as Error).message);
      }
      return { submission, report: result.report };
    } finally {
      if (onProgress) {
        progress.get(submission)?.delete(onProgress);
        if (progress.get(submission)?.size === 0) progress.delete(submission);
      }
    }
  }
  return { submit: send as Submitter['submit'], close };
}

/** Sends one submission; resolves with its report once a worker judged it, rejects with JobFailedError if it failed. */
export async function submit(o: SubmitOptions & { wait: false }): Promise<{ submission: string; report: null }>;
export async function submit(o: SubmitOptions): Promise<{ submission: string; report: JudgeReport }>;
export async function submit(o: SubmitOptions): Promise<{ submission: string; report: JudgeReport | null }> {
  const s = await openSubmitter(o);
  try {
    return await s.submit(o);
  } finally {
    await s.close();
  }
}
