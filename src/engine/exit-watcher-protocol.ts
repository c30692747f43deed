/** Shared between the main thread and the exit watcher's thread (exit-watcher-worker.ts). */
export const EXIT_SLOTS = 8192;

export interface ExitWatcherInit {
  /**
   * SharedArrayBuffer of EXIT_SLOTS x 4 Int32: [session id, max VmHWM KiB, max VmPeak KiB, unused] of the processes
   * of one run seen at exit_group; slot = session id % EXIT_SLOTS (the session id is the run's leader pid).
   */
  table: SharedArrayBuffer;
  /**
   * Int32Array(2): [0] = 1 asks the watcher to stop (checked after every wake-up); [1] = the eventfd the main
   * thread writes to after posting a message, to interrupt poll(), plus one (0: not given yet). The thread can be
   * started before that fd exists (warm.ts); it waits on [1] with Atomics.wait until the main thread sets it.
   */
  control: SharedArrayBuffer;
}

export type ExitWatcherMessage = { type: 'add'; fd: number };

/**
 * Sets the exit watcher's stop flag and wakes it if it waits for its wake-up fd; one that polls must also be woken
 * through that fd (exit-watcher.ts). The one place that writes the flag.
 */
export function askWatcherToStop(control: Int32Array): void {
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 1);
}
