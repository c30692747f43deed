/**
 * A testlib-compatible checker program, run as `checker <input> <output> <answer>` in its own sandbox: its own
 * limits (CheckerLimits), the default filesystem policy (read everything, write nowhere) and the same user as the
 * program. Its exit code is the verdict:
 *
 *   0 AC,  1 WA,  2 presentation error (WA),  3 the checker failed (FAIL)
 *
 * and anything else — another exit code, a signal, a limit, a sandbox that could not be set up — is FAIL too: the
 * judge's fault, not the program's. What the checker wrote (stderr, then stdout) is the test's message.
 *
 * The program's output is written to a file for it in a directory only the checker needs: see CheckerFiles.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { access, chmod, copyFile, rm, stat, writeFile } from 'node:fs/promises';
import { tempDir } from '../util/tempdirs.js';
import path from 'node:path';
import {
  DEFAULTS, ProgramNotExecutableError, ProgramNotFoundError, SandboxSetupError, type Engine, type RunOptions, type RunResult,
  type SandboxedProcess,
} from '../engine/index.js';
import { reachableBy, READ } from '../engine/program.js';
import { truncate } from '../util/text.js';
import { JudgeConfigError } from './errors.js';
import type { CheckerLimits, Verdict } from './types.js';
import { formatBytes } from './verdict.js';

const MiB = 1024 * 1024;

export const DEFAULT_CHECKER_LIMITS: Required<Omit<CheckerLimits, 'cpuTime'>> = {
  timeout: 10,
  memory: DEFAULTS.memory,
  outputLimit: MiB,
};

/** A checker's message is kept to this many characters (a checker may print a whole diff). */
const MESSAGE_MAX = 2000;

/** What a jury program (checker, interactor) said: its stderr, then its stdout, at most MESSAGE_MAX characters. */
export function juryWords(r: Pick<RunResult, 'stdout' | 'stderr'>): string {
  const said = [r.stderr, r.stdout].map((b) => b.toString('utf8').trim()).filter((s) => s !== '').join('\n');
  return truncate(said, MESSAGE_MAX);
}

/** The user programs and checkers run as when the runner is root; null when it is not (they run as the runner). */
export type RunUser = { uid: number; gid: number } | null;

/** The checker's (or interactor's) absolute path, checked once before any test runs. */
export async function resolveChecker(p: string, what: 'checker' | 'interactor' = 'checker'): Promise<string> {
  const full = path.resolve(p);
  let st;
  try {
    st = await stat(full);
  } catch {
    throw new JudgeConfigError(what === 'checker'
      ? `checker not found: ${p} (expected tokens, exact, float:EPS or the path of a checker program)`
      : `interactor not found: ${p} (expected the path of an interactor program or source)`, p);
  }
  if (!st.isFile()) throw new JudgeConfigError(`the ${what} is not a file: ${p}`, p);
  try {
    await access(full, fsc.X_OK);
  } catch {
    throw new JudgeConfigError(`the ${what} is not executable: ${p} (chmod +x it)`, p);
  }
  return full;
}

/**
 * The directory where the checker finds the program's output (and copies of a test's input and answer that its
 * user could not read where they are). The program must not find the answers there:
 *  - a root runner runs programs as another user: the directory is 0711 and owned by root, so that user can open
 *    a file it knows the name of but cannot list the directory, and every name starts with 32 random hex digits;
 *  - a runner that is not root runs the program as itself: then the checker is that user too and reads every
 *    test where it is, so no answer is ever copied here (only the program's own outputs, 0700).
 */
export class CheckerFiles {
  private constructor(readonly dir: string, private readonly prefix: string,
    private readonly user: { uid: number; gid: number } | null) {}

  static async create(user: RunUser): Promise<CheckerFiles> {
    const dir = await tempDir('judge', user ? 0o711 : 0o700);
    return new CheckerFiles(dir, randomBytes(16).toString('hex'), user);
  }

  /** The files of test `index` for the checker; `cleanup` removes what was written for it. */
  async prepare(index: number, input: string, answer: string, output: Buffer): Promise<{ input: string; output: string; answer: string; cleanup: () => Promise<void> }> {
    const written: string[] = [];
    const files = {
      input: await this.visible(index, input, 'in', written),
      answer: await this.visible(index, answer, 'ans', written),
      output: await this.place(index, 'out', (p) => writeFile(p, output), written),
    };
    return { ...files, cleanup: async () => { await Promise.all(written.map((p) => rm(p, { force: true }))); } };
  }

