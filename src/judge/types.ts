/**
 * The public shapes of judge mode. Units are seconds and bytes, as in the engine (src/engine/types.ts).
 *
 * One report shape for every judged outcome (execa's one result): `judge()` returns it, `--json` prints it, the
 * text table and the JUnit file are made from it. A run that could not be judged at all (bad tests directory,
 * missing program or checker, bad option) is not a report: judge() rejects, the CLI exits 125.
 */
import type { Engine } from '../engine/engine.js';
import type { RunOptions, RunStatus } from '../engine/types.js';
import type { CompileLimits, CompileReport } from '../lang/compile.js';
import type { LanguageDef } from '../lang/table.js';

export type { CompileLimits, CompileReport } from '../lang/compile.js';

/**
 * AC accepted; WA wrong answer (also a checker's presentation error); TLE, MLE, OLE a limit; RE a non-zero exit or
 * a signal; CE the source did not compile (no test is run); SE the sandbox could not be set up for this test; FAIL
 * the checker itself failed (the judge's fault, not the program's).
 */
export type Verdict = 'AC' | 'WA' | 'TLE' | 'MLE' | 'RE' | 'OLE' | 'CE' | 'SE' | 'FAIL';

export const VERDICTS: readonly Verdict[] = ['AC', 'WA', 'TLE', 'MLE', 'RE', 'OLE', 'CE', 'SE', 'FAIL'];

/** One test: the program reads `input` on stdin; its stdout is compared with `answer`. */
export interface TestCase {
  /** The test's name: `NAME` of `NAME.in`, or of `input/NAME`. */
  readonly name: string;
  /** Path of the input file. */
  readonly input: string;
  /**
   * Path of the expected output (`NAME.out`, `NAME.ans` or `output/NAME`); null only in an interactive judge, for a
   * test without one (the interactor then gets no answer file).
   */
  readonly answer: string | null;
}

/** The interactor's side of an interactive test: how it ended and what it said. */
export interface InteractorResult {
  readonly status: RunStatus;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Seconds. */
  readonly wallTime: number;
  readonly cpuTime: number;
  /** Bytes. */
  readonly peakMemory: number;
  /** Its stderr (testlib's verdict text), at most 2000 characters. */
  readonly message: string;
  /** It ended before the solution (as the runner saw the two ends). */
  readonly endedFirst: boolean;
}

export interface TestResult {
  readonly name: string;
  readonly input: string;
  readonly answer: string | null;
  readonly verdict: Verdict;
  /** Seconds from the program's exec to its exit (0 for SE). */
  readonly wallTime: number;
  /** User + system CPU seconds of the program. */
  readonly cpuTime: number;
  /** Peak resident memory of the program, bytes. */
  readonly peakMemory: number;
  /** The program's exit code, null when a signal ended it (or for SE). */
  readonly exitCode: number | null;
  /** The signal that ended the program (e.g. 'SIGSEGV'), or null. */
  readonly signal: string | null;
  /**
   * Why, in one human sentence: where the first difference is (WA), which limit (TLE/MLE/OLE), how the program
   * ended (RE), the checker's own words (custom checker, any verdict), the setup error (SE). '' when there is
   * nothing to say.
   */
  readonly message: string;
  /** The interactor's side (an interactive judge), else null. The fields above are the solution's own. */
  readonly interactor: InteractorResult | null;
}

export interface JudgeSummary {
  /** Tests with verdict AC. */
  readonly passed: number;
  /** Tests found (judged + skipped). */
  readonly total: number;
  /** Tests not judged: after the first failure with stopOnFirstFailure, or all of them after a CE. */
  readonly skipped: number;
  /** Largest cpuTime of a judged test, seconds. */
  readonly maxCpuTime: number;
  /** Largest peakMemory of a judged test, bytes. */
  readonly maxPeakMemory: number;
}

export interface JudgeReport {
  /** CE when the source did not compile; else the first non-AC verdict in test order; AC when every judged test passed. */
  readonly verdict: Verdict;
  /** The compile of a source submission (JudgeOptions.source); null when a program was judged. */
  readonly compile: CompileReport | null;
  /** The judged tests, in test order. */
  readonly tests: readonly TestResult[];
  /** Names of the tests not judged (stopOnFirstFailure), in test order. */
  readonly skipped: readonly string[];
  readonly summary: JudgeSummary;
}

/**
 * The RunOptions a judge applies to every test of the program: limits and sandbox settings. `input` and
 * `stdinFile` are the judge's (the test's input).
 */
