/**
 * Main-thread side of an engine's exit watcher (exit-watcher-worker.ts): starts its thread on first use, registers
 * each spawner's seccomp listener fd, and looks up a program's peak memory recorded at its exit_group.
 */
import type { Worker } from 'node:worker_threads';
import { EFD_CLOEXEC, EFD_NONBLOCK, eventfd, write } from '../native/fd.js';
import { check, close } from '../native/libc.js';
import { SandboxSetupError } from './errors.js';
import { askWatcherToStop, EXIT_SLOTS, type ExitWatcherMessage } from './exit-watcher-protocol.js';
import { endThread, type Spares } from './warm.js';

const ONE = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);

export class ExitWatcher {
  private worker: Worker | null = null;
  private table: Int32Array | null = null;
  private control: Int32Array | null = null;
  private wakeFd = -1;
  private dead: string | null = null;
  private readonly stopAtExit = (): void => this.stop();

  constructor(private readonly spares: Spares) {}

  /** Starts the thread unless it runs; throws when it has died (a run would then hang in exit_group until its wall limit). */
  ensure(): void {
    if (this.dead) throw new SandboxSetupError('exit watcher', this.dead);
    if (this.worker) return;
    const fd = check('eventfd', eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    const t = this.spares.takeWatcherThread();
    this.wakeFd = fd;
    this.table = new Int32Array(t.init.table);
    this.control = new Int32Array(t.init.control);
    const w = t.worker;
    w.unref();
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.dead = why;
      this.worker = null;
      this.spares.watcherStopped();
    };
    w.on('error', (e) => gone(`the exit watcher thread failed: ${e.message}`));
    w.on('exit', (code) => { close(fd); gone(`the exit watcher thread exited with code ${code}`); });
    this.worker = w;
    // The thread waits for its wake-up fd before it polls (it may have been started early, warm.ts).
    Atomics.store(this.control, 1, fd + 1);
    Atomics.notify(this.control, 1);
    // The watcher blocks in poll(2), where Node cannot stop it; before the process exits it must be told to stop,
    // or joining the thread at exit would wait forever.
    process.once('exit', this.stopAtExit);
  }

  /** Stops the exit watcher (synchronous: safe in an 'exit' handler). It restarts on the next run. */
  stop(): void {
    if (!this.worker || !this.control) return;
    askWatcherToStop(this.control);
    write(this.wakeFd, ONE, 8);
    this.worker = null;
    this.spares.watcherStopped();
    process.removeListener('exit', this.stopAtExit);
  }

  /** Stops the exit watcher and resolves once its thread has ended (engine shutdown). */
  end(): Promise<void> {
    const w = this.worker;
    this.stop();
    return w ? endThread(w, () => undefined) : Promise.resolve();
  }

  /** Hands a spawner's seccomp listener fd to the exit watcher. */
  addListener(fd: number): void {
    this.ensure();
    this.worker!.postMessage({ type: 'add', fd } satisfies ExitWatcherMessage);
    if (write(this.wakeFd, ONE, 8) !== 8) throw new SandboxSetupError('exit watcher', 'could not wake the exit watcher', { call: 'write(eventfd)' });
  }

  /** The largest peak resident and virtual memory (bytes) of the run led by `pid` at exit_group, or null. */
  takeExitMemory(pid: number): { hwm: number; vmPeak: number } | null {
    if (!this.table) return null;
    const slot = (pid % EXIT_SLOTS) * 4;
    if (Atomics.load(this.table, slot) !== pid) return null;
    const r = { hwm: Atomics.load(this.table, slot + 1) * 1024, vmPeak: Atomics.load(this.table, slot + 2) * 1024 };
    Atomics.store(this.table, slot, 0);
    return r;
  }
}
