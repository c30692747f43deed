/**
 * A released program, watched until it is gone: its output read as it arrives (kept up to outputLimit, or passed
 * on to a caller's stream), its CPU time and memory sampled from /proc, and its end as the gate reports it (exit
 * status, CPU time and peak resident memory from the gate's wait4: exact however the program ended; the gate has
 * then killed whatever the program left in its group). Then the gate is reaped. Resolves with what was observed;
 * classify.ts turns that into the RunResult.
 */
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { decodeWaitStatus, kill, SIGKILL } from '../native/wait.js';
import type { Captured, Limit, Observed } from './classify.js';
import type { GateChannel } from './gate.js';
import { diskUse } from './diskuse.js';
import { sampleCpu, sampleProc } from './procfs.js';
import type { ExitWatch, Reaped, Reaper } from './reaper.js';

/** How often CPU time, memory and exit are checked while a program runs, at most. */
const TICK_MS = 10;
/** How long after the program's end its pipes may stay open (held by a killed descendant) before they are cut. */
const DRAIN_MS = 500;

/** One of the program's output streams as the runner sees it: an fd to read and where the bytes go, or nothing to read. */
export type OutputSource = { fd: number; forward: Writable | null } | null;

export interface MonitorSpec {
  /** The program's pid, and its process group's id. */
  pid: number;
  /** The gate's pid (the runner's child, which reports the program's end). */
  gatePid: number;
  gate: GateChannel;
  /** The gate's exit. */
  gateExit: ExitWatch;
  cpuTime: number;
  /**
   * The gate answers the program filter's questions (below Landlock ABI 6, more than one process): its CPU time is
   * the run's doing, and counts against cpuTime with the program's.
   */
  gateAnswers: boolean;
  memory: number;
  outputLimit: number;
  processes: number;
  stdout: OutputSource;
  stderr: OutputSource;
  /** The write-allowed directories, what was in them before the run, and what the run may add (writeLimit). */
  write: { dirs: readonly string[]; before: number; limit: number } | null;
  /** When the program was released (process.hrtime.bigint()). */
  t0: bigint;
}

export interface MonitorDeps {
  reaper: Reaper;
  /**
   * A limit was hit: the caller kills the program's group (and remembers why). `kill` false: the program has
   * ended already (the last count of its writes); only remember why.
   */
  onLimit: (limit: Limit, kill?: boolean) => void;
  /** The program has ended (its group is killed): the caller releases what it holds. */
  /** `at`: when the program ended (process.hrtime.bigint()'s clock, ns): the gate's reading, or now without one. */
  onExited: (at: bigint) => void;
}

/**
 * What the monitor observed: all classify needs but why the runner stopped the run and what it enforced; and a
 * failure the gate reported after the program started (a call of its own that failed), which voids the run.
 */
