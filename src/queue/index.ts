/**
 * simple-cp-sandbox/queue: judging on many machines through a BullMQ queue on Redis (docs/queue.md). A module of its
 * own, so that bullmq and ioredis are loaded only by who uses the queue.
 */
export { checkJob, JobError, QUEUE_DEFAULTS, SUBMISSION_ID } from './job.js';
export type { JobLimits, JudgeJob } from './job.js';
export { JobFailedError, submit } from './submit.js';
export type { SubmitOptions } from './submit.js';
export { fetchTestSet, testSetKey, uploadTestSet } from './testsets.js';
export { startWorker, WORKER_TIMING } from './worker.js';
export type { JudgeJobResult, QueueWorker, WorkerOptions } from './worker.js';
