/**
 * `worker` and `submit` as data (the registry in commands.ts lists them). Light: the implementations (worker.ts,
 * submit.ts here, src/queue) and bullmq and ioredis are loaded only when one of them runs.
 */
import { redact } from '../queue/redact.js';
import { MAX_JOBS } from '../judge/types.js';
import { QUEUE_DEFAULTS, SUBMISSION_ID } from '../queue/job.js';
import { CliUsageError } from './errors.js';
import {
  CHECKER_OPTION, INTERACTOR_MEMORY_OPTION, INTERACTOR_OPTION, INTERACTOR_TIMEOUT_OPTION, JUDGE_JSON_OPTION, TESTS_OPTION,
} from './judge-options.js';
import { LANG_OPTION, parseWhole, RUN_OPTIONS, type OptionDef } from './options.js';
import type { Subcommand } from './types.js';

/** The environment variable that stands for --redis: it keeps a password out of the process list (ps shows argv). */
export const REDIS_ENV = 'SIMPLE_CP_SANDBOX_REDIS';

/** A Redis URL as --redis and $SIMPLE_CP_SANDBOX_REDIS take it; `where` names the one at fault. */
export function parseRedisUrl(raw: string, where = '--redis'): string {
  if (!/^rediss?:\/\/[^\s]+$/i.test(raw)) {
    throw new CliUsageError(`invalid value for ${where}: ${JSON.stringify(redact(raw))} (expected redis://[:PASSWORD@]HOST[:PORT][/DB], or rediss:// for TLS)`);
  }
  return raw;
}

const REDIS_OPTION: OptionDef<string> = {
  key: 'redis', flag: '--redis', valueName: 'URL', repeatable: false,
  parse: (raw) => parseRedisUrl(raw),
  description: 'the Redis the queue lives in: redis://[:PASSWORD@]HOST[:PORT][/DB], rediss:// for TLS (required); a URL '
    + `with a password is better in $${REDIS_ENV}, which ps does not show`,
  defaultText: `$${REDIS_ENV}`, example: '--redis redis://10.0.0.5:6379/0', libraryKey: null,
};

const QUEUE_OPTION: OptionDef<string> = {
  key: 'queue', flag: '--queue', valueName: 'NAME', repeatable: false,
  parse: (raw) => {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(raw)) throw new CliUsageError(`invalid value for --queue: ${JSON.stringify(raw)} (expected letters, digits, ".", "_", "-")`);
    return raw;
  },
  description: 'the queue\'s name', defaultText: QUEUE_DEFAULTS.queue, example: '--queue course-2026', libraryKey: null,
};

const CONCURRENCY_OPTION: OptionDef<number> = {
  key: 'concurrency', flag: '--concurrency', valueName: 'N', repeatable: false,
  parse: parseWhole('--concurrency', 1, 'a number of submissions judged at once', MAX_JOBS),
  description: 'submissions judged at once on this machine', defaultText: 'the number of cores', example: '--concurrency 2',
  libraryKey: null,
};

const FIRST_UID_OPTION: OptionDef<number> = {
  key: 'firstUid', flag: '--first-uid', valueName: 'UID', repeatable: false,
  parse: parseWhole('--first-uid', 1, 'a uid'),
  description: 'root only: the jobs\' programs run as UID .. UID + N - 1 (N the concurrency), one uid (and gid) per job '
    + 'judged at once, so that each job has its process budget to itself; none of them may run anything when the worker starts',
  defaultText: String(QUEUE_DEFAULTS.firstUid), example: '--first-uid 61000', libraryKey: null,
};

const NO_WAIT_OPTION: OptionDef<true> = {
  key: 'noWait', flag: '--no-wait', valueName: null, repeatable: false, parse: () => true,
  description: 'print the submission\'s id once it is queued, instead of waiting for its report',
  defaultText: null, example: '--no-wait', libraryKey: null,
};

const SUBMISSION_OPTION: OptionDef<string> = {
  key: 'submission', flag: '--submission', valueName: 'ID', repeatable: false,
  parse: (raw) => {
    if (!SUBMISSION_ID.test(raw)) throw new CliUsageError(`invalid value for --submission: ${JSON.stringify(raw)} (expected 1 to 128 letters, digits, ".", "_", "-")`);
    return raw;
  },
  description: 'the submission\'s id (the same id is judged once, however often it is sent)', defaultText: 'a random one',
  example: '--submission alice-42', libraryKey: null,
};

