/**
 * A restricted spawner thread. It runs in a worker_threads Worker and restricts ITSELF, once, in the order of
 * SETUP below (each step checked; the first failure is reported and the thread spawns nothing, ever):
 *   1. landlock: create the ruleset, add the rules (paths opened while still privileged, so a root runner can
 *      deny or allow directories its program's uid could not even open), set no_new_privs, restrict self.
 *   2. drop-privileges (root runners only): setgroups(0), setresgid, setresuid through raw syscall(2), which
 *      changes the credentials of this thread only (glibc's wrappers would change every thread of the runner);
 *      then verify with getresuid/getresgid and capget(2) that no capability is left.
 *   3. no_new_privs: verified set (landlock set it).
 *   4. seccomp: the filter template with the runner's pid and this thread's tid written in (it refuses signals and
 *      pidfds aimed at them — this thread is the one task of the runner inside the program's Landlock policy
 *      layer). Last, as in nsjail. (The program's own filter, setsid/setpgid and the ABI-dependent rules, is
 *      installed later by the gate's child: program-filter.ts.)
 * From then on it only spawns: posix_spawn of the gate (gate.ts, src/gate/gate.c) with fds 0-3 set, everything
 * else closed, a new session, an empty signal mask and default dispositions. Every process it creates inherits the thread's
 * credentials, Landlock domain, no_new_privs and seccomp filter across execve.
 */
