/**
 * A restricted spawner thread. It runs in a worker_threads Worker and restricts ITSELF, once, in this order
 * (each step checked; the first failure is reported and the thread spawns nothing, ever):
 *   1. landlock: create the ruleset, add the rules (paths opened while still privileged, so a root runner can
 *      deny or allow directories its program's uid could not even open), set no_new_privs, restrict self.
 *   2. drop-privileges (root runners only): setgroups(0), setresgid, setresuid through raw syscall(2), which
 *      changes the credentials of this thread only (glibc's wrappers would change every thread of the runner);
 *      then verify with getresuid/getresgid and capget(2) that no capability is left.
 *   3. seccomp: compile the filter for this thread (it refuses signals and pidfds aimed at the runner's pid and
 *      at this thread's tid — the one task of the runner inside the program's own Landlock domain) and install it
 *      with a user-notification listener (exit_group, and setsid/setpgid when processes > 1). Last, as in nsjail.
 * From then on it only spawns: posix_spawn of the gate (see run.ts) with fds 0-3 set, everything else closed,
 * a new session, an empty signal mask and default dispositions. Every process it creates inherits the thread's
 * credentials, Landlock domain, no_new_privs and seccomp filter across execve.
 */
import { parentPort, workerData } from 'node:worker_threads';
// Straight from the modules it needs, not ../landlock/index.js: the planner is not loaded in this thread.
import { applyLandlockPlan } from '../landlock/sys.js';
import { RulePathOpenError } from '../landlock/errors.js';
import type { AbiProbeResult } from '../landlock/abi.js';
import type { LandlockPlan } from '../landlock/plan.js';
import { Errno } from '../native/errno.js';
import { installSeccompFilter } from '../seccomp/install.js';
import { patchFilter } from './filter-patch.js';
import { prctl, syscall6, gettid, lastErrno, SysCallError } from '../native/libc.js';
import { libc } from '../native/libc.js';
import * as sys from './sys.js';
import type { SpawnerInit, SpawnRequest, WorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('spawner-worker must run in a worker thread');
let init = workerData as SpawnerInit; // replaced by the first message

// Raw syscall numbers for the per-thread credential calls (arch/x86/entry/syscalls/syscall_64.tbl,
// include/uapi/asm-generic/unistd.h for aarch64).
const NR = process.arch === 'arm64'
  ? { setgroups: 159, setresuid: 147, getresuid: 148, setresgid: 149, getresgid: 150 }
  : { setgroups: 116, setresuid: 117, getresuid: 118, setresgid: 119, getresgid: 120 };
const syscallIds = libc.func('syscall', 'long', ['long', '_Out_ uint32_t *', '_Out_ uint32_t *', '_Out_ uint32_t *']) as (
  nr: number, a: number[], b: number[], c: number[]) => number;
const PR_GET_NO_NEW_PRIVS = 39;
const capget = libc.func('int capget(void *header, _Out_ uint8_t *data)') as (h: Uint8Array, d: Uint8Array) => number;

class StepError extends Error {
  constructor(readonly step: string, readonly call: string | undefined, readonly errno: number | undefined, message: string) {
    super(message);
  }
}

function step<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StepError) throw e;
    const err = e as Partial<SysCallError> & Error;
    throw new StepError(name, err.call, typeof err.errno === 'number' ? err.errno : undefined, err.message);
  }
}

function raw(call: string, nr: number, a = 0, b = 0, c = 0): void {
  const r = Number(syscall6(nr, a, b, c, 0, 0, 0));
  if (r < 0) throw new SysCallError(call, lastErrno());
}

