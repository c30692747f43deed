/**
 * One run: a program started in the sandbox, from its options to its RunResult.
 *
 *   options (normalizeOptions, in the constructor) -> program (checkProgram: path, cwd, permissions) ->
 *   SETUP (setup.ts), in order, each step checked:
 *     harden runner -> gate (the binary) -> landlock (the plan) -> spawner thread (restricted:
 *     landlock, drop-privileges, no_new_privs, seccomp) -> pipes -> spawn (the gate) -> own /proc (the second
 *     Landlock layer) -> rlimits (set by the gate, checked here on the program's process) -> release (with the
 *     program's own seccomp filter)
 *   -> monitor (monitor.ts: output, CPU, memory, the gate's report, group kill, reap) -> classify -> RunResult.
 *
 * The first failing step rejects `spawned` and `communicate()` with a SandboxSetupError naming it (a SysCallError
 * thrown by a step becomes one, with its call and errno), and the program has not run: it was never spawned, or its
 * gate is killed unreleased. docs/principles.md describes each step.
 */
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { pipe } from '../native/fd.js';
import { kill, SIGKILL } from '../native/wait.js';
import { classify } from './classify.js';
import { diskUse } from './diskuse.js';
import { programFilterNotifies } from './filter-patch.js';
import type { Engine } from './engine.js';
import { InvalidOptionError, SandboxSetupError } from './errors.js';
import { monitor } from './monitor.js';
import { isRoot, normalizeOptions, type Normalized } from './options.js';
import { checkProgram } from './program.js';
import { abandon, enforcement, SETUP, stepError, type Setup } from './setup.js';
import type { RunOptions, RunResult } from './types.js';

export interface CommunicateOptions {
  input?: string | Uint8Array;
  /** Wall-clock limit in seconds from the program's exec; replaces the `timeout` option. */
  timeout?: number;
}

/**
 * A program started in the sandbox. `spawned` resolves with its pid once it has passed the gate (every
 * restriction and limit is in place); `communicate()` resolves with the RunResult.
 */
export class SandboxedProcess {
  readonly spawned: Promise<number>;
  /** A pipe to the program's stdin, when none of `input`, `stdinFile` and `stdin` was given. End it to send EOF. */
  readonly stdin: Writable | null;
  private _pid: number | null = null;
  private _endedAt: bigint | null = null;
  private _stoppedAt: bigint | null = null;
  /** diskUse() of the write-allowed directories before the run, or null without any. */
  private writeBefore: number | null = null;
  private readonly opts: Normalized;
  private readonly done: Promise<RunResult>;
  private resolveDone!: (r: RunResult) => void;
  private rejectDone!: (e: Error) => void;
  private stdinPipe: Socket | null = null;
  private killRequested: RunResult['limit'] | 'kill' | null = null;
  private exited = false;
  private wallTimer: NodeJS.Timeout | null = null;
  private t0 = 0n;
  private wallLimit: number;
  /** The run being set up, then run: who a kill ends (the gate before the program's process exists). */
  private setup: Setup | null = null;

