/**
 * Interactive problems: for each test, the solution and the interactor run at once in two sandboxes joined by
 * pipes (engine/joined.ts), each with its own limits and measurements:
 *
 *   the test's input (and answer) as the interactor's user can read them -> `interactor <input> <tout> [<answer>]`
 *   with SIGPIPE ignored, writing only its tout directory; the solution with the judge's limits, the tests hidden
 *   -> both ended -> the verdict (interactiveVerdict) -> with a checker and an accepting interactor: the checker on
 *   `<input> <tout> <answer>`
 *
 * The order verdicts combine in is testlib's and Kattis's (docs/judge.md, "Interactive problems"): the
 * interactor's own failure is FAIL; an interactor that ended first with WA or PE is WA; then the solution's limits,
 * then its RE, then the interactor's verdict.
 */
import { randomBytes } from 'node:crypto';
import { chown, rm } from 'node:fs/promises';
import { readPlainFile } from '../util/plain-file.js';
import { tempDir } from '../util/tempdirs.js';
import path from 'node:path';
import { DEFAULTS, type Engine, type RunOptions, type RunResult, type SandboxedProcess } from '../engine/index.js';
import { truncate } from '../util/text.js';
import { languageOf } from '../lang/resolve.js';
import { juryWords, resolveChecker, type CheckerFiles } from './checker.js';
import { JudgeConfigError } from './errors.js';
import { prepareSubmission } from './submission.js';
import type { InteractorLimits, InteractorResult, JudgeOptions, TestCase, Verdict } from './types.js';
import { formatBytes, runVerdict, type EffectiveLimits } from './verdict.js';

const MiB = 1024 * 1024;

/** What the interactor gets beyond the solution's limits by default (DMOJ gives TL + 2 s). */
export const INTERACTOR_MARGIN = 2;

/** A wall-clock TLE whose solution used less CPU than this share of the wall limit is reported as idleness. */
export const IDLE_SHARE = 0.1;

/** The interactor's run options: its own limits (defaults from the solution's), its user, its tout directory. */
export function interactorOptions(solution: EffectiveLimits & { processes: number; landlockAbi?: number | null },
  own: InteractorLimits | undefined,
  user: { uid: number; gid: number } | null, toutDir: string, readDenyPaths: readonly string[]): RunOptions {
  return {
    timeout: own?.timeout ?? solution.timeout + INTERACTOR_MARGIN,
    cpuTime: own?.cpuTime ?? own?.timeout ?? solution.cpuTime + INTERACTOR_MARGIN,
    memory: own?.memory ?? DEFAULTS.memory,
    outputLimit: own?.outputLimit ?? MiB,
    processes: own?.processes ?? solution.processes,
    ignoreSigpipe: true,
    config: { writeAllowPaths: [toutDir], readDenyPaths: [...readDenyPaths] },
    ...(user ?? {}),
    ...(solution.landlockAbi == null ? {} : { landlockAbi: solution.landlockAbi }),
  };
}

/** The directory the interactors write their tout files in: one per judge, the interactor's user's own. */
export async function makeToutDir(user: { uid: number; gid: number } | null): Promise<{ dir: string; prefix: string }> {
  const dir = await tempDir('tout', 0o700);
  if (user) await chown(dir, user.uid, user.gid);
  return { dir, prefix: randomBytes(16).toString('hex') };
}

function interactorOf(r: RunResult, endedFirst: boolean): InteractorResult {
  return {
    status: r.status, exitCode: r.exitCode, signal: r.signal, wallTime: r.wallTime, cpuTime: r.cpuTime,
    peakMemory: r.peakMemory, message: juryWords(r), endedFirst,
  };
}

