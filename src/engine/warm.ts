/**
 * A spawner thread, which every first run needs, startable before a run asks for it. A worker thread takes tens of
 * milliseconds to boot, most of a cold start: prestart() boots a spawner thread while the caller is still loading
 * the rest of the engine (koffi, the Landlock planner) and parsing its arguments.
 *
 * This module loads nothing but node:worker_threads, so calling it costs nothing else. A started thread is only a
 * booted, UNRESTRICTED worker waiting for its instructions: the spawner thread restricts itself when the pool
 * sends it its policy (pool.ts). Until then it holds nothing and does nothing, and it is unref'd, so an unused one
 * never keeps the process alive.
 *
 * Each Engine takes its threads from its own Spares; the default engine's are DEFAULT_SPARES, which the CLI fills
 * before it has even loaded the engine.
 */
import { Worker } from 'node:worker_threads';

interface Spare {
  worker: Worker;
  /** Set when the thread ended or failed before anyone took it. */
  gone: boolean;
  onGone: () => void;
}

function spare(worker: Worker): Spare {
  const s: Spare = { worker, gone: false, onGone: () => { s.gone = true; } };
  worker.unref();
  // Until taken, a failure only marks the thread as not to be handed out (an 'error' without a listener would
  // throw in the caller); whoever takes it attaches its own handlers.
  worker.on('error', s.onGone);
  worker.on('exit', s.onGone);
  return s;
}

function take(s: Spare | null): Worker | null {
  if (!s) return null;
  s.worker.off('error', s.onGone);
  s.worker.off('exit', s.onGone);
  if (s.gone) return null;
  return s.worker;
}

function newSpawnerThread(): Worker {
  return new Worker(new URL('./spawner-worker.js', import.meta.url));
}

export class Spares {
  private spawner: Spare | null = null;

  /** Starts a spawner thread now, for the next run to take. Idempotent: at most one waits. */
  prestart(): void {
    if (!this.spawner || this.spawner.gone) {
      this.spawner = spare(newSpawnerThread());
    }
  }

  /**
   * Takes a spawner thread someone else started (the bin starts one before it has even loaded the CLI): it waits
   * here as a prestarted one would, or is ended when one already does.
   */
  adopt(worker: Worker): void {
    if (!this.spawner || this.spawner.gone) this.spawner = spare(worker);
    else void endSpawnerThread(worker);
  }

  /** A spawner thread: the prestarted one if it is still there, else a new one. */
  takeSpawnerThread(): Worker {
    const s = this.spawner;
    this.spawner = null;
    return take(s) ?? newSpawnerThread();
  }

  /** Ends the thread nobody took (engine shutdown). */
  async stop(): Promise<void> {
    const s = this.spawner;
    this.spawner = null;
    if (s) await endSpawnerThread(s.worker);
  }
}

/** The default engine's spares (engine/index.ts). */
export const DEFAULT_SPARES = new Spares();

/**
 * Starts the default engine's first spawner thread now, before its first run (see the module comment). The CLI
 * calls it first thing for a run; a library caller may call it before its first run. An Engine of one's own has
 * engine.prestart().
 */
export function prestart(): void {
  DEFAULT_SPARES.prestart();
}

/** Hands a spawner thread started by the caller (running this directory's spawner-worker.js) to the default engine. */
export function adoptSpawnerThread(worker: Worker): void {
  DEFAULT_SPARES.adopt(worker);
}

/**
 * Ends a thread of the engine by asking it to (`ask`) and resolves when it has. Worker.terminate() is only the
 * fallback, after `graceMs`: terminating a thread that is still loading koffi aborts the whole process (koffi
 * throws from native code while termination is pending: "FATAL ERROR: Error::ThrowAsJavaScriptException"), and a
 * prestarted or freshly started thread may well be doing that. Asked, a thread ends only between tasks.
 */
export function endThread(w: Worker, ask: () => void, graceMs = 2000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (w.threadId < 0) {
      resolve(); // already ended
      return;
    }
    // Referenced until it has ended: the caller awaits this, and an event loop left with nothing referenced would
    // exit (or, at the top level of the bin, report an unsettled await) while the thread is still loading.
    w.ref();
    const timer = setTimeout(() => { void w.terminate(); }, graceMs);
    w.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask();
  });
}

/** Asks a spawner thread to end (spawner-worker.ts closes its port on `stop`). */
export function endSpawnerThread(w: Worker): Promise<void> {
  return endThread(w, () => w.postMessage({ type: 'stop' }));
}
