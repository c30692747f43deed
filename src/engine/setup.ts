/**
 * A run's setup: SETUP, the runner's ordered list of named steps, from the hardened runner to the released gate
 * (see process.ts for the whole run, docs/principles.md for what each step guards against). Each step reads and
 * extends the Setup; the first that throws ends the setup, and abandon() undoes what the steps made.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { hostArch } from '../native/arch.js';
import { addLandlockRules, LandlockError, ownProcRule } from '../landlock/index.js';
import { O_CLOEXEC, O_RDONLY, open, pipe, sendWithFd, unixSocketPair } from '../native/fd.js';
import { close, lastErrno, SysCallError } from '../native/libc.js';
import { kill, SIGKILL } from '../native/wait.js';
import type { Engine, SpawnerLease } from './engine.js';
import { patchProgramFilter, programFilterNotifies, type ProgramFilterTemplate } from './filter-patch.js';
import { InvalidOptionError, SandboxSetupError, type SetupStep } from './errors.js';
import {
  expectedProcLimits, GateChannel, gateArgv, gateBinary, runLimits, unexpected, type RunLimits,
} from './gate.js';
import type { OutputSource } from './monitor.js';
import type { Normalized } from './options.js';
import type { CachedPlan } from './policy-cache.js';
import { unenterableDir } from './cwd-access.js';
import { checkProcLimits, tasksOwnedBy } from './procfs.js';
import type { ExitWatch } from './reaper.js';
import type { Enforcement } from './types.js';

/** A run being set up: what the steps have made so far, and what to undo if one fails. */
export interface Setup {
  readonly engine: Engine;
  readonly o: Normalized;
  /** The program's absolute path (checkProgram). */
  program: string;
  readonly args: readonly string[];
  /** A kill() arrived: the steps after the gate's spawn end it instead of releasing it. */
  readonly killRequested: () => boolean;
  /** The runner's ends, closed here on failure (or handed to the monitor). */
  readonly runnerFds: number[];
  /** The child's ends, closed in the runner once spawned. */
  readonly childFds: number[];
  /** The read end of the process's own stdin pipe (the `stdin` stream of a streaming run), or null. */
  readonly stdinPipe: number | null;
  /** The gate binary the program's user can execute (gate.ts gateBinary). */
  gatePath?: string;
  plan?: CachedPlan;
  lease?: SpawnerLease;
  /** The gate's pid (the runner's child) and its exit. */
  gatePid?: number;
  gateExit?: ExitWatch;
  gate?: GateChannel;
  /** The own-/proc Landlock ruleset built for the program's pid, until it is sent. */
  ownProcFd?: number;
  /** The program's own seccomp filter (program-filter.ts), before the program's pid is written in. */
  programFilter?: ProgramFilterTemplate;
  /** The fds that become the gate's 0-3. */
  childStdio?: [number, number, number, number];
  /** The runner's end of the program's stdin when the runner writes it (input, a caller's stream, or EOF). */
  stdinWriter?: number;
  stdout?: OutputSource;
  stderr?: OutputSource;
  gateFd?: number;
  limits?: RunLimits;
  /** The program's pid, once the gate's child said it (its process group's id too). */
  pid?: number;
  t0?: bigint;
  /** The runner's end of the program's stdin, once writing began. */
  stdinSink?: Socket;
  /** Stops feeding a caller's stdin stream (at the program's exit). */
  stopStdin?: () => void;
}

type SetupRun = (s: Setup) => void | Promise<void>;

/** The runner's steps, in order (see the module comment). */
export const SETUP: ReadonlyArray<{ readonly step: SetupStep; readonly run: SetupRun }> = [
  { step: 'harden runner', run: (s) => s.engine.hardenRunner() },
  // Before the plan: a copy of the gate made now is a new entry the plan must see.
  { step: 'gate', run: (s) => { s.gatePath = gateBinary(s.o); } },
  { step: 'landlock', run: (s) => { s.plan = s.engine.policies.plan(s.o); } },
  { step: 'spawner thread', run: async (s) => { s.lease = await s.engine.acquireSpawner(s.o, s.plan!); } },
  { step: 'pipes', run: openPipes },
  { step: 'spawn', run: spawnGate },
  // Built while the gate starts on another core; the program's own /proc/PID rule is added at release.
  { step: 'own /proc', run: buildOwnProc },
  { step: 'program filter', run: async (s) => { s.programFilter = await s.engine.policies.programFilterTemplate(s.o.processes, s.plan!.plan.abi); } },
  { step: 'rlimits', run: checkLimits },
  { step: 'release', run: release },
];

/** A caller's fd must be open now; it is dup'd into the program at spawn. */
function callerFd(option: string, fd: number): number {
  try {
    fstatSync(fd);
  } catch {
    throw new InvalidOptionError(option, fd, 'an open file descriptor');
  }
  return fd;
}