/**
 * Whether the interactor ended first. A process's pipes close before its end is visible to its gate, so the side
 * that ended second, woken by EOF, can be seen ending first by some microseconds. Hence: a solution killed by
 * SIGPIPE wrote to a pipe whose reader, the interactor, was gone, so the interactor was first; otherwise the
 * interactor is first only when it ended more than TIE_NS before the solution (a tie goes to the solution: its
 * crash or limit stands before the interactor's WA).
 */
export function interactorFirst(s: RunResult, endedNs: readonly [bigint, bigint]): boolean {
  if (s.signal === 'SIGPIPE') return true;
  return endedNs[1] + TIE_NS < endedNs[0];
}

/** Ends closer than this (ns) are a tie. */
export const TIE_NS = 2_000_000n;

export interface InteractiveOutcome {
  readonly verdict: Verdict;
  readonly message: string;
  /** The interactor accepted (exit 0): a checker, if any, judges tout next. */
  readonly accepted: boolean;
}

/**
 * The verdict of one interactive test from the two results and which ended first (see the module comment).
 * `limits` are the solution's, `own` the interactor's (for messages).
 */
export function interactiveVerdict(s: RunResult, i: InteractorResult, limits: EffectiveLimits,
  own: { timeout: number; memory: number }): InteractiveOutcome {
  const words = i.message === '' ? '' : `: ${i.message}`;
  const fail = (why: string): InteractiveOutcome => ({ verdict: 'FAIL', message: `${why}${words}`, accepted: false });
  // 1. The interactor's own failure: the judge's fault.
  if (i.status === 'TLE') return fail(`the interactor exceeded its time limit of ${own.timeout} s`);
  if (i.status === 'MLE') return fail(`the interactor exceeded its memory limit of ${formatBytes(own.memory)}`);
  if (i.status === 'OLE') return fail('the interactor exceeded its output limit');
  if (i.signal !== null) return fail(`the interactor was killed by ${i.signal}`);
  if (i.exitCode === 3) return fail('the interactor failed (exit code 3)');
  if (i.exitCode !== 0 && i.exitCode !== 1 && i.exitCode !== 2) {
    return fail(`the interactor exited with code ${i.exitCode}, which is not a verdict (0 AC, 1 WA, 2 PE, 3 FAIL)`);
  }
  const wrong = (): InteractiveOutcome => ({
    verdict: 'WA',
    message: i.exitCode === 2 ? `presentation error (or the solution's output ended early)${words}` : i.message || 'wrong answer (the interactor said nothing more)',
    accepted: false,
  });
  // 2. The interactor ended first and rejected: whatever the solution did afterwards (its SIGPIPE included).
  if (i.endedFirst && i.exitCode !== 0) return wrong();
  // 3. The solution's limits.
  if (s.status === 'TLE') {
    if (s.limit === 'cpu') return { verdict: 'TLE', message: `CPU time limit of ${limits.cpuTime} s exceeded`, accepted: false };
    if (s.cpuTime < IDLE_SHARE * limits.timeout) {
      return {
        verdict: 'TLE', accepted: false,
        message: `idleness limit exceeded: wall time limit of ${limits.timeout} s with ${s.cpuTime.toFixed(3)} s of CPU `
          + '(the solution waited: does it flush its output after each query?)',
      };
    }
    return { verdict: 'TLE', message: `wall time limit of ${limits.timeout} s exceeded`, accepted: false };
  }
  // 3 (MLE, OLE) and 4. The solution's crash, but a SIGPIPE after the interactor had ended (it wrote to a reader
  // that was done).
  const bad = s.status === 'RE' && s.signal === 'SIGPIPE' && i.endedFirst ? null : runVerdict(s, limits);
  if (bad) return { ...bad, accepted: false };
  // 5. The interactor's verdict.
  if (i.exitCode === 0) return { verdict: 'AC', message: i.message, accepted: true };
  return wrong();
}

export interface InteractiveRun {
  readonly solution: RunResult;
  readonly interactor: InteractorResult;
  readonly outcome: InteractiveOutcome;
  /** What the interactor wrote to tout (for a checker), empty when it wrote nothing. */
  readonly tout: Buffer;
}