  /** Use engine.start() or startExecutable(). */
  constructor(private readonly engine: Engine, file: string, args: readonly string[], options: RunOptions | undefined) {
    this.opts = normalizeOptions(options, isRoot);
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
      throw new InvalidOptionError('args', args, 'an array of strings without NUL');
    }
    this.wallLimit = this.opts.timeout;
    this.done = new Promise<RunResult>((res, rej) => { this.resolveDone = res; this.rejectDone = rej; });
    this.done.catch(() => undefined);
    const o = this.opts;
    let stdinPipe: number | null = null;
    if (o.input === null && o.stdinFile === null && o.stdin === null) {
      let fds: [number, number];
      try {
        fds = pipe();
      } catch (e) {
        throw stepError('pipes', e);
      }
      stdinPipe = fds[0];
      this.stdinPipe = new Socket({ fd: fds[1], readable: false, writable: true });
      this.stdinPipe.on('error', () => undefined); // EPIPE when the program does not read: not the runner's error
    }
    this.stdin = this.stdinPipe;
    this.spawned = this.start(file, [...args], stdinPipe);
    this.spawned.catch((e: Error) => this.rejectDone(e));
  }

  get pid(): number | null {
    return this._pid;
  }

  /**
   * When the runner saw the program end (process.hrtime.bigint(), ns), or null before: tells which of two joined
   * programs ended first (what the runner observed, not who closed a pipe first).
   */
  get endedAt(): bigint | null {
    return this._endedAt;
  }

  /**
   * When the runner decided to end the program for a limit (process.hrtime.bigint(), ns), or null: what another
   * program did after this moment may be a consequence of the kill (an interactor seeing EOF).
   */
  get stoppedAt(): bigint | null {
    return this._stoppedAt;
  }

  /** Kills the program and everything in its process group (SIGKILL). */
  kill(): void {
    if (!this.killRequested) this.killRequested = 'kill';
    this.killGroup();
  }

  communicate(opts: CommunicateOptions = {}): Promise<RunResult> {
    if (opts.timeout !== undefined) {
      if (typeof opts.timeout !== 'number' || !Number.isFinite(opts.timeout) || opts.timeout <= 0) {
        return Promise.reject(new InvalidOptionError('timeout', opts.timeout, 'a number of seconds > 0'));
      }
      this.wallLimit = opts.timeout;
      if (this.wallTimer) this.armWallTimer();
    }
    if (this.stdinPipe) {
      if (opts.input !== undefined) this.stdinPipe.end(typeof opts.input === 'string' ? opts.input : Buffer.from(opts.input));
      else if (!this.stdinPipe.writableEnded) this.stdinPipe.end();
    } else if (opts.input !== undefined) {
      return Promise.reject(new InvalidOptionError('input', '(communicate input)',
        'no communicate() input when the run was started with input, stdinFile or stdin'));
    }
    return this.done;
  }

  /**
   * SIGKILL to the program's process group (its own: the gate's child made it, and nothing in it can leave it).
   * Before the release the gate goes too: nothing was started. After it the gate lives on, to report the end.
   */
  private killGroup(): void {
    const s = this.setup;
    if (this.exited || s === null) return;
    if (s.pid !== undefined) {
      kill(-s.pid, SIGKILL);
      kill(s.pid, SIGKILL);
    }
    if (s.t0 === undefined && s.gatePid !== undefined) kill(s.gatePid, SIGKILL);
  }

  private armWallTimer(): void {
    if (this.wallTimer) clearTimeout(this.wallTimer);
    if (this.exited) return;
    const elapsed = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const left = Math.max(0, this.wallLimit - elapsed);
    this.wallTimer = setTimeout(() => this.limitHit('wall'), Math.ceil(left * 1000));
  }

  private limitHit(limit: NonNullable<RunResult['limit']>, kill = true): void {
    if (this.exited) return;
    if (!this.killRequested) this.killRequested = limit;
    if (!kill) return;
    this._stoppedAt ??= process.hrtime.bigint();
    this.killGroup();
  }

  private async start(file: string, args: string[], stdinPipe: number | null): Promise<number> {
    const s: Setup = {
      engine: this.engine, o: this.opts, program: '', args, killRequested: () => this.killRequested !== null,
      runnerFds: [], childFds: stdinPipe === null ? [] : [stdinPipe], stdinPipe,
    };
    this.setup = s;
    try {
      s.program = checkProgram(this.opts, file);
      // What the write-allowed directories hold before the program: the write limit counts what it adds.
      if (this.opts.writeAllowPaths.length > 0) {
        this.writeBefore = diskUse(this.opts.writeAllowPaths);
        if (!Number.isFinite(this.writeBefore)) {
          throw new InvalidOptionError('config.writeAllowPaths', this.opts.writeAllowPaths,
            'directories the runner can list, with fewer than 200000 entries in all (empty them between runs)');
        }
      }
      for (const { step, run } of SETUP) {
        try {
          await run(s);
        } catch (e) {
          throw stepError(step, e);
        }
        // kill() before the program started: it never starts. The result is that of a program killed at once.
        if (this.killRequested && s.gatePid !== undefined && s.t0 === undefined) return await this.killedBeforeStart(s);
      }
    } catch (e) {
      await abandon(s);
      this.stdinPipe?.destroy();
      throw e;
    }
    this.t0 = s.t0!;
    this._pid = s.pid!;
    this.watch(s);
    return s.pid!;
  }

  private async killedBeforeStart(s: Setup): Promise<number> {
    await abandon(s);
    this.stdinPipe?.destroy();
    this.exited = true;
    this.resolveDone({
      status: 'RE', exitCode: null, signal: 'SIGKILL', stdout: Buffer.alloc(0), stderr: Buffer.alloc(0),
      stdoutTruncated: false, stderrTruncated: false, timedOut: false, limit: null, wallTime: 0, cpuTime: 0,
      peakMemory: 0, enforced: null,
    });
    return s.pid ?? s.gatePid!;
  }

  /** From the release on: the monitor watches the program, the wall timer runs, and the result is classified. */
  private watch(s: Setup): void {
    const o = this.opts;
    s.runnerFds.splice(0); // the monitor owns the output pipes now
    // Armed first: the monitor may see the program's end at once (it exited before this), and then clears it.
    this.armWallTimer();
    const observed = monitor({
      pid: s.pid!, gatePid: s.gatePid!, gate: s.gate!, gateExit: s.gateExit!, cpuTime: o.cpuTime, memory: o.memory,
      gateAnswers: programFilterNotifies(o.processes, s.plan!.plan.abi),
      outputLimit: o.outputLimit, processes: o.processes, stdout: s.stdout!, stderr: s.stderr!, t0: s.t0!,
      write: this.writeBefore === null ? null : { dirs: o.writeAllowPaths, before: this.writeBefore, limit: o.writeLimit },
    }, {
      reaper: this.engine.reaper,
      onLimit: (limit, kill) => this.limitHit(limit, kill),
      onExited: (at) => {
        this._endedAt = at;
        this.exited = true;
        if (this.wallTimer) clearTimeout(this.wallTimer);
        s.stopStdin?.();
        s.lease!.release();
      },
    });
    const limits = { cpuTime: o.cpuTime, memory: o.memory, data: s.limits!.data };
    void observed.then((m) => {
      // The sandbox failed while the program ran: the result is not the program's (fail closed, CLI exit 125).
      if (m.gateFailed) {
        this.rejectDone(new SandboxSetupError('gate', 'the gate failed while the program ran, and killed it: the run is void',
          { call: m.gateFailed.call, ...(m.gateFailed.errno > 0 ? { errno: m.gateFailed.errno } : {}) }));
        return;
      }
      this.resolveDone(classify({ ...m, stoppedFor: this.killRequested, enforced: enforcement(s) }, limits));
    });
  }
}
