/**
 * The gate: the process a spawner thread spawns for a run, which sets its own resource limits, says so, waits for
 * the runner's word and only then becomes the program. Limits are per process and cannot be put on a thread of the
 * runner, and prlimit(2) on the gate from outside would need CAP_SYS_RESOURCE (or the program's uid), so the gate
 * sets them on itself:
 *
 *   /bin/sh -c 'ulimit -t .. && ulimit -v .. && ... && shift 6 && echo >&3 || exit 125;
 *              read -r _ <&3 || exit 125; exec 3<&-; exec "$0" "$@"'  PROGRAM LIMITS... ARGS...
 *
 * with fd 3 one end of a socketpair. The runner reads the line, compares /proc/PID/limits with what it asked for,
 * and writes the line that releases the gate. If anything fails the runner closes fd 3 unwritten: `read` fails,
 * the shell exits 125, and the program never runs.
 */
import path from 'node:path';
import type { Socket } from 'node:net';
import type { Normalized } from './options.js';
import type { Faults } from './protocol.js';

export const GATE = '/bin/sh';
/** The gate's comm (/bin/sh's file name): until the exec, /proc shows it instead of the program's. */
export const GATE_COMM = 'sh';
/** How long the gate may take to set its limits and say so. */
export const GATE_TIMEOUT_MS = 10_000;

/**
 * $0 is the program, $1..$6 the limits, the rest the program's arguments. dash's `ulimit` sets soft and hard
 * together and can only lower them, so the program cannot raise them again.
 */
const GATE_SCRIPT = 'ulimit -t "$1" && ulimit -v "$2" && ulimit -s "$3" && ulimit -f "$4" && ulimit -n "$5" && '
  + 'ulimit -p "$6" && ulimit -c 0 && ulimit -l 0 && ulimit -r 0 && shift 6 && echo >&3 || exit 125; '
  + 'read -r _ <&3 || exit 125; exec 3<&-; exec "$0" "$@"';

/** The limits a run's gate sets, in bytes and counts (what `enforced.rlimits` reports). */
export interface RunLimits {
  /** RLIMIT_CPU, seconds: a backstop only, the monitor kills within a tick of cpuTime. */
  cpu: number;
  /** RLIMIT_AS, bytes. */
  as: number;
  stack: number;
  fsize: number;
  nofile: number;
  nproc: number;
  core: 0;
  memlock: 0;
  rtprio: 0;
}

/**
 * The limits of a run. RLIMIT_NPROC counts every task (process or thread) of the REAL uid on the machine: with one
 * process the limit is 1 whatever else that uid runs (no fork, vfork, clone or thread can succeed); with more, the
 * uid's tasks that exist now (`tasksOfUid`, counted only then) are added, so the count is exact only when the uid
 * runs nothing else (docs/principles.md, "Processes").
 */
export function runLimits(o: Normalized, tasksOfUid: () => number): RunLimits {
  return {
    cpu: Math.ceil(o.cpuTime) + 1,
    // dash takes -v and -s in KiB, -f in 512-byte blocks: the limits are what those units can express.
    as: Math.floor((o.memory * 2) / 1024) * 1024,
    stack: Math.floor(o.stack / 1024) * 1024,
    fsize: Math.floor(o.fileSize / 512) * 512,
    nofile: o.openFiles,
    nproc: o.processes === 1 ? 1 : o.processes + tasksOfUid(),
    core: 0,
    memlock: 0,
    // No real-time scheduling, whatever the runner's own RLIMIT_RTPRIO: a SCHED_FIFO busy loop would starve the
    // runner's threads on that core until RLIMIT_CPU.
    rtprio: 0,
  };
}

/** The gate's argv for `program` under `limits` (faults: ask for what cannot be set, or expect what was not). */
export function gateArgv(o: Normalized, program: string, args: readonly string[], l: RunLimits, faults: Faults | null): string[] {
  const nofile = faults?.rlimitFails ? 1 << 30 : l.nofile;
  const limits = [l.cpu, l.as / 1024, l.stack / 1024, l.fsize / 512, nofile, l.nproc].map(String);
  // dash exports PWD when it starts; unless the caller's env has one, the program must not see it.
  return [GATE, '-c', 'PWD' in o.env ? GATE_SCRIPT : `unset PWD; ${GATE_SCRIPT}`, program, ...limits, ...args];
}

/** What /proc/PID/limits of the waiting gate must show, soft and hard, by row name. */
export function expectedProcLimits(l: RunLimits, faults: Faults | null): Record<string, number> {
  return {
    'Max cpu time': faults?.rlimitMismatch ? l.cpu + 1 : l.cpu,
    'Max address space': l.as,
    'Max stack size': l.stack,
    'Max file size': l.fsize,
    'Max open files': l.nofile,
    'Max processes': l.nproc,
    'Max core file size': l.core,
    'Max locked memory': l.memlock,
    'Max realtime priority': l.rtprio,
  };
}

/** The comm the program will have once the gate has exec'd it: its file name cut to 15 bytes (TASK_COMM_LEN). */
export function commOf(file: string): string {
  return Buffer.from(path.basename(file)).subarray(0, 15).toString('latin1');
}

/**
 * Resolves true when the gate has said "limits set" (one line on its socket), false when it closed the socket or
 * said nothing within GATE_TIMEOUT_MS (it answers within milliseconds).
 */
export function gateReady(gate: Socket): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let got = '';
    const done = (v: boolean) => {
      clearTimeout(timer);
      gate.off('data', onData);
      gate.off('close', onClose);
      gate.off('error', onClose);
      resolve(v);
    };
    const onData = (d: Buffer) => { got += d.toString('latin1'); if (got.includes('\n')) done(true); };
    const onClose = () => done(false);
    const timer = setTimeout(onClose, GATE_TIMEOUT_MS);
    gate.on('data', onData);
    gate.once('close', onClose);
    gate.once('error', onClose);
  });
}
