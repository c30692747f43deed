/**
 * `simple-cp-sandbox judge` as data (the registry in commands.ts lists it): its options, arguments and examples.
 * Light on purpose — commands.ts is loaded on every CLI start; the implementation (judge.ts, the library in
 * src/judge/index.ts) is imported only when `judge` runs.
 *
 * The limits and sandbox options are the run command's own OptionDefs (src/cli/options.ts), so parsing, --help
 * and the mapping to RunOptions (toRunOptions) are the same; only the words of two descriptions change (a judge
 * reports TLE, it does not exit 124).
 */
import { DEFAULT_CHECKER, parseCheckerSpec } from '../judge/checker-spec.js';
import { JudgeConfigError } from '../judge/errors.js';
import { MAX_JOBS, type JudgeReport } from '../judge/types.js';
import { CliUsageError } from './errors.js';
import {
  JSON_OPTION, LANG_OPTION, NO_CACHE_OPTION, RUN_OPTIONS, SOURCE_EXTENSIONS, parseMebibytes, parseSeconds, parseWhole, type OptionDef,
} from './options.js';
import type { Subcommand } from './types.js';

function runOption(key: string, changes: Partial<OptionDef> = {}): OptionDef {
  const d = RUN_OPTIONS.find((o) => o.key === key);
  if (!d) throw new Error(`internal error: no run option ${key}`);
  return { ...d, ...changes };
}

function nonEmpty(flag: string, what: string): (raw: string) => string {
  return (raw) => {
    if (raw === '' || raw.includes('\0')) throw new CliUsageError(`invalid value for ${flag}: ${JSON.stringify(raw)} (expected ${what})`);
    return raw;
  };
}

export const TESTS_OPTION: OptionDef<string> = {
  key: 'tests', flag: '--tests', valueName: 'DIR', repeatable: false,
  parse: nonEmpty('--tests', 'a directory of tests'),
  description: 'the tests: NAME.in with NAME.out or NAME.ans beside it, or DIR/input/NAME with DIR/output/NAME; '
    + 'run in natural order (t2 before t10) (required)',
  defaultText: null, example: '--tests tests/', libraryKey: null,
};

export const CHECKER_OPTION: OptionDef<string> = {
  key: 'checker', flag: '--checker', valueName: 'CHECKER', repeatable: false,
  parse: (raw) => {
    try {
      parseCheckerSpec(raw);
    } catch (e) {
      if (e instanceof JudgeConfigError) throw new CliUsageError(e.message.replace(/^invalid checker/, 'invalid value for --checker:'));
      throw e;
    }
    return raw;
  },
  description: 'tokens (whitespace-separated tokens equal), exact (bytes equal), float:EPS (tokens; numbers equal '
    + 'within EPS, absolute or relative) or the PATH of a testlib-compatible checker, run as `PATH input output '
    + 'answer` in its own sandbox (exit 0 AC, 1 WA, 2 presentation error, 3 checker failure)',
  defaultText: DEFAULT_CHECKER, example: '--checker float:1e-6', libraryKey: null,
};

export const INTERACTOR_OPTION: OptionDef<string> = {
  key: 'interactor', flag: '--interactor', valueName: 'PATH', repeatable: false,
  parse: nonEmpty('--interactor', 'an interactor program or source'),
  description: 'an interactive problem: run PATH (a program, or a source compiled once) for each test as `PATH input '
    + 'tout [answer]` in its own sandbox, its stdout the solution\'s stdin and the solution\'s stdout its stdin; its exit '
    + 'code is the verdict (0 AC, 1 WA, 2 PE, 3 FAIL), or --checker\'s on tout when given; tests need no answer',
  defaultText: null, example: '--interactor ./interactor', libraryKey: null,
};

export const INTERACTOR_TIMEOUT_OPTION: OptionDef<number> = {
  key: 'interactorTimeout', flag: '--interactor-timeout', valueName: 'S', repeatable: false,
  parse: parseSeconds('--interactor-timeout'),
  description: 'the interactor\'s wall and CPU limit in seconds',
  defaultText: 'the solution\'s limits + 2 s', example: '--interactor-timeout 5', libraryKey: null,
};

export const INTERACTOR_MEMORY_OPTION: OptionDef<number> = {
  key: 'interactorMemory', flag: '--interactor-memory', valueName: 'MiB', repeatable: false,
  parse: parseMebibytes('--interactor-memory'),
  description: 'the interactor\'s memory limit in MiB',
  defaultText: '1024', example: '--interactor-memory 512', libraryKey: null,
};

