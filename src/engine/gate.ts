/**
 * The gate (src/gate/gate.c, built into dist/gate/gate): the process a spawner thread spawns for a run. It sets the
 * run's limits, starts the program's process with clone(CLONE_VM | CLONE_VFORK) so that its figures are its own,
 * and that child, before its exec, takes the final process limit and a process group of its own, says its pid, and
 * waits for the runner's word, which carries the own-/proc Landlock layer built for that pid. The gate then waits
 * for the program and reports its exit status and exact rusage; if the runner goes away first, it kills the
 * program's group.
 *
 * This module is the runner's side: the gate's argv, the limits it sets and what /proc/PID/limits must then show,
 * where the binary is, and the lines the gate and its child say on fd 3 (a socketpair).
 */
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isAtOrBelow } from '../landlock/plan.js';
import { SandboxSetupError } from './errors.js';
import type { Normalized } from './options.js';
import { EXECUTE, WRITE, modeAllows, reachableBy } from './program.js';
import type { Faults } from './protocol.js';

/** How long the gate may take to answer one step (it answers within milliseconds). */
export const GATE_TIMEOUT_MS = 10_000;

/** A limit's value, or unlimited (RLIM_INFINITY). */
export type LimitValue = number | 'unlimited';

/** The limits of a run's program, in seconds, bytes and counts (what `enforced.rlimits` reports). */
export interface RunLimits {
  /** RLIMIT_CPU, seconds: a backstop only, the monitor kills within a tick of cpuTime. */
  cpu: number;
  /** RLIMIT_DATA, bytes: private writable memory (reservations count only once writable). */
  data: number;
  /** RLIMIT_STACK, bytes: the main thread's stack, and what glibc gives every thread when set (not unlimited). */
  stack: LimitValue;
  fsize: number;
  nofile: number;
  nproc: number;
  core: 0;
  memlock: 0;
  rtprio: 0;
}

/**
 * The limits of a run. RLIMIT_DATA is twice the memory limit and 1 GiB (runtimes' untouched thread stacks count):
 * a backstop against a fast allocator between two samples, which does not count reserved address space (a JVM's
 * heap, Go's arenas, V8's cage); MLE itself is decided on resident memory. RLIMIT_NPROC counts every task (process
 * or thread) of the REAL uid on the machine: with one process the limit is 1 whatever else that uid runs (no fork,
 * vfork, clone or thread can succeed); with more, the uid's tasks that exist now (`tasksOfUid`, counted only then)
 * and the gate are added, so the count is exact only when the uid runs nothing else (docs/principles.md,
 * "Processes").
 */
export function runLimits(o: Normalized, tasksOfUid: () => number): RunLimits {
  return {
    cpu: Math.ceil(o.cpuTime) + 1,
    data: o.memory * 2 + 1024 * 1024 * 1024,
    stack: o.stack ?? 'unlimited',
    fsize: o.fileSize,
    nofile: o.openFiles,
    nproc: o.processes === 1 ? 1 : o.processes + tasksOfUid() + 1,
    core: 0,
    memlock: 0,
    rtprio: 0,
  };
}

const arg = (v: LimitValue) => (v === 'unlimited' ? 'u' : String(v));

/**
 * The gate's argv (gate.c: `gate 2 CPU DATA STACK FSIZE NOFILE NPROC SIGPIPE LISTENER -- PROGRAM ARGS...`, SIGPIPE d
 * or i, LISTENER l when the program's filter has a listener for the gate to answer, else -).
 */
export function gateArgv(gate: string, program: string, args: readonly string[], l: RunLimits, faults: Faults | null,
  ignoreSigpipe = false, listener = false): string[] {
  // The fault asks for more open files than any hard limit allows: the gate's setrlimit fails.
  const nofile = faults?.rlimitFails ? 1 << 30 : l.nofile;
  return [gate, '2', ...[l.cpu, l.data, l.stack, l.fsize, nofile, l.nproc].map(arg), ignoreSigpipe ? 'i' : 'd', listener ? 'l' : '-', '--',
    program, ...args];
}

