/**
 * The seccomp filter a spawner thread installs on itself, and so on every program it spawns: the default judge
 * policy (src/seccomp) plus the rules this engine needs, compiled per thread because some name its tid.
 *
 * Why per thread: the program shares the spawner thread's Landlock domain, and Landlock allows everything within a
 * domain, so the one task of the runner a program could signal is that thread — and a signal sent to a thread's
 * tid with kill(2) is delivered to the whole runner. The filter refuses signals and pidfds aimed at the runner's
 * pid and at this thread's tid, and it refuses making anyone the owner of a file or socket, whose SIGIO the kernel
 * would deliver to that owner (the spawner thread too) with no check Landlock or the uid could fail. Calls that act on another process by pid and that Landlock does not cover at all
 * (prlimit, scheduling, priority, I/O priority, page migration) are refused for any pid but 0 (the caller).
 *
 * What binds the program but not the gate (setsid, setpgid, and below Landlock ABI 6 the signals it may send) is in
 * the program's own filter, which the gate's child installs before its exec (program-filter.ts).
 */
import { definePolicy, defaultRules, compile, hostArch, ERRNO, ALLOW, type Arch, type CompiledFilter,
  type RuleInput } from '../seccomp/index.js';
import { readFileSync } from 'node:fs';
import { disassemble, encode, type SockFilter } from '../bpf/index.js';
import { countSlots, PLACEHOLDER_PID, PLACEHOLDER_TID, type FilterTemplate } from './filter-patch.js';

export interface SpawnerFilterOptions {
  processes: number;
  /** The runner's pid: the program may not signal it or open a pidfd of it. */
  runnerPid: number;
  /** The spawner thread's tid: the one task of the runner in the program's Landlock domain. */
  spawnerTid: number;
}

const EPERM = ERRNO(1);
// include/uapi/linux/sched.h
const CLONE_PARENT = 0x8000;
// include/uapi/linux/resource.h, include/uapi/linux/ioprio.h
const PRIO_USER = 2;
const IOPRIO_WHO_PROCESS = 1;
// include/uapi/asm-generic/fcntl.h (x86_64 and arm64 alike), include/uapi/asm-generic/sockios.h
const F_SETOWN = 8;
const F_SETOWN_EX = 15;
const FIOSETOWN = 0x8901;
const SIOCSPGRP = 0x8902;

const pid32 = (arg: number, value: number) => ({ arg, op: 'eq' as const, value, width: 32 as const });
const notSelf = (arg: number) => ({ arg, op: 'ne' as const, value: 0, width: 32 as const });

/** The engine's own rules (see the file comment); exported for tests and the `seccomp` command's listing. */
export function engineRules(o: SpawnerFilterOptions): RuleInput[] {
  const rules: RuleInput[] = [];
  const targets: Array<[number, string]> = [[o.runnerPid, 'the runner'], [o.spawnerTid, 'the spawner thread (same Landlock domain)']];
  for (const [id, who] of targets) {
    rules.push(
      { syscall: 'kill', action: EPERM, when: [pid32(0, id)], reason: `no signal to ${who}` },
      { syscall: 'tkill', action: EPERM, when: [pid32(0, id)], reason: `no signal to ${who}` },
      { syscall: 'tgkill', action: EPERM, when: [pid32(0, id)], reason: `no signal to ${who}` },
      { syscall: 'tgkill', action: EPERM, when: [pid32(1, id)], reason: `no signal to ${who}` },
      { syscall: 'rt_sigqueueinfo', action: EPERM, when: [pid32(0, id)], reason: `no signal to ${who}` },
      { syscall: 'rt_tgsigqueueinfo', action: EPERM, when: [pid32(0, id)], reason: `no signal to ${who}` },
      { syscall: 'rt_tgsigqueueinfo', action: EPERM, when: [pid32(1, id)], reason: `no signal to ${who}` },
      { syscall: 'pidfd_open', action: EPERM, when: [pid32(0, id)], reason: `no pidfd of ${who}` },
    );
  }
  // A file's owner receives SIGIO (by default fatal) when I/O becomes possible on it, and the kernel checks that
  // signal only when it is sent, against the owner's uid and Landlock domain, which the spawner thread shares with
  // the program. F_SETOWN_EX takes the owner through a pointer the filter cannot read, so setting an owner is
  // refused outright: a judged program has no use for SIGIO.
  rules.push(
    { syscall: 'fcntl', action: EPERM, when: [{ arg: 1, op: 'eq', value: F_SETOWN, width: 32 }], reason: 'no file owner: SIGIO could be aimed at the spawner thread' },
    { syscall: 'fcntl', action: EPERM, when: [{ arg: 1, op: 'eq', value: F_SETOWN_EX, width: 32 }], reason: 'no file owner: SIGIO could be aimed at the spawner thread' },
    { syscall: 'ioctl', action: EPERM, when: [{ arg: 1, op: 'eq', value: FIOSETOWN, width: 32 }], reason: 'no socket owner: SIGIO/SIGURG could be aimed at the spawner thread' },
    { syscall: 'ioctl', action: EPERM, when: [{ arg: 1, op: 'eq', value: SIOCSPGRP, width: 32 }], reason: 'no socket owner: SIGIO/SIGURG could be aimed at the spawner thread' },
  );
  rules.push(
    { syscall: 'prlimit64', action: EPERM, when: [notSelf(0)], reason: "another process's limits (the runner's, same uid) are not the program's to change" },
    { syscall: 'sched_setaffinity', action: EPERM, when: [notSelf(0)], reason: 'only its own CPU affinity' },
    { syscall: 'sched_setscheduler', action: EPERM, when: [notSelf(0)], reason: 'only its own scheduling policy' },
    { syscall: 'sched_setparam', action: EPERM, when: [notSelf(0)], reason: 'only its own scheduling parameters' },
    { syscall: 'sched_setattr', action: EPERM, when: [notSelf(0)], reason: 'only its own scheduling attributes' },
    { syscall: 'setpriority', action: EPERM, when: [{ arg: 0, op: 'eq', value: PRIO_USER, width: 32 }], reason: 'PRIO_USER would renice every process of the uid' },
    { syscall: 'setpriority', action: EPERM, when: [notSelf(1)], reason: 'only its own priority' },
    { syscall: 'ioprio_set', action: EPERM, when: [{ arg: 0, op: 'ne', value: IOPRIO_WHO_PROCESS, width: 32 }], reason: 'no I/O priority of a group or user' },
    { syscall: 'ioprio_set', action: EPERM, when: [notSelf(1)], reason: 'only its own I/O priority' },
    { syscall: 'migrate_pages', action: EPERM, when: [notSelf(0)], reason: "another process's pages are not the program's" },
    { syscall: 'move_pages', action: EPERM, when: [notSelf(0)], reason: "another process's pages are not the program's" },
    { syscall: 'clone', action: EPERM, when: [{ arg: 0, op: 'masked_eq', value: CLONE_PARENT, mask: CLONE_PARENT }],
      reason: 'CLONE_PARENT would make a direct child of the runner, which may change its session' },
  );
  return rules;
}

