/**
 * Main-thread side of the exit watcher (see notifier-worker.ts): starts it once, registers each spawner's
 * listener fd, and looks up a program's peak memory recorded at its exit_group.
 */
import type { Worker } from 'node:worker_threads';
import { libc, check, close } from '../native/libc.js';
import { SandboxSetupError } from './errors.js';
import { writeFd } from './sys.js';
import { NOTIF_SLOTS, type NotifierMessage } from './notifier-protocol.js';
import { askWatcherToStop, endThread, notifierStopped, takeNotifierThread } from './warm.js';

const eventfd = libc.func('int eventfd(unsigned int initval, int flags)') as (v: number, f: number) => number;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const ONE = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);

let worker: Worker | null = null;
let table: Int32Array | null = null;
let control: Int32Array | null = null;
let wakeFd = -1;
let dead: string | null = null;

function ensure(): void {
  if (dead) throw new SandboxSetupError('exit watcher', dead);
  if (worker) return;
  const fd = check('eventfd', eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  const t = takeNotifierThread();
  wakeFd = fd;
  table = new Int32Array(t.init.table);
  control = new Int32Array(t.init.control);
  const w = t.worker;
  w.unref();
  const gone = (why: string) => { if (worker === w) { dead = why; worker = null; notifierStopped(); } };
  w.on('error', (e) => gone(`the exit watcher thread failed: ${e.message}`));
  w.on('exit', (code) => { close(fd); gone(`the exit watcher thread exited with code ${code}`); });
  worker = w;
  // The thread waits for its wake-up fd before it polls (it may have been started early, warm.ts).
  Atomics.store(control, 1, fd + 1);
  Atomics.notify(control, 1);
  // The watcher blocks in poll(2), where Node cannot stop it; before the process exits it must be told to stop,
  // or joining the thread at exit would wait forever.
  process.once('exit', stopNotifier);
}

/** Stops the exit watcher (synchronous: safe in an 'exit' handler). It restarts on the next run. */
export function stopNotifier(): void {
  if (!worker || !control) return;
  askWatcherToStop(control);
  writeFd(wakeFd, ONE, 8);
  worker = null;
  notifierStopped();
  process.removeListener('exit', stopNotifier);
}

/** Stops the exit watcher and resolves once its thread has ended (engine shutdown). */
export function endNotifier(): Promise<void> {
  const w = worker;
  stopNotifier();
  return w ? endThread(w, () => undefined) : Promise.resolve();
}

/** Hands a spawner's seccomp listener fd to the exit watcher. */
export function addListener(fd: number): void {
  ensure();
  worker!.postMessage({ type: 'add', fd } satisfies NotifierMessage);
  if (writeFd(wakeFd, ONE, 8) !== 8) throw new SandboxSetupError('exit watcher', 'could not wake the exit watcher', { call: 'write(eventfd)' });
}

/** Throws when the exit watcher has died (a run would then hang in exit_group until its wall limit). */
export function checkAlive(): void {
  ensure();
}

/** The largest peak resident and virtual memory (bytes) of the run led by `pid` at exit_group, or null. */
export function takeExitMemory(pid: number): { hwm: number; vmPeak: number } | null {
  if (!table) return null;
  const slot = (pid % NOTIF_SLOTS) * 4;
  if (Atomics.load(table, slot) !== pid) return null;
  const r = { hwm: Atomics.load(table, slot + 1) * 1024, vmPeak: Atomics.load(table, slot + 2) * 1024 };
  Atomics.store(table, slot, 0);
  return r;
}
