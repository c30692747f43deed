/**
 * The seccomp filter a run installs, for `seccomp` and `doctor`: the default judge policy (src/seccomp) plus the
 * engine's own rules (src/engine/filter.ts: no signal or pidfd to the runner or its spawner thread, no other
 * process's limits...), compiled by the engine's own compileRun(), with the exit watcher's stop on exit_group.
 *
 * Two values in it belong to a run: the runner's pid (here this process's, as a run started by this CLI would
 * have) and the spawner thread's tid, which exists only once the thread does; it is shown as pid_max, a value no
 * task has. Neither changes the filter's size or shape.
 */
import { readFileSync } from 'node:fs';
import { decode, disassemble, encode, seccompActionName, BPF_K, BPF_RET, type SockFilter } from '../bpf/index.js';
import { compileRun } from '../engine/filter.js';
import { errnoName } from '../native/errno.js';
import type { Arch } from './commands.js';

export interface RunFilter {
  readonly arch: Arch;
  readonly processes: number;
  readonly runnerPid: number;
  readonly spawnerTid: number;
  readonly program: readonly SockFilter[];
  readonly bytes: Uint8Array;
  readonly listing: string;
}

/** /proc/sys/kernel/pid_max: one more than the largest pid or tid the kernel hands out. */
export function placeholderTid(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) || 4194304;
  } catch {
    return 4194304; // PID_MAX_LIMIT on 64-bit
  }
}

export function runFilter(arch: Arch, processes: number, runnerPid = process.pid, spawnerTid = placeholderTid()): RunFilter {
  const compiled = compileRun({ processes, runnerPid, spawnerTid }, arch);
  const header = [
    `; seccomp filter of a run with --processes ${processes}, ${arch}: ${compiled.program.length} instructions`,
    '; the default judge policy plus the engine\'s rules, and exit_group stopped for the exit watcher (USER_NOTIF)',
    `; runner pid ${runnerPid} (this process) and spawner thread tid ${spawnerTid} (pid_max: a run uses its spawner `
      + 'thread\'s tid) appear as constants',
  ].join('\n');
  return {
    arch, processes, runnerPid, spawnerTid,
    program: compiled.program,
    bytes: encode(compiled.program),
    listing: `${header}\n${disassemble(compiled.program, { seccomp: true, comments: compiled.comments })}\n`,
  };
}

/**
 * The distinct actions a filter returns, named as /proc/sys/kernel/seccomp/actions_avail names them
 * (`errno(EPERM)` with the errno's name), in first-seen order.
 */
export function filterActions(filter: Uint8Array): string[] {
  const seen = new Set<string>();
  for (const ins of decode(filter)) {
    if (ins.code !== (BPF_RET | BPF_K)) continue;
    const name = seccompActionName(ins.k);
    const m = /^([A-Z_]+)\((\d+)\)$/.exec(name);
    if (m && m[1] === 'ERRNO') seen.add(`errno(${errnoName(Number(m[2]))})`);
    else seen.add((m ? m[1]! : name).toLowerCase());
  }
  return [...seen];
}