/** The policy a spawner thread installs (default judge policy + engineRules), compiled with its listing comments. */
export function compileRun(o: SpawnerFilterOptions, arch: Arch): CompiledFilter {
  const rules = [...engineRules(o), ...defaultRules({ processes: o.processes })];
  return compile(definePolicy({ defaultAction: ALLOW, rules }), arch);
}

/** The filter a spawner thread installs: encoded struct sock_filter array. */
export function spawnerFilter(o: SpawnerFilterOptions, arch: Arch = hostArch()): Uint8Array {
  return encode(compileRun(o, arch).program);
}

export interface RunFilterOptions {
  arch?: Arch;
  processes?: number;
  /** Default: this process's pid. */
  runnerPid?: number;
  /**
   * Default: pid_max (placeholderTid()), a value no task has. The real value is the tid of the spawner thread, known
   * only once it runs; 0 would be wrong, since the rules would then refuse kill(0), the program's own group.
   */
  spawnerTid?: number;
}

/** /proc/sys/kernel/pid_max: one more than the largest pid or tid the kernel hands out. */
export function placeholderTid(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) || 4194304;
  } catch {
    return 4194304; // PID_MAX_LIMIT on 64-bit
  }
}

export interface RunFilter {
  readonly arch: Arch;
  readonly processes: number;
  readonly runnerPid: number;
  readonly spawnerTid: number;
  readonly program: readonly SockFilter[];
  /** struct sock_filter[], as seccomp(2) takes it. */
  readonly bytes: Uint8Array;
  /** Readable disassembly, each rule's code annotated with its reason, under a three-line header. */
  readonly listing: string;
}

/**
 * The filter a run with these options installs (the default judge policy plus the engine's rules), for this
 * runner's pid and the given spawner tid: raw and as a listing. The one source of compileRunFilter,
 * runFilterListing and the CLI's `seccomp` and `doctor`.
 */
export function describeRunFilter(o: RunFilterOptions = {}): RunFilter {
  const processes = o.processes ?? 1;
  if (!Number.isInteger(processes) || processes < 1) throw new RangeError(`processes must be an integer >= 1, got ${String(processes)}`);
  const arch = o.arch ?? hostArch();
  const runnerPid = o.runnerPid ?? process.pid;
  const spawnerTid = o.spawnerTid ?? placeholderTid();
  const c = compileRun({ processes, runnerPid, spawnerTid }, arch);
  const header = [
    `; seccomp filter of a run with processes ${processes}, ${arch}: ${c.program.length} instructions`,
    '; the default judge policy plus the engine\'s rules (the program\'s own filter, installed by the gate\'s child, comes on top)',
    `; runner pid ${runnerPid}${o.runnerPid === undefined ? ' (this process)' : ''} and spawner thread tid ${spawnerTid}`
      + `${o.spawnerTid === undefined ? ' (pid_max: a run uses its spawner thread\'s tid)' : ''} appear as constants`,
  ].join('\n');
  return {
    arch, processes, runnerPid, spawnerTid,
    program: c.program,
    bytes: encode(c.program),
    listing: `${header}\n${disassemble(c.program, { seccomp: true, comments: c.comments })}\n`,
  };
}

/** The raw filter (struct sock_filter array) a run with these options installs; see describeRunFilter. */
export function compileRunFilter(o: RunFilterOptions = {}): Uint8Array {
  return describeRunFilter(o).bytes;
}

/** The same filter as readable disassembly; see describeRunFilter. */
export function runFilterListing(o: RunFilterOptions = {}): string {
  return describeRunFilter(o).listing;
}

/** The filter of a run with placeholders for the runner's pid and the spawner's tid (filter-patch.ts). */
export function spawnerFilterTemplate(processes: number, arch: Arch = hostArch()): FilterTemplate {
  const bytes = spawnerFilter({ processes, runnerPid: PLACEHOLDER_PID, spawnerTid: PLACEHOLDER_TID }, arch);
  return { bytes, tidSlots: countSlots(bytes, PLACEHOLDER_TID), pidSlots: countSlots(bytes, PLACEHOLDER_PID) };
}