  /** A test's input and answer (if any) as the user can read them, for an interactor; `cleanup` as for prepare. */
  async inputs(index: number, input: string, answer: string | null): Promise<{ input: string; answer: string | null; cleanup: () => Promise<void> }> {
    const written: string[] = [];
    const files = {
      input: await this.visible(index, input, 'in', written),
      answer: answer === null ? null : await this.visible(index, answer, 'ans', written),
    };
    return { ...files, cleanup: async () => { await Promise.all(written.map((p) => rm(p, { force: true }))); } };
  }

  private async place(index: number, name: string, write: (p: string) => Promise<void>, written: string[]): Promise<string> {
    const p = path.join(this.dir, `${this.prefix}-${index}.${name}`);
    written.push(p);
    await write(p);
    await chmod(p, 0o644);
    return p;
  }

  /** `file` itself when the user can read it, else a copy in this directory. */
  private async visible(index: number, file: string, name: string, written: string[]): Promise<string> {
    const abs = path.resolve(file);
    if (this.user === null || reachableBy(abs, this.user.uid, this.user.gid, READ)) return abs;
    return this.place(index, name, (p) => copyFile(abs, p), written);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface CheckerOutcome {
  verdict: Verdict;
  message: string;
}

/**
 * Runs the checker on one test. `track` receives the running process (so a stop or an abort can kill it).
 * Rejects only when the checker cannot be started at all (not found, not executable, bad option): that would
 * be the same for every test, a configuration error.
 */
export async function runChecker(checker: string, files: { input: string; output: string; answer: string },
  opts: { limits: CheckerLimits; user: RunUser; cwd: string; engine: Engine; readDenyPaths?: readonly string[];
    landlockAbi?: number | null },
  track: (p: SandboxedProcess | null) => void): Promise<CheckerOutcome> {
  const limits = { ...DEFAULT_CHECKER_LIMITS, ...opts.limits };
  const runOptions: RunOptions = {
    ...limits, input: '', cwd: opts.cwd, ...opts.user,
    ...(opts.landlockAbi == null ? {} : { landlockAbi: opts.landlockAbi }),
    ...(opts.readDenyPaths?.length ? { config: { readDenyPaths: [...opts.readDenyPaths] } } : {}),
  };
  let result;
  try {
    const proc = opts.engine.start(checker, [files.input, files.output, files.answer], runOptions);
    track(proc);
    result = await proc.communicate();
  } catch (e) {
    if (e instanceof SandboxSetupError) return { verdict: 'FAIL', message: `the checker could not be run: ${e.message}` };
    if (e instanceof ProgramNotFoundError || e instanceof ProgramNotExecutableError) {
      throw new JudgeConfigError(`checker: ${e.message}`, checker, { cause: e });
    }
    throw e;
  } finally {
    track(null);
  }
  const text = juryWords(result);
  const failed = (why: string): CheckerOutcome => ({ verdict: 'FAIL', message: text === '' ? why : `${why}: ${text}` });
  switch (result.status) {
    case 'TLE':
      return failed(`the checker exceeded its ${result.limit === 'cpu' ? 'CPU' : 'wall'} time limit of `
        + `${result.limit === 'cpu' ? limits.cpuTime ?? limits.timeout : limits.timeout} s`);
    case 'MLE':
      return failed(`the checker exceeded its memory limit of ${formatBytes(limits.memory)}`);
    case 'OLE':
      return failed(`the checker exceeded its output limit of ${limits.outputLimit} bytes`);
    case 'OK':
    case 'RE':
      break;
  }
  if (result.signal !== null) return failed(`the checker was killed by ${result.signal}`);
  switch (result.exitCode) {
    case 0:
      return { verdict: 'AC', message: text };
    case 1:
      return { verdict: 'WA', message: text === '' ? 'wrong answer (the checker said nothing more)' : text };
    case 2:
      return { verdict: 'WA', message: `presentation error${text === '' ? '' : `: ${text}`}` };
    case 3:
      return failed('the checker failed (exit code 3)');
    default:
      return failed(`the checker exited with code ${result.exitCode}, which is not a verdict (0 AC, 1 WA, 2 PE, 3 FAIL)`);
  }
}
