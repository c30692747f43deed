/**
 * What the runner reads of a process in /proc: CPU time and memory while it runs, its resource limits before it
 * execs, and how many tasks a uid owns. The parsers are pure (tested on literal text in test/engine/procfs.test.ts);
 * the readers return null once the process is gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports times in clock ticks of 1/100 s on every Linux arch this code supports. */
export const CLK_TCK = 100;

/** The fields of /proc/PID/stat after `(comm)`, which may itself contain spaces and parentheses. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** /proc/PID/stat: utime + stime of every thread (fields 14 and 15), in seconds. */
export function parseStat(stat: string): { cpuSeconds: number } {
  const f = statFields(stat); // f[0] is field 3 (state)
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / CLK_TCK };
}

const KIB_FIELDS = {
  VmHWM: /^VmHWM:\s+(\d+) kB/m,
  VmData: /^VmData:\s+(\d+) kB/m,
  VmPeak: /^VmPeak:\s+(\d+) kB/m,
  VmRSS: /^VmRSS:\s+(\d+) kB/m,
} as const;

/** A `Key:   N kB` line of /proc/PID/status, in KiB (0 when absent). */
export function statusKiB(status: string, key: keyof typeof KIB_FIELDS): number {
  const m = KIB_FIELDS[key].exec(status);
  return m ? Number(m[1]) : 0;
}

export interface ProcSample {
  /** utime + stime of every thread, seconds. */
  cpu: number;
  /** Peak resident memory (VmHWM), bytes. */
  hwm: number;
  /** Private writable and stack memory (VmData: what RLIMIT_DATA counts, and the main stack), bytes. */
  data: number;
}

/** CPU time and memory of a live process. null once it is gone. */
export function sampleProc(pid: number): ProcSample | null {
  try {
    const { cpuSeconds } = parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    return { cpu: cpuSeconds, hwm: statusKiB(status, 'VmHWM') * 1024, data: statusKiB(status, 'VmData') * 1024 };
  } catch {
    return null;
  }
}

/** The CPU seconds (user + system) of process `pid` so far, or 0 when it cannot be read (gone). */
export function sampleCpu(pid: number): number {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1')).cpuSeconds;
  } catch {
    return 0;
  }
}

/**
 * Compares the text of /proc/PID/limits (soft and hard) with the values expected for each limit's row name.
 * Returns a description of the first difference, or null.
 */
export function limitsMismatch(text: string, expected: Readonly<Record<string, number | 'unlimited'>>): string | null {
  const lines = text.split('\n');
  const value = (s: string | undefined) => (s === 'unlimited' ? s : Number(s));
  for (const [name, want] of Object.entries(expected)) {
    const line = lines.find((l) => l.startsWith(name));
    // The limit's name is padded to 26 columns, then the soft and hard values.
    const m = line ? /^.{26}(\S+)\s+(\S+)/.exec(line) : null;
    if (!m || value(m[1]) !== want || value(m[2]) !== want) return `"${line?.trim() ?? `${name} missing`}" (expected ${want})`;
  }
  return null;
}

/** The limits of a live process as /proc/PID/limits shows them, compared (limitsMismatch); a read failure is a difference. */
export function checkProcLimits(pid: number, expected: Readonly<Record<string, number | 'unlimited'>>): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'latin1');
  } catch (e) {
    return `nothing (${(e as Error).message})`;
  }
  return limitsMismatch(text, expected);
}

function uidOf(status: string): number | null {
  const u = /^Uid:\s+(\d+)/m.exec(status);
  return u ? Number(u[1]) : null;
}

/** The tasks of process `pid` (its threads included) whose real uid is `uid`, one by one. */
function tasksOfProcess(pid: number | 'self', uid: number): number {
  let n = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // gone meanwhile
  }
  for (const tid of tids) {
    try {
      if (uidOf(readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1')) === uid) n++;
    } catch { /* ended meanwhile */ }
  }
  return n;
}

/**
 * Tasks (threads included) whose real uid is `uid`, now. A thread's credentials are its own: a runner's spawner
 * threads (this runner's or another's on the same machine) drop to the program's uid while the leader's Uid line
 * still shows the runner's, and RLIMIT_NPROC counts them. So a process with more than one thread is counted thread
 * by thread; a single-threaded one by its Uid line.
 */
export function tasksOwnedBy(uid: number): number {
  return tasksOfProcess('self', uid) + tasksOwnedByOthers(uid);
}

/** tasksOwnedBy but for this process's own tasks (the engine's spawner threads keep the uid of their last program). */
export function tasksOwnedByOthers(uid: number): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'latin1');
      const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
      if (threads > 1) n += tasksOfProcess(Number(name), uid);
      else if (uidOf(status) === uid) n++;
    } catch { /* gone meanwhile */ }
  }
  return n;
}