const REDIS_CA_OPTION: OptionDef<string> = {
  key: 'redisCa', flag: '--redis-ca', valueName: 'FILE', repeatable: false,
  parse: (raw) => {
    if (raw === '' || raw.includes('\0')) throw new CliUsageError(`invalid value for --redis-ca: ${JSON.stringify(raw)} (expected a PEM file)`);
    return raw;
  },
  description: 'the CA certificates (PEM) a rediss:// server\'s certificate must verify against, instead of Node\'s '
    + 'built-in list',
  defaultText: 'Node\'s list and NODE_EXTRA_CA_CERTS', example: '--redis-ca /etc/judge/redis-ca.pem', libraryKey: null,
};

const MAX_SUBMISSION_OPTION: OptionDef<number> = {
  key: 'maxSubmissionBytes', flag: '--max-submission-bytes', valueName: 'BYTES', repeatable: false,
  parse: parseWhole('--max-submission-bytes', 1, 'a number of bytes'),
  description: 'the largest source a job may carry; a bigger one fails with the reason (set it alike on workers and submitters)',
  defaultText: String(QUEUE_DEFAULTS.maxSubmissionBytes), example: '--max-submission-bytes 262144', libraryKey: null,
};

const MAX_TEST_SET_OPTION: OptionDef<number> = {
  key: 'maxTestSetBytes', flag: '--max-test-set-bytes', valueName: 'BYTES', repeatable: false,
  parse: parseWhole('--max-test-set-bytes', 1, 'a number of bytes'),
  description: 'the largest test set, inputs, answers and jury programs together, stored in Redis (it costs Redis that '
    + 'and a third more) or read from it',
  defaultText: String(QUEUE_DEFAULTS.maxTestSetBytes), example: '--max-test-set-bytes 268435456', libraryKey: null,
};

const TEST_SET_TTL_OPTION: OptionDef<number> = {
  key: 'testSetTtl', flag: '--test-set-ttl', valueName: 'S', repeatable: false,
  parse: parseWhole('--test-set-ttl', 60, 'a number of seconds'),
  description: 'how long a stored test set lives in Redis after its last use (each submission and each job using it renews it)',
  defaultText: `${QUEUE_DEFAULTS.testSetTtl} (7 days)`, example: '--test-set-ttl 86400', libraryKey: null,
};

const limit = (key: string): OptionDef => RUN_OPTIONS.find((o) => o.key === key)!;

/** The connection and size options `worker` and `submit` share. */
const QUEUE_COMMON = [REDIS_OPTION, REDIS_CA_OPTION, QUEUE_OPTION, MAX_SUBMISSION_OPTION, MAX_TEST_SET_OPTION, TEST_SET_TTL_OPTION];

/** Exported for the docs' tables (scripts/gen-readme-options.mjs). */
export const WORKER_COMMAND: Subcommand = {
  name: 'worker',
  summary: 'take judge jobs from a queue on Redis and judge them on this machine until SIGTERM or SIGINT (then finish '
    + 'the running ones and exit 0)',
  options: [...QUEUE_COMMON, CONCURRENCY_OPTION, FIRST_UID_OPTION],
  examples: ['simple-cp-sandbox worker --redis redis://127.0.0.1:6379', 'SIMPLE_CP_SANDBOX_REDIS=rediss://:pw@judge-redis:6380 simple-cp-sandbox worker --redis-ca ca.pem --concurrency 2'],
  runsPrograms: true,
  load: () => import('./worker.js'),
};

export const SUBMIT_COMMAND: Subcommand = {
  name: 'submit',
  summary: 'send one source and its tests to the queue, wait for a worker\'s report and print it as judge does (exit '
    + '0, 1 or 125 as judge)',
  options: [...QUEUE_COMMON, TESTS_OPTION, { ...LANG_OPTION }, CHECKER_OPTION, INTERACTOR_OPTION, INTERACTOR_TIMEOUT_OPTION,
    INTERACTOR_MEMORY_OPTION, limit('timeout'), limit('cpuTime'), limit('memory'), limit('outputLimit'), limit('processes'),
    SUBMISSION_OPTION, NO_WAIT_OPTION, JUDGE_JSON_OPTION],
  arguments: [{ syntax: '<source>', description: 'the source file to judge (its language from its extension, or --lang)' }],
  examples: ['simple-cp-sandbox submit --redis redis://127.0.0.1:6379 --tests tests solution.cpp',
    'simple-cp-sandbox submit --redis redis://127.0.0.1:6379 --tests tests --json --timeout 1 solution.py',
    'simple-cp-sandbox submit --redis redis://127.0.0.1:6379 --tests tests --interactor interactor.cpp solution.cpp'],
  load: () => import('./submit.js'),
};