function output(s: Setup, option: 'stdout' | 'stderr', target: number | Writable | null): [number, OutputSource] {
  if (typeof target === 'number') return [callerFd(option, target), null];
  const [r, w] = pipe();
  s.runnerFds.push(r);
  s.childFds.push(w);
  return [w, { fd: r, forward: target }];
}

/** stdin (the process's pipe, a caller's fd, a file, or a pipe the runner writes), stdout, stderr, the gate's socket. */
function openPipes(s: Setup): void {
  const o = s.o;
  let stdin: number;
  if (s.stdinPipe !== null) {
    stdin = s.stdinPipe;
  } else if (typeof o.stdin === 'number') {
    stdin = callerFd('stdin', o.stdin);
  } else if (o.stdinFile !== null) {
    stdin = open(o.stdinFile, O_RDONLY | O_CLOEXEC, 0);
    if (stdin < 0) {
      throw new InvalidOptionError('stdinFile', o.stdinFile, `a readable file (open failed: ${new SysCallError('open', lastErrno()).code})`);
    }
    s.childFds.push(stdin);
    if (fstatSync(stdin).isDirectory()) throw new InvalidOptionError('stdinFile', o.stdinFile, 'a file, not a directory');
  } else {
    const [r, w] = pipe();
    s.childFds.push(r);
    s.runnerFds.push(w);
    s.stdinWriter = w;
    stdin = r;
  }
  const [out, stdout] = output(s, 'stdout', o.stdout);
  const [err, stderr] = output(s, 'stderr', o.stderr);
  s.stdout = stdout;
  s.stderr = stderr;
  const [gateRunner, gateChild] = unixSocketPair();
  s.runnerFds.push(gateRunner);
  s.childFds.push(gateChild);
  s.gateFd = gateRunner;
  s.childStdio = [stdin, out, err, gateChild];
}

/** The gate, spawned by the spawner thread; from here on a failure must end it. */
async function spawnGate(s: Setup): Promise<void> {
  const o = s.o;
  const gate = s.gatePath!;
  s.limits = runLimits(o, () => tasksOwnedBy(o.uid ?? process.getuid!()));
  let pid;
  try {
    pid = await s.lease!.spawner.spawn({
      path: gate, argv: gateArgv(gate, s.program, s.args, s.limits, s.engine.faults, s.o.ignoreSigpipe,
        programFilterNotifies(o.processes, s.plan!.plan.abi)), cwd: o.cwd,
      envp: Object.entries(o.env).map(([k, v]) => `${k}=${v}`),
      fds: s.childStdio!,
    });
  } catch (e) {
    // The gate starts as the program's user, in its working directory: say which directory it may not enter.
    const uid = o.uid ?? process.getuid!();
    if (!(e instanceof SandboxSetupError) || e.code !== 'EACCES') throw e;
    const shut = unenterableDir(o.cwd ?? process.cwd(), uid, o.gid ?? process.getgid!());
    if (shut === null) throw e;
    const mode = shut.mode.toString(8).padStart(4, '0');
    throw new SandboxSetupError(e.step, `uid ${uid} (the program's user) may not enter ${shut.dir} (mode ${mode}, owner uid `
      + `${shut.owner}), on the way to the working directory ${o.cwd ?? process.cwd()}: let it search that directory `
      + '(x), or run from one it can enter',
    { ...(e.call ? { call: e.call } : {}), ...(e.errno === undefined ? {} : { errno: e.errno }), cause: e });
  }
  s.gatePid = pid;
  s.gateExit = s.engine.reaper.watch(pid);
  for (const fd of s.childFds.splice(0)) close(fd);
  s.gate = new GateChannel(new Socket({ fd: s.gateFd!, readable: true, writable: true }));
  s.runnerFds.splice(s.runnerFds.indexOf(s.gateFd!), 1);
}

/**
 * The gate sets the limits and starts the program's process, which takes the final process limit and says its pid
 * before it waits; /proc/PID/limits of that process must then show exactly the limits of the run.
 */
async function checkLimits(s: Setup): Promise<void> {
  const line = await s.gate!.next();
  if (s.killRequested()) return; // the run ends as killed, not as a setup failure
  if (line?.kind !== 'pid') throw unexpected('rlimits', line, 'the program\'s pid');
  s.pid = line.pid;
  const mismatch = checkProcLimits(line.pid, expectedProcLimits(s.limits!, s.engine.faults));
  if (mismatch) throw new SandboxSetupError('rlimits', `/proc/${line.pid}/limits shows ${mismatch}; the program was not started`, { call: 'setrlimit' });
}

/** The own-/proc Landlock layer, without the program's pid yet (the program reads its own /proc/PID, no other). */
function buildOwnProc(s: Setup): void {
  s.ownProcFd = s.engine.policies.ownProcLayer(s.plan!.plan.abi).build();
}

