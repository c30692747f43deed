/**
 * A released program, watched until it is gone: its output read as it arrives (kept up to outputLimit, or passed
 * on to a caller's stream), its CPU time and memory sampled from /proc, its exit seen (reaper.ts), its process group
 * killed and its leader reaped. Resolves with what was observed; classify.ts turns that into the RunResult.
 */
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { kill, SIGKILL } from '../native/wait.js';
import type { Captured, Limit } from './classify.js';
import type { ExitWatcher } from './exit-watcher.js';
import { GATE_COMM } from './gate.js';
import { sampleProc } from './procfs.js';
import type { ExitWatch, Reaped, Reaper } from './reaper.js';

/** How often CPU time, memory and exit are checked while a program runs, at most. */
const TICK_MS = 10;
/** How long after the program's exit its pipes may stay open (held by a killed descendant) before they are cut. */
const DRAIN_MS = 500;

/** One of the program's output streams as the runner sees it: an fd to read and where the bytes go, or nothing to read. */
export type OutputSource = { fd: number; forward: Writable | null } | null;

export interface MonitorSpec {
  pid: number;
  /** The program's comm once exec'd (gate.ts commOf): until /proc shows it, samples are the gate shell's. */
  programComm: string;
  cpuTime: number;
  memory: number;
  outputLimit: number;
  processes: number;
  stdout: OutputSource;
  stderr: OutputSource;
  exit: ExitWatch;
  /** When the gate was released (process.hrtime.bigint()). */
  t0: bigint;
}

export interface MonitorDeps {
  reaper: Reaper;
  exitWatcher: ExitWatcher;
  /** A limit was hit: the caller kills the group (and remembers why). */
  onLimit: (limit: Limit) => void;
  /** The program has exited, its group is killed and its leader reaped: the caller releases what it holds. */
  onExited: () => void;
}

export interface Monitored extends Reaped {
  wallTime: number;
  peakMemory: number;
  vmPeak: number;
  stdout: Captured;
  stderr: Captured;
}

interface Sink {
  chunks: Buffer[];
  size: number;
  truncated: boolean;
  closed: boolean;
}

export function monitor(spec: MonitorSpec, deps: MonitorDeps): Promise<Monitored> {
  return new Promise<Monitored>((resolve) => {
    const sinks = { stdout: newSink(spec.stdout), stderr: newSink(spec.stderr) };
    let peak = 0;
    let vmPeak = 0;
    let lastCpu = 0;
    let tExit = 0n;
    let reaped: Reaped | null = null;
    let finished = false;
    let drainTimer: NodeJS.Timeout | null = null;
    let tick: NodeJS.Timeout | null = null;

    const maybeFinish = () => {
      if (finished || !reaped || !sinks.stdout.closed || !sinks.stderr.closed) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      const captured = (s: Sink): Captured => ({ data: Buffer.concat(s.chunks), truncated: s.truncated });
      resolve({ ...reaped, wallTime: Number(tExit - spec.t0) / 1e9, peakMemory: peak, vmPeak,
        stdout: captured(sinks.stdout), stderr: captured(sinks.stderr) });
    };

    const read = (source: OutputSource, sink: Sink): Socket | null => {
      if (source === null) return null;
      const s = new Socket({ fd: source.fd, readable: true, writable: false });
      let forward = source.forward;
      forward?.once('close', () => { forward = null; s.resume(); }); // gone: the rest is counted, not kept
      s.on('data', (chunk: Buffer) => {
        if (sink.truncated) return;
        const room = spec.outputLimit - sink.size;
        const piece = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
        sink.size += piece.length;
        if (piece.length > 0) {
          if (!forward) {
            if (!source.forward) sink.chunks.push(piece);
          } else if (!forward.write(piece)) {
            s.pause();
            forward.once('drain', () => s.resume());
          }
        }
        if (chunk.length > room) {
          sink.truncated = true;
          deps.onLimit('output');
        }
      });
      const closed = () => { if (!sink.closed) { sink.closed = true; maybeFinish(); } };
      s.on('close', closed);
      s.on('error', closed);
      return s;
    };
    const sockets = [read(spec.stdout, sinks.stdout), read(spec.stderr, sinks.stderr)];

    // Until the gate has exec'd the program, /proc shows the gate shell, whose memory is not the program's: its
    // samples count for CPU time only. The exec shows as a new comm (the program's file name, truncated as the
    // kernel truncates it); a program named like the gate cannot be told apart, and its figures are then taken.
    let execSeen = false;
    const sample = () => {
      const s = sampleProc(spec.pid);
      if (!s) return;
      lastCpu = s.cpu;
      if (!execSeen) {
        if (s.comm === GATE_COMM && spec.programComm !== GATE_COMM) return;
        execSeen = true;
      }
      if (s.hwm > peak) peak = s.hwm;
      if (s.vmPeak > vmPeak) vmPeak = s.vmPeak;
      if (s.cpu >= spec.cpuTime) deps.onLimit('cpu');
      else if (s.hwm > spec.memory) deps.onLimit('memory');
    };
    const schedule = () => {
      // Sleep no longer than the CPU time still allowed (a busy program burns at most one CPU second per second
      // per thread), so the kill lands within a tick of the limit.
      const left = (spec.cpuTime - lastCpu) * 1000 / Math.max(1, spec.processes);
      tick = setTimeout(onTick, Math.max(1, Math.min(TICK_MS, left)));
    };
    const onTick = () => {
      tick = null;
      if (spec.exit.exited || deps.reaper.poll(spec.pid)) return;
      sample();
      schedule();
    };

    const onExit = () => {
      tExit = process.hrtime.bigint();
      // Memory as the exit watcher saw it inside exit_group (absent when a signal ended the program: then the
      // last sample stands).
      const atExit = deps.exitWatcher.takeExitMemory(spec.pid);
      if (atExit) {
        peak = Math.max(peak, atExit.hwm);
        vmPeak = Math.max(vmPeak, atExit.vmPeak);
      }
      // Kill whatever is left in the group while the leader's pid still pins the pgid, then reap.
      kill(-spec.pid, SIGKILL);
      reaped = deps.reaper.reap(spec.pid);
      if (tick) clearTimeout(tick);
      deps.onExited();
      drainTimer = setTimeout(() => { for (const s of sockets) s?.destroy(); }, DRAIN_MS);
      maybeFinish();
    };

    if (!spec.exit.exited) {
      sample();
      schedule();
    }
    spec.exit.onExit(onExit);
  });
}

function newSink(source: OutputSource): Sink {
  return { chunks: [], size: 0, truncated: false, closed: source === null };
}
