/**
 * `worker` and `submit` as data (the registry in commands.ts lists them). Light: the implementations (worker.ts,
 * submit.ts here, src/queue) and bullmq and ioredis are loaded only when one of them runs.
 */
import { QUEUE_DEFAULTS, SUBMISSION_ID } from '../queue/job.js';
import { CliUsageError } from './errors.js';
import { CHECKER_OPTION, JUDGE_JSON_OPTION, TESTS_OPTION } from './judge-options.js';
import { LANG_OPTION, parseWhole, RUN_OPTIONS, type OptionDef } from './options.js';
import type { Subcommand } from './types.js';

const REDIS_OPTION: OptionDef<string> = {
  key: 'redis', flag: '--redis', valueName: 'URL', repeatable: false,
  parse: (raw) => {
    if (!/^rediss?:\/\/[^\s]+$/.test(raw)) {
      throw new CliUsageError(`invalid value for --redis: ${JSON.stringify(raw)} (expected redis://[:PASSWORD@]HOST[:PORT][/DB], or rediss:// for TLS)`);
    }
    return raw;
  },
  description: 'the Redis the queue lives in: redis://[:PASSWORD@]HOST[:PORT][/DB], rediss:// for TLS (required)',
  defaultText: null, example: '--redis redis://:secret@10.0.0.5:6379/0', libraryKey: null,
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
  parse: parseWhole('--concurrency', 1, 'a number of submissions judged at once'),
  description: 'submissions judged at once on this machine', defaultText: 'the number of cores', example: '--concurrency 2',
  libraryKey: null,
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

const limit = (key: string): OptionDef => RUN_OPTIONS.find((o) => o.key === key)!;

export const WORKER_COMMAND: Subcommand = {
  name: 'worker',
  summary: 'take judge jobs from a queue on Redis and judge them on this machine until SIGTERM or SIGINT (then finish '
    + 'the running ones and exit 0)',
  options: [REDIS_OPTION, QUEUE_OPTION, CONCURRENCY_OPTION],
  examples: ['simple-cp-sandbox worker --redis redis://127.0.0.1:6379', 'simple-cp-sandbox worker --redis rediss://:pw@judge-redis:6380 --concurrency 2'],
  runsPrograms: true,
  load: () => import('./worker.js'),
};

export const SUBMIT_COMMAND: Subcommand = {
  name: 'submit',
  summary: 'send one source and its tests to the queue, wait for a worker\'s report and print it as judge does (exit '
    + '0, 1 or 125 as judge)',
  options: [REDIS_OPTION, QUEUE_OPTION, TESTS_OPTION, { ...LANG_OPTION }, CHECKER_OPTION, limit('timeout'), limit('cpuTime'),
    limit('memory'), limit('outputLimit'), limit('processes'), SUBMISSION_OPTION, NO_WAIT_OPTION, JUDGE_JSON_OPTION],
  arguments: [{ syntax: '<source>', description: 'the source file to judge (its language from its extension, or --lang)' }],
  examples: ['simple-cp-sandbox submit --redis redis://127.0.0.1:6379 --tests tests solution.cpp',
    'simple-cp-sandbox submit --redis redis://127.0.0.1:6379 --tests tests --json --timeout 1 solution.py'],
  load: () => import('./submit.js'),
};
