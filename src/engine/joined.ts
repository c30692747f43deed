/**
 * Two sandboxed programs joined by two pipes, each the other's stdin and stdout (an interactive problem's
 * solution and interactor), each with its own limits, measurements and result:
 *
 *   two pipes (O_CLOEXEC) -> both started (each dup's its ends at spawn) -> both spawned -> this process's four
 *   ends closed (so each side sees EOF when the other is gone) -> both results, and which side ended first
 *
 * A side that cannot be set up kills the other (which could otherwise wait forever for input) and the call
 * rejects with its error once the other has ended: nothing of the pair outlives the call. Neither side can block
 * the runner: each has its own wall limit, and the pipes are the programs' alone.
 */
import { closeSync } from 'node:fs';
import { pipe } from '../native/fd.js';
import type { Engine } from './engine.js';
import { InvalidOptionError } from './errors.js';
import { effectiveOptions } from './options.js';
import type { SandboxedProcess } from './process.js';
import type { RunOptions, RunResult } from './types.js';

export interface JoinedSide {
  readonly file: string;
  readonly args?: readonly string[];
  /** Its run options, but stdin and stdout (the pipes) and input/stdinFile. */
  readonly options?: RunOptions;
}

export interface JoinedResult {
  readonly results: readonly [RunResult, RunResult];
  /**
   * 0 or 1: the side the runner saw end first (both at once: the first side); a side killed for a limit ended when
   * the runner decided so.
   */
  readonly first: 0 | 1;
  /** Each side's end as `first` compares them (process.hrtime.bigint()'s clock, ns). */
  readonly endedNs: readonly [bigint, bigint];
}

/** Starts both sides; `track` receives them as they start (to kill them from outside), and null once over. */
export async function runJoined(engine: Engine, a: JoinedSide, b: JoinedSide,
  track: (procs: readonly SandboxedProcess[] | null) => void = () => undefined): Promise<JoinedResult> {
  for (const [i, side] of [a, b].entries()) {
    for (const k of ['stdin', 'stdout', 'input', 'stdinFile'] as const) {
      if (side.options?.[k] !== undefined) throw new InvalidOptionError(`joined[${i}].${k}`, side.options[k], 'nothing: the pipes are the streams');
    }
  }
  // Both sides' options are checked before either starts: a bad one must not leave the other half set up.
  effectiveOptions(a.options);
  effectiveOptions(b.options);
  const fds: number[] = [];
  const procs: SandboxedProcess[] = [];
  try {
    const [aToB, bFromA] = pipe().reverse() as [number, number]; // [write end, read end]
    fds.push(aToB, bFromA);
    const [bToA, aFromB] = pipe().reverse() as [number, number];
    fds.push(bToA, aFromB);
    procs.push(engine.start(a.file, a.args ?? [], { ...a.options, stdin: aFromB, stdout: aToB }));
    procs.push(engine.start(b.file, b.args ?? [], { ...b.options, stdin: bFromA, stdout: bToA }));
    track(procs);
    const spawned = await Promise.allSettled(procs.map((p) => p.spawned));
    for (const fd of fds.splice(0)) closeSync(fd);
    const failed = spawned.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      for (const p of procs) p.kill();
      await Promise.allSettled(procs.map((p) => p.communicate()));
      throw failed.reason;
    }
    const [ra, rb] = await Promise.all(procs.map((p) => p.communicate())) as [RunResult, RunResult];
    // A side ends when it exits or when the runner decided to kill it for a limit, whichever came first: the
    // other side's end after that may be its consequence (EOF on its pipe).
    const end = (p: SandboxedProcess) => {
      const [e, s] = [p.endedAt ?? 0n, p.stoppedAt];
      return s !== null && s < e ? s : e;
    };
    const endedNs = [end(procs[0]!), end(procs[1]!)] as const;
    return { results: [ra, rb], first: endedNs[1] < endedNs[0] ? 1 : 0, endedNs };
  } catch (e) {
    for (const p of procs) p.kill();
    // Ended before the pipes' ends are closed below: a side still in its setup holds none of them afterwards.
    await Promise.allSettled(procs.map((p) => p.communicate()));
    throw e;
  } finally {
    for (const fd of fds) closeSync(fd);
    track(null);
  }
}
