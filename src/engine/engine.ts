/**
 * The Engine: what runs share within one process — the pool of restricted spawner threads, the policy cache
 * (Landlock plans, filter templates), the reaper and the threads started ahead (spares) — and the
 * entry points of a run. runExecutable() and friends (index.ts) use a default instance; a service or a test that
 * wants its own lifecycle, pool size or (tests) injected faults makes its own.
 */
import { runJoined, type JoinedResult, type JoinedSide } from './joined.js';
import { check } from '../native/libc.js';
import { PR_SET_DUMPABLE, prctl } from '../native/prctl.js';
import { MIN_SUPPORTED_ABI } from '../landlock/versions.js';
import { InvalidOptionError } from './errors.js';
import type { Normalized } from './options.js';
import { PolicyCache, type CachedPlan } from './policy-cache.js';
import { DEFAULT_POOL_OPTIONS, SpawnerPool, type PoolOptions, type Spawner } from './pool.js';
import { SandboxedProcess } from './process.js';
import type { Faults, SpawnerInit } from './protocol.js';
import { Reaper } from './reaper.js';
import type { RunOptions, RunResult } from './types.js';
import { Spares } from './warm.js';

export interface EngineOptions {
  /** Spawner threads per policy at most (default 2 x cores, at least 4), and how long an idle one lives (ms, 30 s). */
  pool?: Partial<PoolOptions>;
  /** Tests only: faults to inject (protocol.ts). Each can only make a run fail. */
  faults?: Faults;
  /** Where prestarted threads are taken from (the default engine's are DEFAULT_SPARES). */
  spares?: Spares;
}

/** A spawner thread held by one run, and how to give it back. */
export interface SpawnerLease {
  readonly spawner: Spawner;
  release(): void;
}

/** A landlockProbe fault must be an answer the ABI check refuses: a fault never weakens a sandbox. */
function checkFaults(f: Faults | undefined): Faults | null {
  if (f === undefined) return null;
  const p = f.landlockProbe;
  if (p && p.ok && p.version >= MIN_SUPPORTED_ABI) {
    throw new InvalidOptionError('faults.landlockProbe', p, `an error or an ABI below ${MIN_SUPPORTED_ABI} (a fault only makes a run fail)`);
  }
  return f;
}

export class Engine {
  readonly policies: PolicyCache;
  readonly reaper = new Reaper();
  readonly spares: Spares;
  readonly faults: Faults | null;
  private readonly poolOptions: PoolOptions;
  private pool: SpawnerPool | null = null;
  private hardened = false;

  constructor(options: EngineOptions = {}) {
    this.faults = checkFaults(options.faults);
    this.poolOptions = { ...DEFAULT_POOL_OPTIONS, ...options.pool };
    this.spares = options.spares ?? new Spares();
    this.policies = new PolicyCache(this.faults);
  }

  /** Starts `file` in the sandbox; see SandboxedProcess. Throws InvalidOptionError at once for a bad option. */
  start(file: string, args: readonly string[] = [], options?: RunOptions): SandboxedProcess {
    return new SandboxedProcess(this, file, args, options);
  }

  /** Runs `file` to its end: the RunResult, or a rejection when it could not be started (nothing ran). */
  run(file: string, args: readonly string[] = [], options?: RunOptions): Promise<RunResult> {
    try {
      return this.start(file, args, options).communicate();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Runs two programs joined by pipes (an interactor and a solution): see joined.ts. */
  runJoined(a: JoinedSide, b: JoinedSide, track?: (procs: readonly SandboxedProcess[] | null) => void): Promise<JoinedResult> {
    return runJoined(this, a, b, track);
  }

  /** Starts this engine's first spawner thread now, before its first run (warm.ts). */
  prestart(): void {
    this.spares.prestart();
  }

  /** Ends every thread of the engine; the next run starts them again. */
  async shutdown(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    if (p) await p.shutdown();
    await this.spares.stop();
    this.policies.close();
  }

  /** Spawner threads alive now (for tests and doctor). */
  poolSize(): number {
    return this.pool?.size() ?? 0;
  }

  /**
   * Makes the runner process non-dumpable, once: then no process of the same uid that is not privileged can ptrace
   * it, read its /proc/PID/{mem,environ} or use process_vm_readv on it, whatever else happens.
   */
  hardenRunner(): void {
    if (this.hardened) return;
    check('prctl(PR_SET_DUMPABLE, 0)', prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    this.hardened = true;
  }

  /**
   * A restricted spawner thread for the run's policy, for that run alone. A plan path that vanished since the plan
   * was computed (a busy /tmp next to a denied directory) is handled by the thread itself (spawner-worker.ts).
   */
  async acquireSpawner(o: Normalized, cp: CachedPlan): Promise<SpawnerLease> {
    const pool = this.pool ??= new SpawnerPool({
      newThread: () => this.spares.takeSpawnerThread(),
    }, this.poolOptions);
    // With faults, every run gets threads of its own: a fault must not outlive the run it was set for.
    const key = JSON.stringify([o.readDenyPaths, o.writeAllowPaths, o.landlockAbi, o.processes, o.uid, o.gid, cp.generation,
      this.faults ? Math.random() : 0]);
    const init = async (): Promise<SpawnerInit> => ({
      landlockPlan: cp.plan, filter: await this.policies.filterTemplate(o.processes),
      dropTo: o.uid === null ? null : { uid: o.uid, gid: o.gid! },
      ...(this.faults ? { faults: { ...this.faults } } : {}),
    });
    const spawner = await pool.acquire(key, init);
    return { spawner, release: () => pool.release(key, spawner) };
  }
}
