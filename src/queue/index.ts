/**
 * simple-cp-sandbox/queue: judging on many machines through a BullMQ queue on Redis (docs/queue.md). A module of its
 * own, so that bullmq and ioredis are loaded only by who uses the queue.
 */
export { FIRST_CONNECT_MS } from './connection.js';
export { redact } from './redact.js';
export type { RedisTarget } from './connection.js';
export { checkJob, JobError, QUEUE_DEFAULTS, SUBMISSION_ID } from './job.js';
export type { JobInteractorLimits, JobLimits, JudgeJob } from './job.js';
export { JobFailedError, openSubmitter, submit } from './submit.js';
export type { Submission, SubmitOptions, Submitter, SubmitterOptions } from './submit.js';
export { fetchTestSet, testSetKey, uploadTestSet } from './testsets.js';
export type { TestSet, UploadOptions } from './testsets.js';
export { startWorker, WORKER_TIMING } from './worker.js';
export type { JudgeJobResult, QueueWorker, WorkerOptions } from './worker.js';