/**
 * The runner's word (gate.c): 'g'; flags (1: install the program's filter with a listener, which the gate then
 * answers); the filter's length in instructions (16 bits, little-endian); the filter. The own-/proc ruleset goes
 * with it (SCM_RIGHTS).
 */
function word(s: Setup): Uint8Array {
  const filter = patchProgramFilter(s.programFilter!, s.pid!, s.plan!.plan.abi);
  const out = new Uint8Array(4 + filter.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x67 /* 'g' */);
  v.setUint8(1, programFilterNotifies(s.o.processes, s.plan!.plan.abi) ? 1 : 0);
  v.setUint16(2, filter.length / 8, true);
  out.set(filter, 4);
  return out;
}

/**
 * The runner's word, with the own-/proc layer now granting the program's /proc/PID: the program's process restricts
 * itself with it and execs the program; the gate then says it started. The program's stdin is written from just
 * before the word.
 */
async function release(s: Setup): Promise<void> {
  const fd = s.ownProcFd!;
  s.ownProcFd = undefined;
  try {
    addLandlockRules(fd, [ownProcRule(s.pid!)]);
    // The input goes into the pipe now, so that the program finds it there at its first read; it cannot run
    // before the word below, and a failed release destroys the writer (abandon).
    startStdin(s);
    s.t0 = process.hrtime.bigint();
    sendWithFd(s.gateFd!, word(s), fd); // on the socket the gate channel reads: Node only reads it
  } finally {
    close(fd);
  }
  const line = await s.gate!.next();
  if (line?.kind !== 'started') {
    s.t0 = undefined; // not released: the program never ran
    throw unexpected('release', line, 'the program\'s start');
  }
}

/** The program's stdin when the runner writes it: `input`, a caller's stream, or EOF. */
function startStdin(s: Setup): void {
  if (s.stdinWriter === undefined) return;
  s.runnerFds.splice(s.runnerFds.indexOf(s.stdinWriter), 1);
  const sink = new Socket({ fd: s.stdinWriter, readable: false, writable: true });
  s.stdinSink = sink;
  sink.on('error', () => undefined); // EPIPE when the program does not read: not the runner's error
  const source = s.o.stdin;
  if (source !== null && typeof source !== 'number') feed(s, source, sink);
  else if (s.o.input) sink.end(s.o.input);
  else sink.end();
}

/** Pipes a caller's stream to the program until either ends (an unreadable stream is EOF to the program). */
function feed(s: Setup, source: Readable, sink: Socket): void {
  const onError = () => sink.end();
  source.on('error', onError);
  source.pipe(sink);
  s.stopStdin = () => {
    source.unpipe(sink);
    source.off('error', onError);
    sink.destroy();
  };
}

/** Kills a gate that is not to be released, and the program's process waiting in it, and reaps the gate. */
async function endGate(s: Setup): Promise<void> {
  if (s.gatePid === undefined) return;
  s.gate?.socket.destroy();
  if (s.pid !== undefined) kill(s.pid, SIGKILL);
  kill(s.gatePid, SIGKILL);
  await s.engine.reaper.exited(s.gateExit!);
  s.engine.reaper.reap(s.gatePid);
}

/** Undoes a setup that did not reach the monitor: the gate ended, every fd closed, the spawner thread given back. */
export async function abandon(s: Setup): Promise<void> {
  s.stopStdin?.();
  s.stdinSink?.destroy();
  await endGate(s);
  if (s.ownProcFd !== undefined) close(s.ownProcFd);
  for (const fd of [...s.runnerFds.splice(0), ...s.childFds.splice(0)]) close(fd);
  s.lease?.release();
}

/**
 * A failed step as the SandboxSetupError that names it: a failed system call, or a Landlock ruleset that could not
 * be built (a rule path gone or changed). Errors that are the caller's pass through as they are.
 */
export function stepError(step: SetupStep, e: unknown): unknown {
  if (e instanceof SysCallError) return new SandboxSetupError(step, e.detail ?? '', { call: e.call, errno: e.errno, cause: e });
  if (e instanceof LandlockError) return new SandboxSetupError(step, e.message, { cause: e });
  return e;
}

export function enforcement(s: Setup): Enforcement | null {
  const info = s.lease?.spawner.info;
  if (!info) return null;
  return {
    landlock: info.landlock,
    seccomp: { arch: hostArch(), instructions: info.filterInstructions,
      programInstructions: s.programFilter ? s.programFilter.bytes.length / 8 : 0, processes: s.o.processes },
    noNewPrivs: true,
    uid: s.o.uid ?? process.getuid!(),
    gid: s.o.gid ?? process.getgid!(),
    rlimits: { ...s.limits! },
  };
}
