/** Shared between the main thread and the exit watcher (notifier-worker.ts). */
export const NOTIF_SLOTS = 8192;

export interface NotifierInit {
  /**
   * SharedArrayBuffer of NOTIF_SLOTS x 4 Int32: [session id, max VmHWM KiB, max VmPeak KiB, unused] of the processes
   * of one run seen at exit_group; slot = session id % NOTIF_SLOTS (the session id is the run's leader pid).
   */
  table: SharedArrayBuffer;
  /** Int32Array(1) flag: 1 asks the watcher to stop (checked after every wake-up). */
  control: SharedArrayBuffer;
  /** eventfd the main thread writes to after posting a message, to interrupt poll(). */
  wakeFd: number;
}

export type NotifierMessage = { type: 'add'; fd: number };