/** What /proc/PID/limits of the program's process must show before its exec, soft and hard, by row name. */
export function expectedProcLimits(l: RunLimits, faults: Faults | null): Record<string, LimitValue> {
  return {
    'Max cpu time': faults?.rlimitMismatch ? l.cpu + 1 : l.cpu,
    'Max data size': l.data,
    'Max stack size': l.stack,
    'Max file size': l.fsize,
    'Max open files': l.nofile,
    'Max processes': l.nproc,
    'Max core file size': l.core,
    'Max locked memory': l.memlock,
    'Max realtime priority': l.rtprio,
  };
}

/** A line from the gate or its child (gate.c's protocol). */
export type GateLine =
  | { kind: 'pid'; pid: number }
  | { kind: 'started' }
  /** endedUs: CLOCK_MONOTONIC microseconds when the gate saw the program end (process.hrtime's clock). */
  | { kind: 'exit'; wstatus: number; cpuTime: number; maxRssKiB: number; endedUs: number }
  | { kind: 'failed'; call: string; errno: number }
  | { kind: 'exec-failed'; errno: number };

/** Parses one line; anything else is a protocol error (null). */
export function parseGateLine(line: string): GateLine | null {
  const f = line.split(' ');
  const n = (s: string | undefined) => (s !== undefined && /^-?\d+$/.test(s) ? Number(s) : NaN);
  switch (f[0]) {
    case 'p': return f.length === 2 && n(f[1]) > 0 ? { kind: 'pid', pid: n(f[1]) } : null;
    case 's': return f.length === 1 ? { kind: 'started' } : null;
    case 'x': {
      const [w, u, s, m, t] = [n(f[1]), n(f[2]), n(f[3]), n(f[4]), n(f[5])];
      return f.length === 6 && [w, u, s, m, t].every(Number.isFinite)
        ? { kind: 'exit', wstatus: w, cpuTime: (u + s) / 1e6, maxRssKiB: m, endedUs: t } : null;
    }
    case 'f': return f.length === 3 && /^[\w(),]+$/.test(f[1]!) && n(f[2]) >= 0 ? { kind: 'failed', call: f[1]!, errno: n(f[2]) } : null;
    case 'e': return f.length === 2 && n(f[1]) >= 0 ? { kind: 'exec-failed', errno: n(f[1]) } : null;
    default: return null;
  }
}

/**
 * The lines the gate says on its socket, one at a time. `next()` resolves with the next line, or null when the
 * socket closed or nothing came within GATE_TIMEOUT_MS; `onLine` (replacing next) receives every line from then on.
 */
/** What a line that is not in the protocol counts as: the gate failing. */
const PROTOCOL_ERROR: GateLine = { kind: 'failed', call: 'protocol', errno: 0 };

export class GateChannel {
  private buffered = '';
  private readonly lines: GateLine[] = [];
  private waiter: ((l: GateLine | null) => void) | null = null;
  private listener: ((l: GateLine | null) => void) | null = null;
  private closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered += d.toString('latin1');
      for (let i = this.buffered.indexOf('\n'); i >= 0; i = this.buffered.indexOf('\n')) {
        this.deliver(parseGateLine(this.buffered.slice(0, i)) ?? PROTOCOL_ERROR);
        this.buffered = this.buffered.slice(i + 1);
      }
    });
    const end = () => {
      this.closed = true;
      this.waiter?.(null);
      this.waiter = null;
      this.listener?.(null);
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  private deliver(line: GateLine): void {
    if (this.listener) this.listener(line);
    else if (this.waiter) { const w = this.waiter; this.waiter = null; w(line); }
    else this.lines.push(line);
  }

  /** The next line, parsed (a malformed one is a protocol failure); null when the gate is gone or silent. */
  next(): Promise<GateLine | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiter = null; resolve(null); }, GATE_TIMEOUT_MS);
      this.waiter = (l) => { clearTimeout(timer); resolve(l); };
    });
  }

  /** Every line from now on (and null once the socket closes), for the monitor. */
  onLine(cb: (l: GateLine | null) => void): void {
    this.listener = cb;
    for (const l of this.lines.splice(0)) cb(l);
    if (this.closed) cb(null);
  }
}

/** A line that is not the expected one, as the setup error of `step`. */
export function unexpected(step: 'rlimits' | 'release', line: GateLine | null, expected: string): SandboxSetupError {
  if (line === null) return new SandboxSetupError(step, `the gate said nothing (it exited, or did not answer within ${GATE_TIMEOUT_MS / 1000} s); the program was not started`);
  if (line.kind === 'failed') {
    return new SandboxSetupError(step, 'the program was not started', { call: line.call, ...(line.errno > 0 ? { errno: line.errno } : {}) });
  }
  if (line.kind === 'exec-failed') return new SandboxSetupError(step, 'the program could not be executed', { call: 'execve', errno: line.errno });
  return new SandboxSetupError(step, `the gate said "${line.kind}" where ${expected} was due; the program was not started`);
}

