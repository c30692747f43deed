/**
 * runExecutable / startExecutable: one run, step by step. Setup is an ordered list of checked steps; the first
 * failure throws a SandboxSetupError naming the step, the call and errno, and the program has not run:
 *
 *   validate options -> resolve the program -> compute the policy (Landlock plan + seccomp filter, cached) ->
 *   acquire a restricted spawner thread (pool.ts, spawner-worker.ts) -> create pipes (O_CLOEXEC) ->
 *   spawn the GATE from the spawner thread -> set every rlimit on the gate's pid from outside (prlimit) ->
 *   release the gate -> monitor (wall, CPU, memory, output) -> reap (wait4) -> result.
 *
 * The gate is `/bin/sh -c 'read -r _ <&3 || exit 125; exec 3<&-; exec "$0" "$@"' PROGRAM ARGS...` with fd 3 a
 * pipe from the runner. Limits are per process and cannot be put on the spawner thread, so they are applied to the
 * waiting gate; only then does the runner write the line that lets it exec the program. If any step fails the
 * runner closes fd 3 unwritten: `read` fails, the shell exits 125, and the program never runs.
 */
import { statSync, accessSync, constants as fsc, fstatSync, openSync, readSync, closeSync } from 'node:fs';
import { readFileSync, readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as osc } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { planLandlock, SandboxPathError, LandlockError, type LandlockPlan } from '../landlock/index.js';
import { close as closeFd, prctl, SysCallError } from '../native/libc.js';
import { InvalidOptionError, ProgramNotExecutableError, ProgramNotFoundError, SandboxSetupError } from './errors.js';
import { normalizeOptions, type Normalized } from './options.js';
import { SpawnerPool, type Spawner } from './pool.js';
import type { Faults, SpawnerInit } from './protocol.js';
import type { FilterTemplate } from './filter-patch.js';
import * as reaper from './reaper.js';
import { checkAlive, endNotifier, takeExitMemory } from './notifier.js';
import * as sys from './sys.js';
import { stopSpares } from './warm.js';
import type { Enforcement, RunOptions, RunResult, RunStatus } from './types.js';

const GATE = '/bin/sh';
/**
 * The gate: sets its own limits (every one must succeed), says so on fd 3, waits for the runner's line on fd 3,
 * closes fd 3 and becomes the program. $0 is the program, $1..$6 the limits, the rest the program's arguments.
 */
const GATE_SCRIPT = 'ulimit -t "$1" && ulimit -v "$2" && ulimit -s "$3" && ulimit -f "$4" && ulimit -n "$5" && '
  + 'ulimit -p "$6" && ulimit -c 0 && ulimit -l 0 && ulimit -r 0 && shift 6 && echo >&3 || exit 125; '
  + 'read -r _ <&3 || exit 125; exec 3<&-; exec "$0" "$@"';
const SIGKILL = 9;
const SIGXCPU = osc.signals.SIGXCPU;
const SIGXFSZ = osc.signals.SIGXFSZ;
/** Signal names by number; the first name of a number wins (SIGABRT, not its alias SIGIOT; SIGIO, not SIGPOLL). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osc.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);
const isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;
/** How often CPU time, memory and exit are checked while a program runs, at most. */
const TICK_MS = 10;
/** How long after the program's exit its pipes may stay open (held by a killed descendant) before they are cut. */
const DRAIN_MS = 500;
/**
 * What language runtimes print when an allocation fails (the address space is capped at 2 x memory): Python,
 * C++ (libstdc++), Java, Go, Rust, .NET, Node/V8 and glibc's perror(ENOMEM).
 */
const OUT_OF_MEMORY = /MemoryError|std::bad_alloc|java\.lang\.OutOfMemoryError|runtime: out of memory|memory allocation of \d+ bytes failed|System\.OutOfMemoryException|JavaScript heap out of memory|Cannot allocate memory/;
/** How long the gate may take to set its limits and say so. */
const GATE_TIMEOUT_MS = 10_000;

let pool: SpawnerPool | null = null;
/**
 * Landlock plans by path config. A plan names every entry of each directory it split (the path to a denied
 * directory), so it goes stale when one of those directories changes: their mtimes are recorded, checked before
 * every run (a few stat calls), and a change makes a new plan of a new generation, whose spawner threads replace
 * the old ones (which idle out).
 */
interface CachedPlan { plan: LandlockPlan; stamps: Array<[string, number]>; generation: number }
const planCache = new Map<string, CachedPlan>();
let planGeneration = 0;

