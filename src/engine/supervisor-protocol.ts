/** Shared between the main thread and the supervisor's thread (supervisor-worker.ts). */

export interface SupervisorInit {
  /**
   * Int32Array(2): [0] = 1 asks the supervisor to stop (checked after every wake-up); [1] = the eventfd the main
   * thread writes to after posting a message, to interrupt poll(), plus one (0: not given yet). The thread starts
   * before the main thread sets it, and waits on [1] with Atomics.wait until then.
   */
  control: SharedArrayBuffer;
}

export type SupervisorMessage = { type: 'add'; fd: number };

/**
 * Sets the supervisor's stop flag and wakes it if it waits for its wake-up fd; one that polls must also be woken
 * through that fd (supervisor.ts). The one place that writes the flag.
 */
export function askSupervisorToStop(control: Int32Array): void {
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 1);
}
