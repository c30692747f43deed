/** Shared between the main thread and the exit watcher (notifier-worker.ts). */
export const NOTIF_SLOTS = 8192;

export interface NotifierInit {
  /**
   * SharedArrayBuffer of NOTIF_SLOTS x 4 Int32: [session id, max VmHWM KiB, max VmPeak KiB, unused] of the processes
   * of one run seen at exit_group; slot = session id % NOTIF_SLOTS (the session id is the run's leader pid).
   */
  table: SharedArrayBuffer;
  /**
   * Int32Array(2): [0] = 1 asks the watcher to stop (checked after every wake-up); [1] = the eventfd the main
   * thread writes to after posting a message, to interrupt poll(), plus one (0: not given yet). The thread can be
   * started before that fd exists (warm.ts); it waits on [1] with Atomics.wait until the main thread sets it.
   */
  control: SharedArrayBuffer;
}

export type NotifierMessage = { type: 'add'; fd: number };