/** Test-only: fault injection for the fail-closed tests (see test/engine). Not exported from the package. */
let faults: Faults | null = null;
export function _setFaults(f: Faults | null): void {
  faults = f;
}

/** Ends every spawner thread (the pool restarts on the next run). */
export async function shutdown(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.shutdown();
  await endNotifier();
  await stopSpares();
}

/** Threads alive in the pool (for tests and doctor). */
export function poolSize(): number {
  return pool?.size() ?? 0;
}

function resolveProgram(file: string, cwd: string): string {
  if (typeof file !== 'string' || file === '') throw new InvalidOptionError('path', file, 'a program path');
  let full: string | null = null;
  if (file.includes('/')) {
    full = path.resolve(cwd, file);
  } else {
    // No slash: search the runner's PATH, as env(1) and timeout(1) do.
    for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
      const candidate = path.resolve(dir || '.', file);
      try {
        if (statSync(candidate).isFile()) { full = candidate; break; }
      } catch { /* not here */ }
    }
    if (full === null) throw new ProgramNotFoundError(file);
  }
  let st;
  try {
    st = statSync(full);
  } catch {
    throw new ProgramNotFoundError(file);
  }
  if (!st.isFile()) throw new ProgramNotExecutableError(file, st.isDirectory() ? 'it is a directory' : 'not a regular file');
  try {
    accessSync(full, fsc.X_OK);
  } catch {
    throw new ProgramNotExecutableError(file, 'no execute permission');
  }
  if ((st.mode & 0o111) === 0) throw new ProgramNotExecutableError(file, 'no execute bit set');
  // execve refuses anything but a binary format or a #! script (ENOEXEC), and a POSIX shell answers that by
  // running the file as a shell script itself: the gate must never do that with, say, a data file.
  const head = Buffer.alloc(4);
  let n = 0;
  try {
    const fd = openSync(full, 'r');
    try { n = readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
  } catch {
    throw new ProgramNotExecutableError(file, 'not readable');
  }
  const elf = n === 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  const script = n >= 2 && head[0] === 0x23 && head[1] === 0x21; // "#!"
  if (!elf && !script) throw new ProgramNotExecutableError(file, 'neither an ELF binary nor a #! script');
  return full;
}

/** Whether a root runner's program (uid/gid) gets `want` (0o2 write, 0o1 execute) from the mode bits. */
function dacAllows(st: { uid: number; gid: number; mode: number }, uid: number, gid: number, want: number): boolean {
  if (st.uid === uid) return ((st.mode >> 6) & want) === want;
  if (st.gid === gid) return ((st.mode >> 3) & want) === want;
  return (st.mode & want) === want;
}

function planKey(o: Normalized): string {
  return JSON.stringify([o.readDenyPaths, o.writeAllowPaths]);
}

function mtimeOf(dir: string): number {
  try {
    return statSync(dir).mtimeMs;
  } catch {
    return -1;
  }
}

/** The directories whose entries a plan lists one by one (not /proc and /dev, which are handled by kind). */
function splitDirectories(plan: LandlockPlan): string[] {
  const dirs = new Set<string>();
  for (const r of plan.rules) {
    const d = path.dirname(r.path);
    if (d === '/proc' || d.startsWith('/proc/') || d === '/dev' || d.startsWith('/dev/')) continue;
    if (r.path !== '/') dirs.add(d);
  }
  return [...dirs].sort();
}

function landlockPlanFor(o: Normalized): CachedPlan {
  const key = planKey(o);
  const cached = planCache.get(key);
  if (cached && !faults && cached.stamps.every(([d, t]) => mtimeOf(d) === t)) return cached;
  try {
    const plan = planLandlock({ readDenyPaths: o.readDenyPaths, writeAllowPaths: o.writeAllowPaths },
      faults?.landlockProbe ? { probe: () => faults!.landlockProbe! } : {});
    const entry: CachedPlan = { plan, stamps: splitDirectories(plan).map((d) => [d, mtimeOf(d)]), generation: ++planGeneration };
    if (!faults) planCache.set(key, entry);
    return entry;
  } catch (e) {
    if (e instanceof SandboxPathError) {
      throw new InvalidOptionError(`config.${(e as SandboxPathError & { list?: string }).list ?? 'paths'}`,
        (e as SandboxPathError & { path?: string }).path ?? '', e.message);
    }
    if (e instanceof LandlockError || e instanceof SysCallError) {
      const se = e as Error & { errno?: number; call?: string };
      throw new SandboxSetupError('landlock', e.message, {
        ...(se.call ? { call: se.call } : { call: 'landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION)' }),
        ...(typeof se.errno === 'number' ? { errno: se.errno } : {}), cause: e,
      });
    }
    throw e;
  }
}

