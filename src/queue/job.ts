/**
 * A judge job as it travels through the queue (BullMQ on Redis): plain JSON, validated by the worker before anything
 * runs, so a malformed job fails with a message on the job instead of a crash or a guess. The tests travel apart, as
 * a test set stored once per content hash (testsets.ts), with the problem's jury programs (a checker program, an
 * interactor) when it has them. Pure: no I/O.
 */
import { LANGUAGES } from '../lang/table.js';

const MiB = 1024 * 1024;

/** The defaults of a queue deployment (docs/queue.md). */
export const QUEUE_DEFAULTS = {
  queue: 'simple-cp-sandbox',
  /** The most bytes a submission's source or program may have. */
  maxSubmissionBytes: MiB,
  /** The most bytes a test set may have, inputs and answers together (what one costs Redis). */
  maxTestSetBytes: 64 * MiB,
  /** How long a stored test set lives without being used (seconds); each submission using it renews it. */
  testSetTtl: 7 * 24 * 3600,
  /**
   * A root worker's first uid (uids.ts): isolate's first box uid, above the uids Debian gives to accounts
   * (1000..59999) and system users (below 1000).
   */
  firstUid: 60_000,
} as const;

/** The limits a job may set, as judge()'s JudgeLimits names them (seconds, bytes, counts). */
const LIMIT_KEYS = ['timeout', 'cpuTime', 'memory', 'outputLimit', 'processes'] as const;
export type JobLimits = Partial<Record<(typeof LIMIT_KEYS)[number], number>>;

/** The interactor's limits a job may set (judge's interactorLimits; --interactor-timeout, --interactor-memory). */
const INTERACTOR_LIMIT_KEYS = ['timeout', 'memory'] as const;
export type JobInteractorLimits = Partial<Record<(typeof INTERACTOR_LIMIT_KEYS)[number], number>>;

export interface JudgeJob {
  /** The job format's version. */
  v: 1;
  /** The submission's id: the job's id too, so a submission is judged once however often it is sent. */
  submission: string;
  /** The source's file name (its extension names the language unless `language` does) and its bytes, base64. */
  source: { name: string; data: string };
  language?: string;
  limits?: JobLimits;
  /** tokens (default), exact or float:EPS. A checker program is the test set's (it belongs to the problem). */
  checker?: string;
  /** The interactor's limits, when the test set has an interactor. */
  interactorLimits?: JobInteractorLimits;
  /** The test set's content hash (sha256, hex), as uploadTestSet stored it. */
  testSet: string;
}

/** A job that cannot be judged as sent: the message says what is wrong and what to send instead. */
export class JobError extends Error {
  override readonly name = 'JobError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A file name a job or a test set may carry (a source, a jury program): no path, not hidden. */
export const plainFileName = (n: unknown): n is string => typeof n === 'string' && /^[A-Za-z0-9._+-]{1,100}$/.test(n) && !n.startsWith('.');

/** Whether `v` is base64 (padded), as jobs and test sets carry bytes. */
export const isBase64 = (v: unknown): v is string => typeof v === 'string' && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v);

/** The bytes base64 `b64` decodes to, from its length. */
export const base64Bytes = (b64: string): number => (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

/** A submission id: what BullMQ accepts as a job id and a person can read (no ':', which Redis keys use). */
export const SUBMISSION_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The job's data checked field by field; throws JobError naming the first field that is wrong. `maxSubmissionBytes`
 * bounds the decoded source.
 */
export function checkJob(data: unknown, maxSubmissionBytes: number = QUEUE_DEFAULTS.maxSubmissionBytes): JudgeJob {
  if (!isObject(data)) throw new JobError('the job is not an object: send { v: 1, submission, source, testSet, ... }');
  const known = new Set(['v', 'submission', 'source', 'language', 'limits', 'checker', 'interactorLimits', 'testSet']);
  for (const k of Object.keys(data)) if (!known.has(k)) throw new JobError(`the job has an unknown field "${k}" (known: ${[...known].join(', ')})`);
  if (data.v !== 1) throw new JobError(`the job's format version is ${JSON.stringify(data.v)}, this worker reads version 1: update the submitter or the worker`);
  if (typeof data.submission !== 'string' || !SUBMISSION_ID.test(data.submission)) {
    throw new JobError(`submission ${JSON.stringify(data.submission)} is not an id of 1 to 128 letters, digits, ".", "_" or "-"`);
  }
  const src = data.source;
  if (!isObject(src) || typeof src.name !== 'string' || typeof src.data !== 'string') {
    throw new JobError('source must be { name, data } with data the file\'s bytes in base64');
  }
  if (!plainFileName(src.name)) {
    throw new JobError(`source name ${JSON.stringify(src.name)} is not a plain file name (letters, digits, ".", "_", "+", "-")`);
  }
  if (!isBase64(src.data)) throw new JobError('source data is not base64');
  const bytes = base64Bytes(src.data);
  if (bytes > maxSubmissionBytes) throw new JobError(`the source has ${bytes} bytes, more than this queue's ${maxSubmissionBytes}`);
  if (data.language !== undefined) {
    const n = typeof data.language === 'string' ? data.language.toLowerCase() : '';
    if (!LANGUAGES.some((l) => l.name === n || l.aliases.includes(n))) {
      throw new JobError(`unknown language ${JSON.stringify(data.language)} (one of ${LANGUAGES.map((l) => l.name).join(', ')})`);
    }
  }
  checkLimits(data.limits, 'limits', LIMIT_KEYS);
  checkLimits(data.interactorLimits, 'interactorLimits', INTERACTOR_LIMIT_KEYS);
  if (data.checker !== undefined && (typeof data.checker !== 'string' || !/^(tokens|exact|float:[0-9.eE+-]+)$/.test(data.checker))) {
    throw new JobError(`checker ${JSON.stringify(data.checker)} is not tokens, exact or float:EPS (a checker program travels in the test set)`);
  }
  if (typeof data.testSet !== 'string' || !/^[0-9a-f]{64}$/.test(data.testSet)) {
    throw new JobError(`testSet ${JSON.stringify(data.testSet)} is not a sha256 hash (hex) of a stored test set`);
  }
  return data as unknown as JudgeJob;
}

function checkLimits(limits: unknown, field: string, keys: readonly string[]): void {
  if (limits === undefined) return;
  if (!isObject(limits)) throw new JobError(`${field} must be an object of numbers`);
  for (const [k, v] of Object.entries(limits)) {
    if (!keys.includes(k)) throw new JobError(`unknown ${field === 'limits' ? 'limit' : `${field} key`} "${k}" (known: ${keys.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new JobError(`${field === 'limits' ? 'limit' : field} ${k} must be a number > 0, got ${JSON.stringify(v)}`);
  }
}
