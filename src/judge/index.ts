/**
 * Judge mode: one program, a folder of tests, one verdict per test.
 *
 *   find the tests (natural order) -> resolve the checker -> run the tests, up to `jobs` at once, each in its own
 *   sandbox and measured on its own: program (stdin = the test's input) -> verdict of the run -> checker -> report
 *
 * Nothing is judged when something that every test needs is wrong — the tests, the checker, an option, the
 * program: judge() rejects (JudgeConfigError, or the engine's InvalidOptionError / ProgramNotFoundError /
 * ProgramNotExecutableError) and kills what it started. A sandbox that cannot be set up for one test
 * (SandboxSetupError) is that test's verdict, SE: the other tests still run (the error may be passing, e.g. out of
 * file descriptors), and the CLI exits 125 when SE is the overall verdict.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { cacheDirOf } from '../lang/cache.js';
import { readFile } from 'node:fs/promises';
import {
  defaultEngineInstance, effectiveOptions, Engine, InvalidOptionError, SandboxSetupError, type RunOptions, type RunResult,
  type SandboxedProcess,
} from '../engine/index.js';
import { CheckerFiles, resolveChecker, runChecker } from './checker.js';
import { DEFAULT_CHECKER, parseCheckerSpec, type CheckerSpec } from './checker-spec.js';
import { compareExact, compareFloats, compareTokens } from './compare.js';
import { JudgeConfigError } from './errors.js';
import { findTests } from './tests.js';
import { checkCases, checkProgramOutside, hiddenDirs } from './cases.js';
import { prepareInteractor, runInteractive, type Interactor } from './interactive.js';
import type { Submission } from './submission.js';
import type { CompileReport } from '../lang/compile.js';
import {
  MAX_JOBS, type InteractorResult, type JudgeLimits, type JudgeOptions, type JudgeReport, type TestCase, type TestResult, type Verdict,
} from './types.js';
import { runVerdict } from './verdict.js';
import { checkSubmission, prepareSubmission, refuseWritableTemp } from './submission.js';

export type * from './types.js';
export { MAX_JOBS, VERDICTS } from './types.js';
export { JudgeConfigError } from './errors.js';
export { findTests, naturalCompare } from './tests.js';
export { parseCheckerSpec, DEFAULT_CHECKER, type CheckerSpec } from './checker-spec.js';
export { compareExact, compareFloats, compareTokens } from './compare.js';
export { exitCodeForVerdict } from './verdict.js';
export { DEFAULT_CHECKER_LIMITS } from './checker.js';
export { toJUnit } from './junit.js';

function validate(o: JudgeOptions): { args: string[]; jobs: number; limits: JudgeLimits; engine: Engine } {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('options', o, 'an object');
  checkSubmission(o);
  const args = o.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new InvalidOptionError('args', args, 'an array of strings');
  const jobs = o.jobs ?? availableParallelism();
  if (typeof jobs !== 'number' || !Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
    throw new InvalidOptionError('jobs', jobs, `a whole number from 1 to ${MAX_JOBS}`);
  }
  const limits = o.limits ?? {};
  if (typeof limits !== 'object' || limits === null) throw new InvalidOptionError('limits', limits, 'an object of RunOptions');
  for (const k of ['input', 'stdinFile', 'stdin'] as const) {
    if (k in limits) throw new InvalidOptionError(`limits.${k}`, (limits as RunOptions)[k], 'nothing: each test\'s input is the program\'s stdin');
  }
  for (const k of ['stdout', 'stderr'] as const) {
    if (k in limits) throw new InvalidOptionError(`limits.${k}`, (limits as RunOptions)[k], 'nothing: the judge reads the program\'s output');
  }
  const engine = o.engine ?? defaultEngineInstance();
  if (!(engine instanceof Engine)) throw new InvalidOptionError('engine', engine, 'an Engine');
  if (typeof o.tests !== 'string' && !Array.isArray(o.tests)) {
    throw new InvalidOptionError('tests', o.tests, 'a tests directory or an array of { name, input, answer }');
  }
  return { args: [...args], jobs, limits, engine };
}

interface Comparator {
  (output: Buffer, test: TestCase, index: number, track: (p: SandboxedProcess | null) => void): Promise<{ verdict: Verdict; message: string }>;
}

function builtinComparator(spec: Exclude<CheckerSpec, { kind: 'program' }>): Comparator {
  const compare = spec.kind === 'tokens' ? compareTokens
    : spec.kind === 'exact' ? compareExact
      : (o: Uint8Array, a: Uint8Array) => compareFloats(o, a, spec.eps);
  return async (output, test) => {
    let answer: Buffer;
    if (test.answer === null) return { verdict: 'FAIL', message: `test ${test.name} has no answer to compare with` };
    try {
      answer = await readFile(test.answer);
    } catch (e) {
      // Checked readable when the tests were found: it changed meanwhile. The judge's problem, not the program's.
      return { verdict: 'FAIL', message: `cannot read the answer ${test.answer} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
    const diff = compare(output, answer);
    return diff === null ? { verdict: 'AC', message: '' } : { verdict: 'WA', message: diff };
  };
}

function resultOf(test: TestCase, verdict: Verdict, message: string, r: RunResult | null,
  interactor: InteractorResult | null = null): TestResult {
  return {
    name: test.name,
    input: test.input,
    answer: test.answer,
    verdict,
    wallTime: r?.wallTime ?? 0,
    cpuTime: r?.cpuTime ?? 0,
    peakMemory: r?.peakMemory ?? 0,
    exitCode: r?.exitCode ?? null,
    signal: r?.signal ?? null,
    message,
    interactor,
  };
}

/** The compile cache's directory when it exists (a Landlock rule needs an existing directory), else nothing. */
function cacheToHide(o: JudgeOptions): string[] {
  const dir = cacheDirOf(o.cache);
  return dir !== false && existsSync(dir) ? [dir] : [];
}

