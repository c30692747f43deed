/**
 * Main-thread side of an engine's supervisor (supervisor-worker.ts): starts its thread on first use (the first run
 * of more than one process) and registers each spawner's seccomp listener fd.
 */
import { Worker } from 'node:worker_threads';
import { EFD_CLOEXEC, EFD_NONBLOCK, eventfd, write } from '../native/fd.js';
import { check, close } from '../native/libc.js';
import { SandboxSetupError } from './errors.js';
import { askSupervisorToStop, type SupervisorInit, type SupervisorMessage } from './supervisor-protocol.js';
import { endThread } from './warm.js';

const ONE = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);

export class Supervisor {
  private worker: Worker | null = null;
  private control: Int32Array | null = null;
  private wakeFd = -1;
  private dead: string | null = null;
  private readonly stopAtExit = (): void => this.stop();

  /** Starts the thread unless it runs; throws when it has died (a run would then hang in setsid until its wall limit). */
  ensure(): void {
    if (this.dead) throw new SandboxSetupError('supervisor', this.dead);
    if (this.worker) return;
    const fd = check('eventfd', eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    const init: SupervisorInit = { control: new SharedArrayBuffer(2 * 4) };
    const w = new Worker(new URL('./supervisor-worker.js', import.meta.url), { workerData: init });
    this.wakeFd = fd;
    this.control = new Int32Array(init.control);
    w.unref();
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.dead = why;
      this.worker = null;
    };
    w.on('error', (e) => gone(`the supervisor thread failed: ${e.message}`));
    w.on('exit', (code) => { close(fd); gone(`the supervisor thread exited with code ${code}`); });
    this.worker = w;
    // The thread waits for its wake-up fd before it polls.
    Atomics.store(this.control, 1, fd + 1);
    Atomics.notify(this.control, 1);
    // The supervisor blocks in poll(2), where Node cannot stop it; before the process exits it must be told to
    // stop, or joining the thread at exit would wait forever.
    process.once('exit', this.stopAtExit);
  }

  /** Stops the supervisor (synchronous: safe in an 'exit' handler). It restarts on the next run that needs it. */
  stop(): void {
    if (!this.worker || !this.control) return;
    askSupervisorToStop(this.control);
    write(this.wakeFd, ONE, 8);
    this.worker = null;
    process.removeListener('exit', this.stopAtExit);
  }

  /** Stops the supervisor and resolves once its thread has ended (engine shutdown). */
  end(): Promise<void> {
    const w = this.worker;
    this.stop();
    return w ? endThread(w, () => undefined) : Promise.resolve();
  }

  /** Hands a spawner's seccomp listener fd to the supervisor. */
  addListener(fd: number): void {
    this.ensure();
    this.worker!.postMessage({ type: 'add', fd } satisfies SupervisorMessage);
    if (write(this.wakeFd, ONE, 8) !== 8) throw new SandboxSetupError('supervisor', 'could not wake the supervisor', { call: 'write(eventfd)' });
  }
}