const templates = new Map<string, FilterTemplate>();
let prebuilt: Record<string, { bytes: string; tidSlots: number; pidSlots: number }> | null | undefined;

/**
 * The filter template of a policy: the filters only differ between one process and more than one, and the
 * build compiles both for the build machine's architecture (scripts/build-filters.mjs), so a run normally loads
 * neither the seccomp compiler nor the syscall tables. Without that file (another architecture), it is compiled
 * here, once.
 */
async function filterTemplate(processes: number): Promise<FilterTemplate> {
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  const key = `${arch}/${processes === 1 ? '1' : 'n'}`;
  let t = templates.get(key);
  if (t) return t;
  if (prebuilt === undefined) {
    try {
      prebuilt = JSON.parse(readFileSync(new URL('./filter-templates.json', import.meta.url), 'utf8')) as typeof prebuilt;
    } catch {
      prebuilt = null;
    }
  }
  const p = prebuilt?.[key];
  if (p) {
    t = { bytes: new Uint8Array(Buffer.from(p.bytes, 'base64')), tidSlots: p.tidSlots, pidSlots: p.pidSlots };
  } else {
    const { spawnerFilterTemplate } = await import('./filter.js');
    t = spawnerFilterTemplate(processes);
  }
  templates.set(key, t);
  return t;
}

function pipe(step: string): [number, number] {
  const fds = [-1, -1];
  if (sys.pipe2(fds, sys.O_CLOEXEC) !== 0) {
    throw new SandboxSetupError(step, '', { call: 'pipe2', errno: sys.koffi.errno() });
  }
  return [fds[0]!, fds[1]!];
}

function closeQuietly(fd: number): void {
  if (fd >= 0) closeFd(fd);
}

interface ProcSample { cpu: number; hwm: number; vmPeak: number; comm: string }
/** The gate's comm (/bin/sh's file name) and a program's: TASK_COMM_LEN is 16, the name is cut to 15 bytes. */
const GATE_COMM = 'sh';
function commOf(file: string): string {
  return Buffer.from(path.basename(file)).subarray(0, 15).toString('latin1');
}

/** CPU seconds (utime + stime of every thread) and memory of a live process, from /proc. null once it is gone. */
function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after the comm: state(3) ... utime is field 14, stime 15 (1-based), i.e. rest[11], rest[12].
    const ticks = Number(rest[11]) + Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
    const peak = /^VmPeak:\s+(\d+) kB/m.exec(status);
    const name = /^Name:\t(.*)$/m.exec(status);
    return { cpu: ticks / CLK_TCK, hwm: hwm ? Number(hwm[1]) * 1024 : 0, vmPeak: peak ? Number(peak[1]) * 1024 : 0,
      comm: name ? name[1]! : '' };
  } catch {
    return null;
  }
}
/**
 * Compares /proc/PID/limits (soft and hard) with what the gate was asked to set. Returns a description of the
 * first difference, or null.
 */
function checkLimits(pid: number, expected: Record<string, number>): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'latin1');
  } catch (e) {
    return `nothing (${(e as Error).message})`;
  }
  for (const [name, want] of Object.entries(expected)) {
    const line = text.split('\n').find((l) => l.startsWith(name));
    const m = line ? /^.{26}(\S+)\s+(\S+)/.exec(line) : null;
    if (!m || Number(m[1]) !== want || Number(m[2]) !== want) return `"${line?.trim() ?? name + ' missing'}" (expected ${want})`;
  }
  return null;
}

let hardened = false;
/**
 * Makes the runner process non-dumpable, once: then no process of the same uid that is not privileged can ptrace
 * it, read its /proc/PID/{mem,environ} or use process_vm_readv on it, whatever else happens (engine.md, fact 9).
 */
function hardenRunner(): void {
  if (hardened) return;
  if (prctl(sys.PR_SET_DUMPABLE, 0, 0, 0, 0) !== 0) {
    throw new SandboxSetupError('harden runner', '', { call: 'prctl(PR_SET_DUMPABLE, 0)', errno: sys.koffi.errno() });
  }
  hardened = true;
}