export function summarize(tests: readonly TestResult[], skipped: readonly string[], compile: CompileReport | null = null): JudgeReport {
  const failed = tests.find((t) => t.verdict !== 'AC');
  return {
    verdict: compile?.status === 'CE' ? 'CE' : failed?.verdict ?? 'AC',
    compile,
    tests,
    skipped,
    summary: {
      passed: tests.filter((t) => t.verdict === 'AC').length,
      total: tests.length + skipped.length,
      skipped: skipped.length,
      maxCpuTime: Math.max(0, ...tests.map((t) => t.cpuTime)),
      maxPeakMemory: Math.max(0, ...tests.map((t) => t.peakMemory)),
    },
  };
}

/** Judges `program`, or `source` compiled once, on the tests; see JudgeOptions and the module comment. */
export async function judge(options: JudgeOptions): Promise<JudgeReport> {
  const { args, jobs, limits, engine } = validate(options);
  const signal = options.signal;
  signal?.throwIfAborted();
  const spec = parseCheckerSpec(options.checker ?? DEFAULT_CHECKER);
  const interactive = options.interactor !== undefined;
  const cases = typeof options.tests === 'string'
    ? await findTests(options.tests, { optionalAnswers: interactive }) : checkCases(options.tests, interactive);
  const noAnswer = options.checker === undefined ? undefined : cases.find((t) => t.answer === null);
  if (noAnswer) {
    throw new JudgeConfigError(`test ${noAnswer.name} has no answer, which the checker needs: add one, or judge without a `
      + 'checker (the interactor\'s verdict stands)', noAnswer.input);
  }
  const checker = spec.kind === 'program' ? await resolveChecker(spec.path) : null;

  const extra = options.hidePaths ?? [];
  if (!Array.isArray(extra) || !extra.every((d) => typeof d === 'string' && d !== '')) {
    throw new InvalidOptionError('hidePaths', extra, 'an array of directory paths');
  }
  const hidden = [...new Set([...(options.hideAnswers === false ? [] : hiddenDirs(options.tests, cases)), ...extra.map((d) => path.resolve(d))])];
  if (options.program !== undefined) checkProgramOutside(options.program, limits.cwd, hidden);
  const userDeny = limits.config?.readDenyPaths ?? [];
  const testOptions: RunOptions = {
    ...limits,
    config: { ...limits.config, readDenyPaths: [...userDeny, ...hidden.filter((d) => !userDeny.includes(d))] },
  };
  // Validated as every run will be, before anything is compiled or run; the messages quote the limits every run has.
  const limitsOf = effectiveOptions(testOptions);
  refuseWritableTemp(testOptions.config?.writeAllowPaths ?? []);
  const user = limitsOf.uid === null ? null : { uid: limitsOf.uid, gid: limitsOf.gid! };

  const sub = await prepareSubmission(options, args, testOptions, user, engine);
  try {
    if (sub.compile) options.onCompiled?.(sub.compile);
  } catch (e) {
    if ('program' in sub) await sub.dispose();
    throw e;
  }
  if (!('program' in sub)) return summarize([], cases.map((t) => t.name), sub.compile);
  let inter: Interactor | null = null;
  try {
    // Jury programs (checker, interactor) may not read the compile cache either: other submissions' artefacts.
    const juryDeny = cacheToHide(options);
    if (interactive) inter = await prepareInteractor(options, effectiveOptions(sub.options), [...userDeny, ...juryDeny], user, engine);
    return await judgeWith(options, sub, inter, cases, spec, checker, user, engine, jobs, juryDeny);
  } finally {
    await sub.dispose();
    await inter?.dispose();
  }
}