export type Monitored = Omit<Observed, 'stoppedFor' | 'enforced'> & { gateFailed: { call: string; errno: number } | null };

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
    let dataPeak = 0;
    let lastCpu = 0;
    let tExit = 0n;
    let report: Reaped | null = null;
    let gateFailed: Monitored['gateFailed'] = null;
    let ended = false;
    let gateClosed = false;
    let gateReaped = false;
    let finished = false;
    let drainTimer: NodeJS.Timeout | null = null;
    let tick: NodeJS.Timeout | null = null;

    const maybeFinish = () => {
      if (finished || !gateReaped || !gateClosed || !sinks.stdout.closed || !sinks.stderr.closed) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      const captured = (s: Sink): Captured => ({ data: Buffer.concat(s.chunks), truncated: s.truncated });
      // No report: the gate itself was killed (not by the runner, which kills only the program's group). The
      // program's own end is then unknown: it was killed with the group.
      const r = report ?? { exitCode: null, signal: SIGKILL, cpuTime: lastCpu };
      resolve({ ...r, wallTime: Number(tExit - spec.t0) / 1e9, peakMemory: peak, dataPeak,
        stdout: captured(sinks.stdout), stderr: captured(sinks.stderr), gateFailed });
    };

    /**
     * The program has ended (reported, or its gate is gone): stop sampling. A gate that reported has killed what
     * the program left in its group before reaping it (while its pid still named the group); a gate gone without
     * a report did not, and the program's process, reparented, still pins the group: kill it here.
     */
    const end = (at?: bigint) => {
      if (ended) return;
      // A last count: what the program wrote after the previous check and before it exited is counted too.
      checkDisk(true);
      ended = true;
      tExit = process.hrtime.bigint();
      if (tick) clearTimeout(tick);
      if (report === null) kill(-spec.pid, SIGKILL);
      deps.onExited(at ?? tExit);
      drainTimer = setTimeout(() => { for (const s of sockets) s?.destroy(); }, DRAIN_MS);
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

    const sample = () => {
      const s = sampleProc(spec.pid);
      if (!s) return;
      lastCpu = s.cpu;
      if (s.hwm > peak) peak = s.hwm;
      if (s.data > dataPeak) dataPeak = s.data;
      if (s.cpu + (spec.gateAnswers ? sampleCpu(spec.gatePid) : 0) >= spec.cpuTime) deps.onLimit('cpu');
      else if (s.hwm > spec.memory) deps.onLimit('memory');
      checkDisk();
    };
    // The walk of the write-allowed directories runs on every tick while it is cheap, and less often (ten times
    // its own duration) when it is not, so it never takes more than a tenth of the runner's time.
    let nextDiskCheck = 0n;
    const checkDisk = (force = false) => {
      const w = spec.write;
      if (w === null) return;
      const now = process.hrtime.bigint();
      if (!force && now < nextDiskCheck) return;
      const used = diskUse(w.dirs) - w.before;
      const took = process.hrtime.bigint() - now;
      nextDiskCheck = process.hrtime.bigint() + took * 10n;
      if (!(used <= w.limit)) deps.onLimit('disk', !force); // NaN and Infinity too: what cannot be counted is over
    };
    const schedule = () => {
      // Sleep no longer than the CPU time still allowed (a busy program burns at most one CPU second per second
      // per thread), so the kill lands within a tick of the limit.
      const left = (spec.cpuTime - lastCpu) * 1000 / Math.max(1, spec.processes);
      tick = setTimeout(onTick, Math.max(1, Math.min(TICK_MS, left)));
    };
    const onTick = () => {
      tick = null;
      if (ended) return;
      deps.reaper.poll(spec.gatePid);
      if (ended) return;
      sample();
      schedule();
    };

    spec.gate.onLine((line) => {
      if (line === null) {
        gateClosed = true;
        if (gateExited) end();
        maybeFinish();
        return;
      }
      // The gate failed a call of its own while the program ran (it killed the group and exits 125).
      if (line.kind === 'failed' && report === null) gateFailed ??= { call: line.call, errno: line.errno };
      if (line.kind !== 'exit' || report !== null) return;
      report = { ...decodeWaitStatus(line.wstatus), cpuTime: line.cpuTime };
      peak = Math.max(peak, line.maxRssKiB * 1024);
      end(BigInt(line.endedUs) * 1000n);
    });
    // The gate's report comes on its socket, its exit through the reaper: whichever the event loop sees first, the
    // end is taken from the report (the gate's clock reading, no kill of a group the gate has reaped). Without a
    // report (the gate was killed), the end is when both its exit and its socket's close have been seen.
    let gateExited = false;
    spec.gateExit.onExit(() => {
      gateExited = true;
      if (gateClosed) end();
      deps.reaper.reap(spec.gatePid);
      gateReaped = true;
      maybeFinish();
    });
    if (!ended) {
      sample();
      schedule();
    }
  });
}

function newSink(source: OutputSource): Sink {
  return { chunks: [], size: 0, truncated: false, closed: source === null };
}