function dropPrivileges(uid: number, gid: number): void {
  raw('setgroups(0, NULL)', NR.setgroups, 0, 0);
  raw(`setresgid(${gid})`, NR.setresgid, gid, gid, gid);
  raw(`setresuid(${uid})`, NR.setresuid, uid, uid, uid);
  const r = [0], e = [0], s = [0];
  if (syscallIds(NR.getresuid, r, e, s) < 0) throw new SysCallError('getresuid', lastErrno());
  if (r[0] !== uid || e[0] !== uid || s[0] !== uid) throw new Error(`uid is ${r[0]}/${e[0]}/${s[0]} after setresuid(${uid})`);
  if (syscallIds(NR.getresgid, r, e, s) < 0) throw new SysCallError('getresgid', lastErrno());
  if (r[0] !== gid || e[0] !== gid || s[0] !== gid) throw new Error(`gid is ${r[0]}/${e[0]}/${s[0]} after setresgid(${gid})`);
  // The capability sets of this thread must be empty now (setresuid from 0 clears them without SECBIT_KEEP_CAPS;
  // ambient capabilities cannot outlive an empty permitted set). capget(2) with pid 0 reads this thread's sets.
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, 0x20080522, true); // _LINUX_CAPABILITY_VERSION_3, pid 0
  const data = new Uint8Array(24); // 2 x struct __user_cap_data_struct { effective, permitted, inheritable }
  if (capget(header, data) < 0) throw new SysCallError('capget', lastErrno());
  if (data.some((b) => b !== 0)) throw new Error('capabilities remain after dropping root');
}

/**
 * Applies the plan, leaving out a rule whose path has VANISHED since the plan was computed (entries come and go
 * next to a denied directory in a busy /tmp). That only denies more: the entry is gone, and one created later under
 * that name gets no rule. Every failure is thrown before landlock_restrict_self, so the thread is still
 * unrestricted when it tries again without the rule. A configured writable directory that vanished, a path that
 * became a symlink or changed kind, and every other failure stay errors.
 */
function applyTolerating(plan: LandlockPlan, options: { probe?: () => AbiProbeResult }): ReturnType<typeof applyLandlockPlan> {
  for (;;) {
    try {
      return applyLandlockPlan(plan, options);
    } catch (e) {
      const vanished = e instanceof RulePathOpenError && (e.errno === Errno.ENOENT || e.errno === Errno.ENOTDIR);
      const path = (e as RulePathOpenError).path;
      if (!vanished || plan.writeAllowPaths.includes(path) || !plan.rules.some((r) => r.path === path)) throw e;
      plan = { ...plan, rules: plan.rules.filter((r) => r.path !== path) };
    }
  }
}

function setup(): WorkerMessage {
  const faults = init.faults ?? {};
  if (faults.dieDuringSetup) process.exit(70);
  const probe = faults.landlockProbe ? { probe: () => faults.landlockProbe! } : {};
  const landlock = step('landlock', () => applyTolerating(init.landlockPlan as LandlockPlan, probe));
  if (init.dropTo) {
    const { uid, gid } = init.dropTo;
    step('drop-privileges', () => dropPrivileges(uid, gid));
  }
  step('no_new_privs', () => {
    const v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (v !== 1) throw new SysCallError('prctl(PR_GET_NO_NEW_PRIVS)', v < 0 ? lastErrno() : 0, `returned ${v}`);
  });
  const filter = step('seccomp', () => faults.seccompFilter ?? patchFilter(init.filter, process.pid, gettid()));
  const listenerFd = step('seccomp', () => installSeccompFilter(filter, { newListener: true }).listenerFd);
  return {
    type: 'ready',
    tid: gettid(),
    listenerFd,
    filterInstructions: filter.length / 8,
    landlock: { abi: landlock.abi, fsRights: [...landlock.fsRights], netRights: [...landlock.netRights],
      scopes: [...landlock.scopes], rules: landlock.rules },
  };
}

// Buffers reused for every spawn: the thread spawns one program at a time.
const fileActions = new Uint8Array(sys.SPAWN_FILE_ACTIONS_SIZE);
const attr = new Uint8Array(sys.SPAWN_ATTR_SIZE);
const emptySet = new Uint8Array(sys.SIGSET_SIZE);
const fullSet = new Uint8Array(sys.SIGSET_SIZE);

