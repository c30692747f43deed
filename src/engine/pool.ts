/**
 * The spawner pool. One policy (filter + Landlock plan + credentials) is served by up to `maxPerPolicy` restricted
 * threads; each thread runs ONE program at a time, so two concurrent runs are always in different Landlock
 * domains and cannot signal or ptrace each other. Idle threads end after `idleMs`. Threads are unref'd: an idle
 * pool never keeps the runner alive.
 */
import type { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { SandboxSetupError } from './errors.js';
import { endSpawnerThread } from './warm.js';
import type { SpawnerInit, SpawnRequest, WorkerMessage } from './protocol.js';

/** What a pool needs of its engine: where threads come from. */
export interface PoolDeps {
  /** A booted, unrestricted worker running spawner-worker.js (a prestarted one, or a new one). */
  newThread: () => Worker;
}

type Ready = Extract<WorkerMessage, { type: 'ready' }>;

export class Spawner {
  readonly worker: Worker;
  readonly ready: Promise<Ready>;
  info: Ready | null = null;
  dead: Error | null = null;
  private rejectReady: (e: Error) => void = () => undefined;
  idleTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (pid: number) => void; reject: (e: Error) => void }>();

  /**
   * Starts the thread first and computes its setup (`init`: the Landlock plan and the filter template) while it
   * boots, so the two costs overlap on a cold start.
   */
  constructor(init: () => Promise<SpawnerInit>, deps: PoolDeps, private readonly onGone: (s: Spawner) => void) {
    this.worker = deps.newThread();
    this.worker.unref();
    this.ready = new Promise<Ready>((resolve, reject) => {
      this.rejectReady = reject;
      this.worker.on('message', (m: WorkerMessage) => {
        switch (m.type) {
          case 'ready':
            this.info = m;
            resolve(m);
            break;
          case 'setup-error': {
            const e = new SandboxSetupError(m.step, m.message, m.call === undefined && m.errno === undefined ? {} :
              { call: m.call ?? m.step, ...(m.errno === undefined ? {} : { errno: m.errno }) });
            this.fail(e);
            reject(e);
            break;
          }
          case 'spawned':
          case 'spawn-error': {
            const p = this.pending.get(m.id);
            if (!p) break;
            this.pending.delete(m.id);
            if (m.type === 'spawned') p.resolve(m.pid);
            else {
              p.reject(new SandboxSetupError(m.step, 'the gate process could not be created', { call: m.call, errno: m.errno }));
            }
            break;
          }
        }
      });
      const gone = (why: string) => {
        const e = new SandboxSetupError('spawner thread', why);
        this.fail(e);
        reject(e);
      };
      this.worker.on('error', (err) => gone(`the spawner thread failed: ${err.message}`));
      this.worker.on('exit', (code) => gone(`the spawner thread exited with code ${code}`));
    });
    // A setup failure is reported to whoever awaits `ready`; never as an unhandled rejection here.
    this.ready.catch(() => undefined);
    // A policy that cannot be built (e.g. a configured path is missing) is the caller's error, passed on as is.
    init().then((i) => { if (!this.dead) this.worker.postMessage({ type: 'setup', init: i }); }, (e: Error) => {
      this.fail(e);
      void endSpawnerThread(this.worker);
    });
  }

  private fail(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    this.rejectReady(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.onGone(this);
  }

  spawn(req: Omit<SpawnRequest, 'id'>): Promise<number> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id } satisfies SpawnRequest);
    });
  }

  terminate(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    return endSpawnerThread(this.worker);
  }
}

interface PolicyEntry {
  /** Called for every new thread, so a plan that went stale can be recomputed. */
  init: () => Promise<SpawnerInit>;
  all: Set<Spawner>;
  idle: Spawner[];
  waiting: Array<(s: Spawner) => void>;
}

export interface PoolOptions {
  /** Threads per policy at most. Default: 2 x cores, at least 4. */
  maxPerPolicy: number;
  /** An idle thread ends after this many milliseconds. */
  idleMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = { maxPerPolicy: Math.max(4, 2 * cpus().length), idleMs: 30_000 };

export class SpawnerPool {
  private policies = new Map<string, PolicyEntry>();
  constructor(private readonly deps: PoolDeps, private readonly opts: PoolOptions = DEFAULT_POOL_OPTIONS) {}

  /** A ready spawner for `key`, exclusively for one run; give it back with release(). */
  async acquire(key: string, init: () => Promise<SpawnerInit>): Promise<Spawner> {
    let entry = this.policies.get(key);
    if (!entry) {
      entry = { init, all: new Set(), idle: [], waiting: [] };
      this.policies.set(key, entry);
    }
    let s = entry.idle.pop();
    if (s) {
      if (s.idleTimer) clearTimeout(s.idleTimer);
      s.idleTimer = null;
    } else if (entry.all.size < this.opts.maxPerPolicy) {
      const e = entry;
      s = new Spawner(e.init, this.deps, (gone) => this.forget(key, gone));
      e.all.add(s);
    } else {
      s = await new Promise<Spawner>((resolve) => entry!.waiting.push(resolve));
    }
    await s.ready;
    return s;
  }

  release(key: string, s: Spawner): void {
    const entry = this.policies.get(key);
    if (!entry || s.dead || !entry.all.has(s)) return;
    const next = entry.waiting.shift();
    if (next) {
      next(s);
      return;
    }
    entry.idle.push(s);
    s.idleTimer = setTimeout(() => {
      const i = entry.idle.indexOf(s);
      if (i >= 0) entry.idle.splice(i, 1);
      entry.all.delete(s);
      void s.terminate();
    }, this.opts.idleMs);
    s.idleTimer.unref();
  }

  private forget(key: string, s: Spawner): void {
    const entry = this.policies.get(key);
    if (!entry) return;
    entry.all.delete(s);
    const i = entry.idle.indexOf(s);
    if (i >= 0) entry.idle.splice(i, 1);
    if (entry.all.size === 0 && entry.waiting.length === 0) this.policies.delete(key);
    // A waiter for a full policy gets a fresh thread now that there is room.
    const next = entry.waiting.shift();
    if (next) {
      const fresh = new Spawner(entry.init, this.deps, (gone) => this.forget(key, gone));
      entry.all.add(fresh);
      next(fresh);
    }
  }

  /** Threads alive now, for tests and doctor. */
  size(): number {
    let n = 0;
    for (const e of this.policies.values()) n += e.all.size;
    return n;
  }

  async shutdown(): Promise<void> {
    const all: Spawner[] = [];
    for (const e of this.policies.values()) all.push(...e.all);
    this.policies.clear();
    await Promise.all(all.map((s) => s.terminate()));
  }
}