/** One interactive test; SandboxSetupError when either side could not be set up. */
export async function runInteractive(o: {
  engine: Engine; solution: { file: string; args: readonly string[]; options: RunOptions };
  interactor: { file: string; args: readonly string[] };
  interactorOptions: RunOptions; files: CheckerFiles; tout: { dir: string; prefix: string }; test: TestCase; index: number;
  limits: EffectiveLimits; track: (p: SandboxedProcess | null) => void;
}): Promise<InteractiveRun> {
  const inputs = await o.files.inputs(o.index, o.test.input, o.test.answer);
  const tout = path.join(o.tout.dir, `${o.tout.prefix}-${o.index}.tout`);
  try {
    const args = [...o.interactor.args, inputs.input, tout, ...(inputs.answer === null ? [] : [inputs.answer])];
    const joined = await o.engine.runJoined(
      { file: o.solution.file, args: o.solution.args, options: o.solution.options },
      { file: o.interactor.file, args, options: o.interactorOptions },
      (procs) => { for (const p of procs ?? []) o.track(p); if (procs === null) o.track(null); },
    );
    const [s, ir] = joined.results;
    const interactor = interactorOf(ir, interactorFirst(s, joined.endedNs));
    const own = { timeout: o.interactorOptions.timeout!, memory: o.interactorOptions.memory! };
    const outcome = interactiveVerdict(s, interactor, o.limits, own);
    // The interactor's user made it: read it as a plain file of its own (no symlink to a file of the runner's, no
    // FIFO to hang on), at most 64 MiB; anything else counts as an empty tout.
    const owner = o.interactorOptions.uid ?? process.geteuid?.() ?? 0;
    const got = await readPlainFile(tout, [owner], 64 * MiB);
    const written = 'data' in got ? got.data : Buffer.alloc(0);
    return { solution: s, interactor, outcome, tout: written };
  } finally {
    await rm(tout, { force: true });
    await inputs.cleanup();
  }
}

export interface Interactor {
  readonly file: string;
  /** Before the test's own three. */
  readonly args: readonly string[];
  readonly options: RunOptions;
  readonly tout: { dir: string; prefix: string };
  dispose(): Promise<void>;
}

/**
 * The interactor, ready for every test: a program checked once, or a source compiled once (a compile error is the
 * jury's, JudgeConfigError: nothing is judged); its options and its tout directory.
 */
export async function prepareInteractor(o: JudgeOptions, solution: EffectiveLimits & { processes: number },
  readDenyPaths: readonly string[], user: { uid: number; gid: number } | null, engine: Engine): Promise<Interactor> {
  const given = o.interactor!;
  if (typeof given !== 'string' || given === '') throw new JudgeConfigError('the interactor must be a path', String(given));
  const tout = await makeToutDir(user);
  const options = interactorOptions(solution, o.interactorLimits, user, tout.dir, readDenyPaths);
  const removeTout = () => rm(tout.dir, { recursive: true, force: true });
  try {
    const lang = typeof o.interactorLanguage === 'object' ? o.interactorLanguage : languageOf(given, o.interactorLanguage);
    if (lang === null) {
      const file = await resolveChecker(given, 'interactor');
      return { file, args: [], options, tout, dispose: removeTout };
    }
    const sub = await prepareSubmission({ ...o, program: undefined, source: given, language: lang }, [], options,
      user, engine);
    if (!('program' in sub)) {
      throw new JudgeConfigError(`the interactor ${given} did not compile (${sub.compile.message}): ${truncate(sub.compile.output.trim(), 500)}`, given);
    }
    return {
      file: sub.program, args: sub.args, options: sub.options, tout,
      dispose: async () => { await sub.dispose(); await removeTout(); },
    };
  } catch (e) {
    await removeTout();
    throw e;
  }
}