export const JOBS_OPTION: OptionDef<number> = {
  key: 'jobs', flag: '--jobs', valueName: 'N', repeatable: false,
  parse: parseWhole('--jobs', 1, 'a number of tests run at once', MAX_JOBS),
  description: 'tests run at once, each in its own sandbox and measured on its own',
  defaultText: 'the number of cores', example: '--jobs 4', libraryKey: null,
};

export const JUNIT_OPTION: OptionDef<string> = {
  key: 'junit', flag: '--junit', valueName: 'FILE', repeatable: false,
  parse: nonEmpty('--junit', 'a file to write'),
  description: 'also write a JUnit XML report to FILE: one testcase per test, a failure with the verdict and message',
  defaultText: null, example: '--junit judge.xml', libraryKey: null,
};

export const STOP_OPTION: OptionDef<true> = {
  key: 'stopOnFirstFailure', flag: '--stop-on-first-failure', valueName: null, repeatable: false,
  parse: () => true,
  description: 'stop at the first test (in test order) that is not AC; the tests after it are reported as not run',
  defaultText: null, example: '--stop-on-first-failure', libraryKey: null,
};

export const JUDGE_JSON_OPTION: OptionDef<true> = {
  ...JSON_OPTION,
  description: 'print the report as one JSON object { verdict, tests, skipped, summary, error } instead of the table',
};

/** Every option of `judge`, in the order --help shows them. */
export const JUDGE_OPTIONS: readonly OptionDef[] = [
  TESTS_OPTION,
  CHECKER_OPTION,
  LANG_OPTION,
  NO_CACHE_OPTION,
  INTERACTOR_OPTION,
  INTERACTOR_TIMEOUT_OPTION,
  INTERACTOR_MEMORY_OPTION,
  runOption('timeout', { description: 'wall-clock limit of each test in seconds (TLE when hit)' }),
  runOption('cpuTime', { description: 'CPU-time limit (user + system) of each test in seconds (TLE when hit)' }),
  runOption('memory', { description: 'memory limit of each test in MiB: peak resident memory above it is MLE' }),
  runOption('outputLimit', { description: 'bytes kept per stream (stdout, stderr); a program writing more is OLE' }),
  runOption('writeLimit'),
  runOption('processes'),
  JOBS_OPTION,
  JUDGE_JSON_OPTION,
  JUNIT_OPTION,
  STOP_OPTION,
  runOption('denyRead'),
  runOption('allowWrite'),
  runOption('env'),
  runOption('cwd'),
  runOption('user', { description: 'root only: the uid (and gid, default the uid) the program and the checker run as' }),
  runOption('landlockAbi', { description: 'use at most this Landlock ABI for every run of the judging (compile, tests, '
    + 'checker, interactor); what an older ABI lacks is enforced another way (docs/principles.md)' }),
];

/** The --json object for a judge that could not run: the report's shape, with `error` set. */
export function judgeErrorReport(message: string): JudgeReport & { error: string } {
  return {
    verdict: 'SE', compile: null, tests: [], skipped: [],
    summary: { passed: 0, total: 0, skipped: 0, maxCpuTime: 0, maxPeakMemory: 0 },
    error: message,
  };
}

export const JUDGE_COMMAND: Subcommand = {
  name: 'judge',
  summary: 'compile a source (or take a program) and run it on a folder of tests: a verdict per test (AC WA TLE MLE RE '
    + 'OLE SE FAIL, or CE), a summary, --json and JUnit reports; exit 0 when every test is AC, 1 when one is not or the '
    + 'source did not compile, 125 when judging failed',
  options: JUDGE_OPTIONS,
  arguments: [
    { syntax: '<program>', description: `the program to judge (a path, or a name looked up in PATH), or a source file `
      + `(${SOURCE_EXTENSIONS}, or any file with --lang), compiled once in its own sandbox` },
    { syntax: '[args...]', description: 'its arguments, after `--` when they start with a dash (the judge\'s options '
      + 'may come before or after the program)' },
  ],
  examples: [
    'simple-cp-sandbox judge --tests tests solution.cpp',
    'simple-cp-sandbox judge solution.py --tests tests --lang pypy3',
    'simple-cp-sandbox judge --tests tests ./solution',
    'simple-cp-sandbox judge --tests tests --timeout 1 --memory 256 --jobs 4 ./solution',
    'simple-cp-sandbox judge --tests tests --checker float:1e-6 ./solution',
    'simple-cp-sandbox judge --tests tests --checker ./checker --junit judge.xml ./solution',
    'simple-cp-sandbox judge --tests tests --json --stop-on-first-failure ./solution',
    'simple-cp-sandbox judge --tests tests --interactor ./interactor solution.cpp',
  ],
  runsPrograms: true,
  errorJson: (message) => judgeErrorReport(message),
  load: () => import('./judge.js'),
};