/** Where the build puts the gate. */
export const BUILT_GATE = fileURLToPath(new URL('../gate/gate', import.meta.url));
const located = new Map<string, string>();

/** Whether uid/gid may execute `file`, every directory on the way included (mode bits). */
export const reachable = (file: string, uid: number, gid: number): boolean => reachableBy(file, uid, gid, EXECUTE);

/**
 * The --write-allow path through which the program could replace `file` (write it, or rename or remove it or a
 * directory above it), or null. A program running as the runner's own user owns what the runner owns, so any
 * write-allow path above the file is enough; one running as another user also needs the mode bits.
 */
function replaceableThrough(file: string, o: Normalized): string | null {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const target = real(file);
  for (const allowed of o.writeAllowPaths) {
    const w = real(allowed);
    if (!isAtOrBelow(target, w)) continue;
    if (o.uid === null) return allowed;
    for (let p = target; ; p = path.dirname(p)) {
      try {
        if (modeAllows(statSync(p), o.uid, o.gid!, WRITE)) return allowed;
      } catch {
        return allowed;
      }
      if (p === w || p === path.dirname(p)) break;
    }
  }
  return null;
}

/**
 * The gate binary a run's program user can execute: the built one (dist/gate/gate), or, when that user cannot
 * reach it (a root runner's checkout under /root, say), a copy in a directory of the runner's own under the temp
 * directory, named after the binary's hash and checked to be the runner's, not a symlink and not writable by
 * others. Neither may lie where the program could replace it (a tampered gate would skip the own-/proc layer for
 * later runs). A missing gate is a setup error: there is no run without it.
 */
export function gateBinary(o: Normalized): string {
  if (!existsSync(BUILT_GATE)) {
    throw new SandboxSetupError('gate', `the gate binary ${BUILT_GATE} is missing: build it (npm run build, which needs a C compiler)`);
  }
  const key = JSON.stringify([o.uid, o.gid, o.readDenyPaths, o.writeAllowPaths]);
  const known = located.get(key);
  if (known !== undefined && existsSync(known)) return known;
  const denied = (p: string) => o.readDenyPaths.some((d) => p === d || p.startsWith(`${d}/`));
  const usable = (p: string) => (o.uid === null || reachable(p, o.uid, o.gid!)) && !denied(p) && replaceableThrough(p, o) === null;
  if (usable(BUILT_GATE)) {
    located.set(key, BUILT_GATE);
    return BUILT_GATE;
  }
  const bytes = readFileSync(BUILT_GATE);
  const dir = path.join(os.tmpdir(), `simple-cp-sandbox-gate-${process.geteuid!()}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`);
  const copy = path.join(dir, 'gate');
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.geteuid!() || (st.mode & 0o022) !== 0) {
    throw new SandboxSetupError('gate', `${dir} is not a directory of this user's that only it can write: remove it`);
  }
  if (!existsSync(copy) || !readFileSync(copy).equals(bytes)) {
    copyFileSync(BUILT_GATE, copy);
    chmodSync(copy, 0o755);
  }
  const cs = lstatSync(copy);
  if (!cs.isFile() || cs.uid !== process.geteuid!() || (cs.mode & 0o7777) !== 0o755) {
    throw new SandboxSetupError('gate', `${copy} is not the gate this user installed (mode 0755): remove ${dir}`);
  }
  const through = replaceableThrough(copy, o);
  if (through !== null) {
    throw new SandboxSetupError('gate', `the gate ${copy} lies inside --write-allow ${through}, where the program could `
      + 'replace it for later runs: allow a narrower directory, or set TMPDIR to a directory programs may not write');
  }
  if ((o.uid !== null && !reachable(copy, o.uid, o.gid!)) || denied(copy)) {
    throw new SandboxSetupError('gate', `the program's user can execute neither ${BUILT_GATE} nor ${copy} (denied or out of its reach): `
      + 'make one of them reachable');
  }
  located.set(key, copy);
  return copy;
}