async function judgeWith(options: JudgeOptions, sub: Submission, inter: Interactor | null, cases: readonly TestCase[],
  spec: CheckerSpec, checker: string | null, user: { uid: number; gid: number } | null, engine: Engine,
  jobs: number, juryDeny: readonly string[]): Promise<JudgeReport> {
  const signal = options.signal;
  signal?.throwIfAborted(); // aborted while compiling
  const programOptions = sub.options;
  const eff = effectiveOptions(programOptions);

  const files = checker === null && inter === null ? null : await CheckerFiles.create(user);
  const compare: Comparator = checker === null || files === null
    ? builtinComparator(spec as Exclude<CheckerSpec, { kind: 'program' }>)
    : async (output, test, index, track) => {
      // Every test has an answer when a checker is given (checked before anything ran).
      const f = await files.prepare(index, test.input, test.answer!, output);
      try {
        return await runChecker(checker, f, { limits: options.checkerLimits ?? {}, user, cwd: files.dir, engine,
          readDenyPaths: juryDeny, landlockAbi: eff.landlockAbi }, track);
      } finally {
        await f.cleanup();
      }
    };

  const n = cases.length;
  const results: Array<TestResult | undefined> = new Array<TestResult | undefined>(n);
  /** The running process of each test (its program, then its checker), to kill on a stop or an abort. */
  const running = new Map<number, Set<SandboxedProcess>>();
  let next = 0;
  let stopAt = Infinity; // index of the first failing test in test order, with stopOnFirstFailure
  let finished = 0;
  let fatal: { error: unknown } | null = null;
  const cancelled = (i: number) => fatal !== null || signal?.aborted === true || i > stopAt;
  const killFrom = (i: number) => {
    // A kill before the gate's release is kept: the program never starts.
    for (const [k, procs] of running) if (k > i) for (const p of procs) p.kill();
  };
  const onAbort = () => killFrom(-1);
  signal?.addEventListener('abort', onAbort);

  /** The MLE message of a compiled source's run whose runtime said it ran out of memory, else null. */
  const outOfMemory = (r: RunResult): string | null => {
    const line = sub.compiled?.outOfMemory(r) ?? null;
    return line === null ? null : `the ${sub.compiled!.language.name} runtime ran out of memory: ${line}`;
  };

  /**
   * One interactive test: the solution and the interactor joined (interactive.ts); with a checker given and an
   * accepting interactor, the checker judges the interactor's tout.
   */
  const interactiveTest = async (i: number, test: TestCase, track: (p: SandboxedProcess | null) => void): Promise<TestResult | null> => {
    let run;
    try {
      run = await runInteractive({
        engine, solution: { file: sub.program, args: sub.args, options: programOptions },
        interactor: { file: inter!.file, args: inter!.args }, interactorOptions: inter!.options, files: files!,
        tout: inter!.tout, test, index: i, limits: eff, track,
      });
    } catch (e) {
      if (e instanceof SandboxSetupError) return resultOf(test, 'SE', e.message, null);
      throw e;
    } finally {
      track(null);
    }
    if (cancelled(i)) return null;
    const { solution, interactor, outcome } = run;
    const oom = outcome.verdict === 'RE' ? outOfMemory(solution) : null;
    if (oom !== null) return resultOf(test, 'MLE', oom, solution, interactor);
    if (!outcome.accepted || options.checker === undefined) return resultOf(test, outcome.verdict, outcome.message, solution, interactor);
    const checked = await compare(run.tout, test, i, track);
    return cancelled(i) ? null : resultOf(test, checked.verdict, checked.message, solution, interactor);
  };

  /** One test; null when it was cancelled (its result is not reported). */
  const runTest = async (i: number): Promise<TestResult | null> => {
    const test = cases[i]!;
    const track = (p: SandboxedProcess | null) => {
      if (p) running.set(i, (running.get(i) ?? new Set()).add(p));
      else running.delete(i);
    };
    if (inter !== null) return interactiveTest(i, test, track);
    let r: RunResult;
    try {
      const proc = engine.start(sub.program, sub.args, { ...programOptions, stdinFile: test.input });
      track(proc);
      r = await proc.communicate();
    } catch (e) {
      if (e instanceof SandboxSetupError) return resultOf(test, 'SE', e.message, null);
      if (e instanceof InvalidOptionError && e.option === 'stdinFile') return resultOf(test, 'SE', e.message, null);
      throw e;
    } finally {
      track(null);
    }
    if (cancelled(i)) return null;
    const bad = runVerdict(r, eff);
    const oom = outOfMemory(r);
    if (oom !== null) return resultOf(test, 'MLE', oom, r);
    if (bad) return resultOf(test, bad.verdict, bad.message, r);
    const checked = await compare(r.stdout, test, i, track);
    return cancelled(i) ? null : resultOf(test, checked.verdict, checked.message, r);
  };

  const worker = async () => {
    for (;;) {
      const i = next;
      if (i >= n || cancelled(i)) return;
      next++;
      let r: TestResult | null;
      try {
        r = await runTest(i);
      } catch (e) {
        fatal ??= { error: e };
        killFrom(-1);
        return;
      }
      if (r === null || cancelled(i)) continue;
      results[i] = r;
      finished++;
      try {
        options.onProgress?.({ index: i, result: r, finished, total: n });
      } catch (e) {
        fatal ??= { error: e };
        killFrom(-1);
        return;
      }
      if (options.stopOnFirstFailure && r.verdict !== 'AC' && i < stopAt) {
        stopAt = i;
        killFrom(i);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(jobs, n) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await files?.remove();
  }
  if (fatal !== null) throw (fatal as { error: unknown }).error;
  signal?.throwIfAborted();

  const judged = Number.isFinite(stopAt) ? stopAt + 1 : n;
  const tests = results.slice(0, judged).map((r, i) => {
    if (r === undefined) throw new Error(`internal error: test ${cases[i]!.name} has no result`);
    return r;
  });
  return summarize(tests, cases.slice(judged).map((t) => t.name), sub.compile);
}