import { parentPort } from 'node:worker_threads';
// Straight from the modules it needs, not ../landlock/index.js: the planner is not loaded in this thread.
import { applyLandlockPlanTolerating } from '../landlock/apply.js';
import type { LandlockPlan } from '../landlock/plan.js';
import { capabilitySets, clearGroups, getResGid, getResUid, setResGid, setResUid } from '../native/creds.js';
import { gettid, lastErrno, SysCallError } from '../native/libc.js';
import { prctl, PR_GET_NO_NEW_PRIVS } from '../native/prctl.js';
import * as spawnApi from '../native/spawn.js';
import { installSeccompFilter } from '../seccomp/install.js';
import type { SetupStep } from './errors.js';
import { patchFilter } from './filter-patch.js';
import type { SpawnerInit, SpawnRequest, WorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('spawner-worker must run in a worker thread');

/** An invalid filter (one zero instruction, no return): what the invalidSeccompFilter fault installs. */
const INVALID_FILTER = new Uint8Array(8);

class StepError extends Error {
  constructor(readonly step: SetupStep, readonly call: string | undefined, readonly errno: number | undefined, message: string) {
    super(message);
  }
}

function dropPrivileges(uid: number, gid: number): void {
  clearGroups();
  setResGid(gid);
  setResUid(uid);
  const u = getResUid();
  if (u.some((v) => v !== uid)) throw new Error(`uid is ${u.join('/')} after setresuid(${uid})`);
  const g = getResGid();
  if (g.some((v) => v !== gid)) throw new Error(`gid is ${g.join('/')} after setresgid(${gid})`);
  // The capability sets of this thread must be empty now (setresuid from 0 clears them without SECBIT_KEEP_CAPS;
  // ambient capabilities cannot outlive an empty permitted set).
  if (capabilitySets().some((b) => b !== 0)) throw new Error('capabilities remain after dropping root');
}

interface Restricted {
  landlock?: ReturnType<typeof applyLandlockPlanTolerating>;
  filter?: Uint8Array;
}

/** The thread's own setup, in order; `skip` leaves a step out (drop-privileges for a runner that is not root). */
const SETUP: ReadonlyArray<{ step: SetupStep; run: (init: SpawnerInit, r: Restricted) => void; skip?: (init: SpawnerInit) => boolean }> = [
  {
    step: 'landlock',
    run: (init, r) => {
      const probe = init.faults?.landlockProbe ? { probe: () => init.faults!.landlockProbe! } : {};
      r.landlock = applyLandlockPlanTolerating(init.landlockPlan as LandlockPlan, probe);
    },
  },
  { step: 'drop-privileges', skip: (init) => init.dropTo === null, run: (init) => dropPrivileges(init.dropTo!.uid, init.dropTo!.gid) },
  {
    step: 'no_new_privs',
    run: () => {
      const v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
      if (v !== 1) throw new SysCallError('prctl(PR_GET_NO_NEW_PRIVS)', v < 0 ? lastErrno() : 0, `returned ${v}`);
    },
  },
  {
    step: 'seccomp',
    run: (init, r) => {
      r.filter = init.faults?.invalidSeccompFilter ? INVALID_FILTER : patchFilter(init.filter, process.pid, gettid());
      installSeccompFilter(r.filter);
    },
  },
];

function setup(init: SpawnerInit): WorkerMessage {
  if (init.faults?.dieDuringSetup) process.exit(70);
  const r: Restricted = {};
  for (const { step, run, skip } of SETUP) {
    if (skip?.(init)) continue;
    try {
      run(init, r);
    } catch (e) {
      const err = e as Partial<SysCallError> & Error;
      throw new StepError(step, err.call, typeof err.errno === 'number' ? err.errno : undefined, err.message);
    }
  }
  const landlock = r.landlock!;
  return {
    type: 'ready',
    tid: gettid(),
    filterInstructions: r.filter!.length / 8,
    landlock: { abi: landlock.abi, kernelAbi: landlock.kernelAbi, pinned: landlock.pinned, fsRights: [...landlock.fsRights],
      netRights: [...landlock.netRights], scopes: [...landlock.scopes], rules: landlock.rules },
  };
}

// Buffers reused for every spawn: the thread spawns one program at a time.
const fileActions = new Uint8Array(spawnApi.SPAWN_FILE_ACTIONS_SIZE);
const attr = new Uint8Array(spawnApi.SPAWN_ATTR_SIZE);
const emptySet = new Uint8Array(spawnApi.SIGSET_SIZE);
const fullSet = new Uint8Array(spawnApi.SIGSET_SIZE);

function spawn(req: SpawnRequest): WorkerMessage {
  let call = 'posix_spawn_file_actions_init';
  let rc = spawnApi.fileActionsInit(fileActions);
  if (rc !== 0) return { type: 'spawn-error', id: req.id, step: 'spawn', call, errno: rc };
  let attrReady = false;
  try {
    const [stdin, stdout, stderr, gate] = req.fds;
    // The posix_spawn setup as a table of named calls, each returning 0 or an error number.
    const actions: Array<[string, () => number]> = [
      ['posix_spawn_file_actions_adddup2(stdin)', () => spawnApi.fileActionsAddDup2(fileActions, stdin, 0)],
      ['posix_spawn_file_actions_adddup2(stdout)', () => spawnApi.fileActionsAddDup2(fileActions, stdout, 1)],
      ['posix_spawn_file_actions_adddup2(stderr)', () => spawnApi.fileActionsAddDup2(fileActions, stderr, 2)],
      ['posix_spawn_file_actions_adddup2(gate)', () => spawnApi.fileActionsAddDup2(fileActions, gate, 3)],
      ['posix_spawn_file_actions_addclosefrom_np(4)', () => spawnApi.fileActionsAddCloseFrom(fileActions, 4)],
      ['posix_spawn_file_actions_addchdir_np', () => spawnApi.fileActionsAddChdir(fileActions, req.cwd)],
      ['posix_spawnattr_init', () => { const r = spawnApi.attrInit(attr); attrReady = r === 0; return r; }],
      ['sigemptyset', () => spawnApi.sigEmptySet(emptySet) < 0 ? lastErrno() : 0],
      ['sigfillset', () => spawnApi.sigFillSet(fullSet) < 0 ? lastErrno() : 0],
      ['posix_spawnattr_setsigmask', () => spawnApi.attrSetSigMask(attr, emptySet)],
      ['posix_spawnattr_setsigdefault', () => spawnApi.attrSetSigDefault(attr, fullSet)],
      ['posix_spawnattr_setflags', () => spawnApi.attrSetFlags(attr,
        spawnApi.POSIX_SPAWN_SETSID | spawnApi.POSIX_SPAWN_SETSIGMASK | spawnApi.POSIX_SPAWN_SETSIGDEF)],
    ];
    for (const [name, fn] of actions) {
      call = name;
      rc = fn();
      if (rc !== 0) return { type: 'spawn-error', id: req.id, step: 'spawn', call, errno: rc };
    }
    const pid = [0];
    rc = spawnApi.posixSpawn(pid, req.path, fileActions, attr, [...req.argv, null], [...req.envp, null]);
    if (rc !== 0) return { type: 'spawn-error', id: req.id, step: 'spawn', call: 'posix_spawn', errno: rc };
    return { type: 'spawned', id: req.id, pid: pid[0]! };
  } finally {
    if (attrReady) spawnApi.attrDestroy(attr);
    spawnApi.fileActionsDestroy(fileActions);
  }
}

let init: SpawnerInit | null = null;
let ready = false;

port.on('message', (msg: SpawnRequest | { type: 'setup'; init: SpawnerInit } | { type: 'stop' }) => {
  if ('type' in msg && msg.type === 'stop') {
    port.close(); // nothing else keeps this thread alive: it ends
    return;
  }
  if ('type' in msg && msg.type === 'setup') {
    if (init !== null) return;
    init = msg.init;
    try {
      const m = setup(init);
      ready = true;
      port.postMessage(m);
    } catch (e) {
      const err = e instanceof StepError ? e : new StepError('spawner thread', undefined, undefined, (e as Error).message);
      port.postMessage({ type: 'setup-error', step: err.step, call: err.call, errno: err.errno, message: err.message } satisfies WorkerMessage);
    }
    return;
  }
  const req = msg as SpawnRequest;
  if (!ready) {
    port.postMessage({ type: 'spawn-error', id: req.id, step: 'spawn', call: 'spawner not ready', errno: 0 } satisfies WorkerMessage);
    return;
  }
  if (init?.faults?.dieOnSpawn) process.exit(71);
  port.postMessage(spawn(req));
});