/** Tasks (threads included) whose real uid is `uid`, now. */
function tasksOwnedBy(uid: number): number {
  let n = 0;
  // The runner's own threads are counted one by one: its spawner threads have dropped to the program's uid on
  // their own (per-thread credentials), which the leader's Uid line does not show but RLIMIT_NPROC counts.
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const u = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/self/task/${tid}/status`, 'latin1'));
      if (u && Number(u[1]) === uid) n++;
    } catch { /* ended meanwhile */ }
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'latin1');
      const u = /^Uid:\s+(\d+)/m.exec(status);
      const t = /^Threads:\s+(\d+)/m.exec(status);
      if (u && Number(u[1]) === uid) n += t ? Number(t[1]) : 1;
    } catch { /* gone meanwhile */ }
  }
  return n;
}

/** USER_HZ: /proc reports times in clock ticks of 1/100 s on every Linux arch this code supports. */
const CLK_TCK = 100;

export interface CommunicateOptions {
  input?: string | Uint8Array;
  /** Wall-clock limit in seconds from the program's exec; replaces the `timeout` option. */
  timeout?: number;
}

/**
 * A program started in the sandbox. `spawned` resolves with its pid once it has passed the gate (every
 * restriction and limit is in place); `communicate()` resolves with the RunResult.
 */
export class SandboxedProcess {
  readonly spawned: Promise<number>;
  /** A pipe to the program's stdin, when neither `input` nor `stdinFile` was given. End it to send EOF. */
  readonly stdin: Writable | null;
  private _pid: number | null = null;
  private readonly opts: Normalized;
  private readonly done: Promise<RunResult>;
  private resolveDone!: (r: RunResult) => void;
  private rejectDone!: (e: Error) => void;
  private stdinPipe: Socket | null = null;
  private killRequested: RunResult['limit'] | 'kill' | null = null;
  private exited = false;
  private wallTimer: NodeJS.Timeout | null = null;
  private t0 = 0n;
  private wallLimit: number;
  private killGroup: () => void = () => undefined;

  constructor(file: string, args: readonly string[], options: RunOptions | undefined) {
    this.opts = normalizeOptions(options, isRoot);
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
      throw new InvalidOptionError('args', args, 'an array of strings without NUL');
    }
    this.wallLimit = this.opts.timeout;
    this.done = new Promise<RunResult>((res, rej) => { this.resolveDone = res; this.rejectDone = rej; });
    this.done.catch(() => undefined);
    const streaming = this.opts.input === null && this.opts.stdinFile === null;
    let stdinFds: [number, number] | null = null;
    if (streaming) {
      stdinFds = pipe('stdin pipe');
      this.stdinPipe = new Socket({ fd: stdinFds[1], readable: false, writable: true });
      this.stdinPipe.on('error', () => undefined); // EPIPE when the program does not read: not the runner's error
      this.stdin = this.stdinPipe;
    } else {
      this.stdin = null;
    }
    this.spawned = this.start(file, [...args], stdinFds);
    this.spawned.catch((e: Error) => this.rejectDone(e));
  }

  get pid(): number | null {
    return this._pid;
  }

  /** Kills the program and everything in its process group (SIGKILL). */
  kill(): void {
    if (!this.killRequested) this.killRequested = 'kill';
    this.killGroup();
  }

  communicate(opts: CommunicateOptions = {}): Promise<RunResult> {
    if (opts.timeout !== undefined) {
      if (typeof opts.timeout !== 'number' || !Number.isFinite(opts.timeout) || opts.timeout <= 0) {
        return Promise.reject(new InvalidOptionError('timeout', opts.timeout, 'a number of seconds > 0'));
      }
      this.wallLimit = opts.timeout;
      if (this.wallTimer) this.armWallTimer();
    }
    if (this.stdinPipe) {
      if (opts.input !== undefined) this.stdinPipe.end(typeof opts.input === 'string' ? opts.input : Buffer.from(opts.input));
      else if (!this.stdinPipe.writableEnded) this.stdinPipe.end();
    } else if (opts.input !== undefined) {
      return Promise.reject(new InvalidOptionError('input', '(communicate input)',
        'no communicate() input when the run was started with input or stdinFile'));
    }
    return this.done;
  }

  private armWallTimer(): void {
    if (this.wallTimer) clearTimeout(this.wallTimer);
    const elapsed = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const left = Math.max(0, this.wallLimit - elapsed);
    this.wallTimer = setTimeout(() => this.limitHit('wall'), Math.ceil(left * 1000));
  }

  private limitHit(limit: NonNullable<RunResult['limit']>): void {
    if (this.exited) return;
    if (!this.killRequested) this.killRequested = limit;
    this.killGroup();
  }

  private async start(file: string, args: string[], stdinFds: [number, number] | null): Promise<number> {
    const o = this.opts;
    const runnerFds: number[] = []; // the runner's ends, closed here on failure
    const childFds: number[] = []; // the child's ends, closed in the runner once spawned
    let spawner: Spawner | null = null;
    let key = '';
    if (stdinFds) childFds.push(stdinFds[0]);
    try {
      let cwdStat;
      try { cwdStat = statSync(o.cwd); } catch { throw new InvalidOptionError('cwd', o.cwd, 'an existing directory'); }
      if (!cwdStat.isDirectory()) throw new InvalidOptionError('cwd', o.cwd, 'a directory');
      const program = resolveProgram(file, o.cwd);
      if (o.uid !== null && o.gid !== null) {
        const st = statSync(program);
        if (!dacAllows(st, o.uid, o.gid, 0o1)) throw new ProgramNotExecutableError(file, `not executable by uid ${o.uid}`);
        for (const dir of o.writeAllowPaths) {
          let ds;
          try { ds = statSync(dir); } catch { continue; } // the Landlock plan reports missing paths
          if (!dacAllows(ds, o.uid, o.gid, 0o3)) {
            throw new InvalidOptionError('config.writeAllowPaths', dir,
              `a directory uid ${o.uid} / gid ${o.gid} can write: the program runs as that user (chown or chmod the directory, or choose uid/gid)`);
          }
        }
      }

      hardenRunner();
      checkAlive();
      pool ??= new SpawnerPool();
      const acquire = () => {
        const cp = landlockPlanFor(o);
        key = JSON.stringify([o.readDenyPaths, o.writeAllowPaths, o.processes, o.uid, o.gid, cp.generation, faults ? Math.random() : 0]);
        const init = async (): Promise<SpawnerInit> => ({ landlockPlan: cp.plan, filter: await filterTemplate(o.processes),
          dropTo: o.uid === null ? null : { uid: o.uid, gid: o.gid! }, ...(faults ? { faults } : {}) });
        return pool!.acquire(key, init);
      };
      // A plan path that vanished since the plan was computed (a busy /tmp next to a denied directory) is handled
      // by the thread itself: it computes the plan again right before applying it (spawner-worker.ts).
      spawner = await acquire();

      let stdinChild: number;
      if (stdinFds) {
        stdinChild = stdinFds[0];
      } else if (o.stdinFile !== null) {
        stdinChild = sys.openFile(o.stdinFile, sys.O_RDONLY | sys.O_CLOEXEC, 0);
        if (stdinChild < 0) {
          throw new InvalidOptionError('stdinFile', o.stdinFile, `a readable file (open failed: ${new SysCallError('open', sys.koffi.errno()).code})`);
        }
        childFds.push(stdinChild);
        if (fstatSync(stdinChild).isDirectory()) throw new InvalidOptionError('stdinFile', o.stdinFile, 'a file, not a directory');
      } else {
        const [r, w] = pipe('stdin pipe');
        childFds.push(r);
        runnerFds.push(w);
        stdinChild = r;
      }
      const [outR, outW] = pipe('stdout pipe');
      runnerFds.push(outR); childFds.push(outW);
      const [errR, errW] = pipe('stderr pipe');
      runnerFds.push(errR); childFds.push(errW);
      const sv = [-1, -1];
      if (sys.socketpair(sys.AF_UNIX, sys.SOCK_STREAM | sys.SOCK_CLOEXEC, 0, sv) !== 0) {
        throw new SandboxSetupError('gate socket', '', { call: 'socketpair', errno: sys.koffi.errno() });
      }
      const gateRunner = sv[0]!;
      const gateChild = sv[1]!;
      runnerFds.push(gateRunner); childFds.push(gateChild);

      const limits = this.gateLimits();
      const envp = Object.entries(o.env).map(([k, v]) => `${k}=${v}`);
      const pid = await spawner.spawn({
        // dash exports PWD when it starts; unless the caller's env has one, the program must not see it.
        path: GATE, argv: [GATE, '-c', 'PWD' in o.env ? GATE_SCRIPT : `unset PWD; ${GATE_SCRIPT}`, program, ...limits.args, ...args],
        envp, cwd: o.cwd,
        fds: [stdinChild, outW, errW, gateChild],
      });
      for (const fd of childFds.splice(0)) closeQuietly(fd);

      const exitedEarly = { value: false };
      let exitCb: () => void = () => { exitedEarly.value = true; };
      reaper.watch(pid, () => exitCb());
      this.killGroup = () => {
        if (this.exited) return;
        sys.kill(-pid, SIGKILL); // the gate called setsid: its pid is the process group id
        sys.kill(pid, SIGKILL);
      };
      const gate = new Socket({ fd: gateRunner, readable: true, writable: true });
      runnerFds.splice(runnerFds.indexOf(gateRunner), 1);
      // Fail closed: a gate that is not to be released is killed before it could run anything, then reaped.
      const endGate = async (): Promise<void> => {
        gate.destroy();
        sys.kill(pid, SIGKILL);
        await reaper.exited(() => exitedEarly.value);
        reaper.reap(pid);
      };
      const stopGate = async (e: Error): Promise<never> => {
        await endGate();
        throw e;
      };

      // kill() before the program started: it never starts. The result is that of a program killed at once.
      const killedBeforeStart = async (): Promise<number> => {
        await endGate();
        for (const fd of runnerFds.splice(0)) closeQuietly(fd);
        if (this.stdinPipe) this.stdinPipe.destroy();
        this.exited = true;
        pool?.release(key, spawner!);
        spawner = null;
        this.resolveDone({
          status: 'RE', exitCode: null, signal: 'SIGKILL', stdout: Buffer.alloc(0), stderr: Buffer.alloc(0),
          stdoutTruncated: false, stderrTruncated: false, timedOut: false, limit: null, wallTime: 0, cpuTime: 0,
          peakMemory: 0, enforced: null,
        });
        return pid;
      };
      if (this.killRequested) return await killedBeforeStart();

      // The gate says "limits set" (one line) before it waits; check them from outside, then release it.
      const ready = await new Promise<boolean>((resolve) => {
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
        // The gate answers within milliseconds; one that says nothing for this long is treated as failed.
        const timer = setTimeout(onClose, GATE_TIMEOUT_MS);
        gate.once('close', () => clearTimeout(timer));
        gate.on('data', onData);
        gate.once('close', onClose);
        gate.once('error', onClose);
      });
      if (this.killRequested) return await killedBeforeStart();
      if (!ready) {
        await stopGate(new SandboxSetupError('rlimits',
          'the gate could not set the resource limits (its `ulimit` failed) and exited; the program was not started', { call: 'setrlimit' }));
      }
      const mismatch = checkLimits(pid, limits.expected);
      if (mismatch) {
        await stopGate(new SandboxSetupError('rlimits', `/proc/${pid}/limits shows ${mismatch}; the program was not started`, { call: 'setrlimit' }));
      }

      // Release the gate: from here on the program runs.
      this.t0 = process.hrtime.bigint();
      gate.end('\n');
      gate.on('error', () => undefined);
      this._pid = pid;

      // Stdin: bytes of `input`, or nothing (EOF) when neither input nor streaming.
      const stdinW = runnerFds.find((fd) => fd !== outR && fd !== errR);
      if (stdinW !== undefined) {
        runnerFds.splice(runnerFds.indexOf(stdinW), 1);
        const s = new Socket({ fd: stdinW, readable: false, writable: true });
        s.on('error', () => undefined);
        if (o.input) s.end(o.input);
        else s.end();
      }
      runnerFds.splice(0);
      this.monitor(pid, commOf(program), spawner, key, outR, errR, exitedEarly, (cb) => { exitCb = cb; });
      spawner = null; // monitor() releases it
      return pid;
    } catch (e) {
      for (const fd of [...runnerFds, ...childFds]) closeQuietly(fd);
      if (this.stdinPipe) this.stdinPipe.destroy();
      if (spawner && pool) pool.release(key, spawner);
      throw e;
    }
  }

  /**
   * The limits the gate sets on itself with dash's `ulimit` (which sets soft and hard together and can only lower
   * them, so the program cannot raise them again), and what /proc/PID/limits must then show.
   * dash units: -v and -s in KiB, -f in 512-byte blocks.
   */
  private gateLimits(): { args: string[]; expected: Record<string, number> } {
    const o = this.opts;
    const cpu = Math.ceil(o.cpuTime) + 1; // backstop only: the monitor kills within a tick of the limit
    const asKiB = Math.floor((o.memory * 2) / 1024);
    const stackKiB = Math.floor(o.stack / 1024);
    const fsizeBlocks = Math.floor(o.fileSize / 512);
    // RLIMIT_NPROC counts every task (process or thread) of the REAL uid on the machine. With one process the
    // limit is 1 whatever else that uid runs: no fork, vfork, clone or thread can succeed. With more, the uid's
    // tasks that exist now are added, so the count is exact only when the uid runs nothing else (docs/principles.md).
    const nproc = o.processes === 1 ? 1 : o.processes + tasksOwnedBy(o.uid ?? process.getuid!());
    const nofile = faults?.rlimitFails ? 1 << 30 : o.openFiles;
    return {
      args: [cpu, asKiB, stackKiB, fsizeBlocks, nofile, nproc].map(String),
      expected: {
        'Max cpu time': faults?.rlimitMismatch ? cpu + 1 : cpu,
        'Max address space': asKiB * 1024,
        'Max stack size': stackKiB * 1024,
        'Max file size': fsizeBlocks * 512,
        'Max open files': nofile,
        'Max processes': nproc,
        'Max core file size': 0,
        'Max locked memory': 0,
        // No real-time scheduling, whatever the runner's own RLIMIT_RTPRIO: a SCHED_FIFO busy loop would starve the
        // runner's threads on that core until RLIMIT_CPU.
        'Max realtime priority': 0,
      },
    };
  }

  private monitor(pid: number, programComm: string, spawner: Spawner, key: string, outR: number, errR: number,
    exitedEarly: { value: boolean }, setExitCb: (cb: () => void) => void): void {
    const o = this.opts;
    const out = { chunks: [] as Buffer[], size: 0, truncated: false, closed: false };
    const err = { chunks: [] as Buffer[], size: 0, truncated: false, closed: false };
    let peak = 0;
    let vmPeak = 0;
    let lastCpu = 0;
    let tExit = 0n;
    let reaped: reaper.Reaped | null = null;
    let finished = false;
    let drainTimer: NodeJS.Timeout | null = null;
    let tick: NodeJS.Timeout | null = null;

    const read = (fd: number, sink: typeof out) => {
      const s = new Socket({ fd, readable: true, writable: false });
      s.on('data', (chunk: Buffer) => {
        if (sink.truncated) return;
        const room = o.outputLimit - sink.size;
        if (chunk.length > room) {
          if (room > 0) sink.chunks.push(chunk.subarray(0, room));
          sink.size = o.outputLimit;
          sink.truncated = true;
          this.limitHit('output');
          return;
        }
        sink.chunks.push(chunk);
        sink.size += chunk.length;
      });
      const closed = () => { if (!sink.closed) { sink.closed = true; maybeFinish(); } };
      s.on('close', closed);
      s.on('error', closed);
      return s;
    };
    const outSock = read(outR, out);
    const errSock = read(errR, err);

    // Until the gate has exec'd the program, /proc shows the gate shell, whose memory is not the program's: its
    // samples count for CPU time only. The exec shows as a new comm (the program's file name, truncated as the
    // kernel truncates it); a program named like the gate cannot be told apart, and its figures are then taken.
    let execSeen = false;
    const sample = () => {
      const s = sampleProc(pid);
      if (!s) return;
      lastCpu = s.cpu;
      if (!execSeen) {
        if (s.comm === GATE_COMM && programComm !== GATE_COMM) return;
        execSeen = true;
      }
      if (s.hwm > peak) peak = s.hwm;
      if (s.vmPeak > vmPeak) vmPeak = s.vmPeak;
      if (s.cpu >= o.cpuTime) this.limitHit('cpu');
      else if (s.hwm > o.memory) this.limitHit('memory');
    };
    const schedule = () => {
      // Sleep no longer than the CPU time still allowed (a busy program burns at most one CPU second per second
      // per thread), so the kill lands within a tick of the limit.
      const left = (o.cpuTime - lastCpu) * 1000 / Math.max(1, o.processes);
      tick = setTimeout(onTick, Math.max(1, Math.min(TICK_MS, left)));
    };
    const onTick = () => {
      tick = null;
      if (this.exited) return;
      if (reaper.poll(pid)) return;
      sample();
      schedule();
    };

    const onExit = () => {
      tExit = process.hrtime.bigint();
      // Memory as the exit watcher saw it inside exit_group (absent when a signal ended the program: then the
      // last sample stands).
      const atExit = takeExitMemory(pid);
      if (atExit) {
        peak = Math.max(peak, atExit.hwm);
        vmPeak = Math.max(vmPeak, atExit.vmPeak);
      }
      this.exited = true;
      // Kill whatever is left in the group while the leader's pid still pins the pgid, then reap.
      sys.kill(-pid, SIGKILL);
      reaped = reaper.reap(pid);
      if (this.wallTimer) clearTimeout(this.wallTimer);
      if (tick) clearTimeout(tick);
      pool?.release(key, spawner);
      drainTimer = setTimeout(() => { outSock.destroy(); errSock.destroy(); }, DRAIN_MS);
      maybeFinish();
    };

    const maybeFinish = () => {
      if (finished || !reaped || !out.closed || !err.closed) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      this.resolveDone(this.result(reaped, Number(tExit - this.t0) / 1e9, peak, vmPeak,
        { data: Buffer.concat(out.chunks), truncated: out.truncated }, { data: Buffer.concat(err.chunks), truncated: err.truncated },
        spawner));
    };

    this.armWallTimer();
    if (exitedEarly.value) onExit();
    else {
      setExitCb(onExit);
      sample();
      schedule();
    }
  }

  private result(r: reaper.Reaped, wallTime: number, peak: number, vmPeak: number,
    out: { data: Buffer; truncated: boolean }, err: { data: Buffer; truncated: boolean }, spawner: Spawner): RunResult {
    const o = this.opts;
    const abnormal = r.signal !== null || r.exitCode !== 0;
    let limit: RunResult['limit'] = this.killRequested === 'kill' ? null : this.killRequested;
    if (!limit) {
      if (r.cpuTime >= o.cpuTime || r.signal === SIGXCPU) limit = 'cpu';
      else if (peak > o.memory) limit = 'memory';
      // The address space is capped at 2 x memory: an allocation that failed against it leaves the program
      // close to the cap when it dies of it.
      else if (abnormal && vmPeak + 64 * 1024 * 1024 >= 2 * o.memory) limit = 'memory';
      // One allocation far larger than the cap fails while the program is still small, and its runtime reports it
      // in words of its own before exiting non-zero. Only a failed run is looked at, and only its stderr's end.
      else if (abnormal && OUT_OF_MEMORY.test(err.data.subarray(-4096).toString('latin1'))) limit = 'memory';
      else if (out.truncated || err.truncated || r.signal === SIGXFSZ) limit = 'output';
    }
    let status: RunStatus;
    switch (limit) {
      case 'wall': case 'cpu': status = 'TLE'; break;
      case 'memory': status = 'MLE'; break;
      case 'output': status = 'OLE'; break;
      default: status = abnormal ? 'RE' : 'OK';
    }
    return {
      status,
      exitCode: r.exitCode,
      signal: r.signal === null ? null : SIGNAL_NAMES.get(r.signal) ?? `SIG${r.signal}`,
      stdout: out.data,
      stderr: err.data,
      stdoutTruncated: out.truncated,
      stderrTruncated: err.truncated,
      timedOut: limit === 'wall' || limit === 'cpu',
      limit,
      wallTime,
      cpuTime: r.cpuTime,
      peakMemory: peak,
      enforced: this.enforcement(spawner),
    };
  }

  private enforcement(spawner: Spawner): Enforcement | null {
    const o = this.opts;
    const info = spawner.info;
    if (!info) return null;
    return {
      landlock: info.landlock,
      seccomp: { arch: process.arch === 'arm64' ? 'aarch64' : 'x86_64', instructions: info.filterInstructions, processes: o.processes },
      noNewPrivs: true,
      uid: o.uid ?? process.getuid!(),
      gid: o.gid ?? process.getgid!(),
      rlimits: { cpu: Math.ceil(o.cpuTime) + 1, as: o.memory * 2, stack: o.stack, fsize: o.fileSize, nofile: o.openFiles,
        nproc: o.processes, core: 0, memlock: 0, rtprio: 0 },
    };
  }
}

export function startExecutable(file: string, args: readonly string[] = [], options?: RunOptions): SandboxedProcess {
  return new SandboxedProcess(file, args, options);
}

export async function runExecutable(file: string, args: readonly string[] = [], options?: RunOptions): Promise<RunResult> {
  const p = new SandboxedProcess(file, args, options);
  return p.communicate();
}