export type JudgeLimits = Omit<RunOptions, 'input' | 'stdinFile' | 'stdin' | 'stdout' | 'stderr'>;

/** The most tests judge() runs at once. */
export const MAX_JOBS = 1024;

/** Limits of an interactor's own sandbox. */
export type InteractorLimits = Pick<RunOptions, 'timeout' | 'cpuTime' | 'memory' | 'outputLimit' | 'processes'>;

/** Limits of a custom checker's own sandbox. */
export type CheckerLimits = Pick<RunOptions, 'timeout' | 'cpuTime' | 'memory' | 'outputLimit'>;

export interface JudgeProgress {
  /** Position of the test in test order (0-based). */
  readonly index: number;
  readonly result: TestResult;
  /** Tests finished so far, this one included (in the order they finish). */
  readonly finished: number;
  /** Tests found. */
  readonly total: number;
}

export interface JudgeOptions {
  /** The program to judge: a path, or a name looked up in PATH (as runExecutable does). Exclusive with source. */
  program?: string;
  /**
   * A source file to compile once in its own sandbox and judge (src/lang): its language from `language`, else from
   * its extension. Exclusive with program. A compile failure is the report's verdict, CE.
   */
  source?: string;
  /** The source's language: a name or alias of the table (`languages()`), or an entry of one's own. Only with source. */
  language?: string | LanguageDef;
  /** Limits of the compile sandbox (DEFAULT_COMPILE_LIMITS otherwise: 30 s, 2 GiB, 256 processes). */
  compileLimits?: CompileLimits;
  /** The compile cache directory, or false for none. Default: defaultCacheDir() (~/.cache/simple-cp-sandbox). */
  cache?: string | false;
  /** Its arguments (the compiled program's own, after the runtime's, for a source). */
  args?: readonly string[];
  /** A tests directory (see findTests for its layouts) or the tests themselves, in the order to report them. */
  tests: string | readonly TestCase[];
  /**
   * `tokens` (default), `exact`, `float:EPS` or the path of a testlib-compatible checker (see checker-spec.ts).
   * A checker in the current directory is named with a slash (`./tokens`) if its name is one of the keywords.
   */
  checker?: string;
  /** Limits and sandbox settings of every run of the program (the engine's defaults otherwise). */
  limits?: JudgeLimits;
  /**
   * An interactive problem's interactor (a path, or a source compiled like `source`), run for each test as
   * `interactor <input> <tout> [<answer>]` (testlib's order) with its stdout the solution's stdin and the solution's
   * stdout its stdin; its exit code (testlib's: 0 ok, 1 WA, 2 PE, 3 fail) is the verdict, or the checker's on tout
   * when `checker` is given. See docs/judge.md, "Interactive problems".
   */
  interactor?: string;
  /**
   * More directories hidden from the program and its compile, as the tests' are (hideAnswers), but not from the
   * checker or the interactor: e.g. a queue worker's directory of every test set it keeps.
   */
  hidePaths?: readonly string[];
  /** The interactor source's language (as `language` for the source). */
  interactorLanguage?: string | LanguageDef;
  /**
   * The interactor's limits. Default: the solution's wall and CPU limits plus 2 s, 1 GiB of memory, 1 MiB of stderr,
   * the solution's processes.
   */
  interactorLimits?: InteractorLimits;
  /** Limits of a custom checker's runs. Default: 10 s wall (CPU the same), 1 GiB, 1 MiB of output per stream. */
  checkerLimits?: CheckerLimits;
  /** Tests run at once, each measured on its own. Default: the number of cores (os.availableParallelism()). */
  jobs?: number;
  /**
   * Stop at the first non-AC test in test order: tests after it are not started (those running are killed) and
   * are reported as skipped, so the report is the same whatever `jobs` is.
   */
  stopOnFirstFailure?: boolean;
  /**
   * Default true: the program cannot read the tests directory (its answers): the runs add it to
   * config.readDenyPaths (with `tests` as a list: the directories of its inputs and answers). The program gets
   * its input on stdin only.
   */
  hideAnswers?: boolean;
  /** Called once a source has compiled (or failed to: then no test runs), before any test starts. */
  onCompiled?: (c: CompileReport) => void;
  /** Called as each test finishes, in the order tests finish (not test order). */
  onProgress?: (p: JudgeProgress) => void;
  /** Aborting kills the running tests and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The engine that runs the program and the checker. Default: the process's default engine (runExecutable's). */
  engine?: Engine;
}
