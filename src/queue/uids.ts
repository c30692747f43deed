/**
 * A root worker's users: one uid per job judged at once (firstUid .. firstUid + concurrency - 1, gid the same), so
 * that RLIMIT_NPROC, which counts every task of a uid on the machine, is each job's own budget. With one uid for
 * all, a job's `processes` budget is its limit plus what the uid ran when it started (docs/principles.md,
 * "Processes"): another job that grows afterwards takes from it, and a JVM or a Go program fails to start threads.
 * A uid that another process runs anything as when the worker starts is somebody else's (another worker, a user):
 * the worker refuses it.
 */
import { tasksOwnedByOthers } from '../engine/procfs.js';

const MAX_ID = 0xfffffffe;

export class UidPool {
  private readonly free: number[];

  constructor(readonly first: number, readonly count: number) {
    this.free = Array.from({ length: count }, (_, k) => first + k).reverse();
  }

  /** A uid no running job of this worker has. BullMQ runs at most `concurrency` jobs at once, so there is one. */
  take(): number {
    const uid = this.free.pop();
    if (uid === undefined) throw new Error(`internal error: more jobs at once than the worker's ${this.count} uids`);
    return uid;
  }

  give(uid: number): void {
    this.free.push(uid);
  }

  get last(): number {
    return this.first + this.count - 1;
  }
}

/**
 * Checks the range and that none of its uids runs anything, waiting up to `waitMs` for tasks to end (a worker
 * restarted at once after a SIGKILL: its programs' gates are killing them). Rejects with the uid and what to do.
 */
export async function claimUids(first: number, count: number, waitMs = 3000): Promise<UidPool> {
  if (!Number.isInteger(first) || first < 1 || first + count - 1 > MAX_ID) {
    throw new RangeError(`firstUid (--first-uid) must be a whole number from 1 to ${MAX_ID - count + 1} (the worker's ${count} uids `
      + `follow it), got ${first}`);
  }
  const end = Date.now() + waitMs;
  for (;;) {
    let busy: { uid: number; tasks: number } | null = null;
    for (let uid = first; uid < first + count && busy === null; uid++) {
      // This process's own tasks are not another's: its spawner threads keep the uid of the last program they ran.
      const tasks = tasksOwnedByOthers(uid);
      if (tasks > 0) busy = { uid, tasks };
    }
    if (busy === null) return new UidPool(first, count);
    if (Date.now() >= end) {
      throw new Error(`uid ${busy.uid} runs ${busy.tasks} task(s): another worker or a user has it, and a job's process `
        + `budget would be shared. Give this worker uids no one uses (firstUid / --first-uid; it uses ${first}..`
        + `${first + count - 1})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