function spawn(req: SpawnRequest): WorkerMessage {
  let step = 'posix_spawn_file_actions_init';
  let rc = sys.faInit(fileActions) as number;
  if (rc !== 0) return { type: 'spawn-error', id: req.id, step: 'spawn', call: step, errno: rc };
  let attrReady = false;
  try {
    const [stdin, stdout, stderr, gate] = req.fds;
    const actions: Array<[string, () => number]> = [
      ['posix_spawn_file_actions_adddup2(stdin)', () => sys.faAddDup2(fileActions, stdin, 0) as number],
      ['posix_spawn_file_actions_adddup2(stdout)', () => sys.faAddDup2(fileActions, stdout, 1) as number],
      ['posix_spawn_file_actions_adddup2(stderr)', () => sys.faAddDup2(fileActions, stderr, 2) as number],
      ['posix_spawn_file_actions_adddup2(gate)', () => sys.faAddDup2(fileActions, gate, 3) as number],
      ['posix_spawn_file_actions_addclosefrom_np(4)', () => sys.faAddCloseFrom(fileActions, 4) as number],
      ['posix_spawn_file_actions_addchdir_np', () => sys.faAddChdir(fileActions, req.cwd) as number],
      ['posix_spawnattr_init', () => { const r = sys.attrInit(attr) as number; attrReady = r === 0; return r; }],
      ['sigemptyset', () => (sys.sigEmptySet(emptySet) as number) < 0 ? lastErrno() : 0],
      ['sigfillset', () => (sys.sigFillSet(fullSet) as number) < 0 ? lastErrno() : 0],
      ['posix_spawnattr_setsigmask', () => sys.attrSetSigMask(attr, emptySet) as number],
      ['posix_spawnattr_setsigdefault', () => sys.attrSetSigDefault(attr, fullSet) as number],
      ['posix_spawnattr_setflags', () => sys.attrSetFlags(attr,
        sys.POSIX_SPAWN_SETSID | sys.POSIX_SPAWN_SETSIGMASK | sys.POSIX_SPAWN_SETSIGDEF) as number],
    ];
    for (const [name, fn] of actions) {
      step = name;
      rc = fn();
      if (rc !== 0) return { type: 'spawn-error', id: req.id, step: 'spawn', call: step, errno: rc };
    }
    const pid = [0];
    rc = sys.posixSpawn(pid, req.path, fileActions, attr, [...req.argv, null], [...req.envp, null]);
    if (rc !== 0) return { type: 'spawn-error', id: req.id, step: 'spawn', call: 'posix_spawn', errno: rc };
    return { type: 'spawned', id: req.id, pid: pid[0]! };
  } finally {
    if (attrReady) sys.attrDestroy(attr);
    sys.faDestroy(fileActions);
  }
}

let ready = false;
let started = false;

port.on('message', (msg: SpawnRequest | { type: 'setup'; init: SpawnerInit } | { type: 'stop' }) => {
  if ('type' in msg && msg.type === 'stop') {
    port.close(); // nothing else keeps this thread alive: it ends
    return;
  }
  if ('type' in msg && msg.type === 'setup') {
    if (started) return;
    started = true;
    init = msg.init;
    try {
      const m = setup();
      ready = true;
      port.postMessage(m);
    } catch (e) {
      const err = e instanceof StepError ? e : new StepError('spawner', undefined, undefined, (e as Error).message);
      port.postMessage({ type: 'setup-error', step: err.step, call: err.call, errno: err.errno, message: err.message } satisfies WorkerMessage);
    }
    return;
  }
  const req = msg as SpawnRequest;
  if (!ready) {
    port.postMessage({ type: 'spawn-error', id: req.id, step: 'spawn', call: 'spawner not ready', errno: 0 } satisfies WorkerMessage);
    return;
  }
  if (init.faults?.dieOnSpawn) process.exit(71);
  port.postMessage(spawn(req));
});
