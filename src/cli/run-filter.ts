/**
 * The seccomp filter a run installs, for `seccomp` and `doctor`: the default judge policy (src/seccomp) plus the
 * engine's own rules (src/engine/filter.ts: no signal or pidfd to the runner or its spawner thread, no other
 * process's limits...), compiled by the engine's own compileRun().
 *
 * Two values in it belong to a run: the runner's pid (here this process's, as a run started by this CLI would
 * have) and the spawner thread's tid, which exists only once the thread does; it is shown as pid_max, a value no
 * task has. Neither changes the filter's size or shape. The compilation and listing are the engine's
 * (describeRunFilter in src/engine/filter.ts); this module only adds what `doctor` reports of it.
 */
import { decode, seccompActionName, BPF_K, BPF_RET } from '../bpf/index.js';
import { describeRunFilter, type RunFilter } from '../engine/filter.js';
import { errnoName } from '../native/errno.js';
import type { Arch } from '../native/arch.js';

export { placeholderTid, type RunFilter } from '../engine/filter.js';

/** The filter a run started by this CLI would install: this process's pid, pid_max for the spawner tid. */
export function runFilter(arch: Arch, processes: number): RunFilter {
  return describeRunFilter({ arch, processes });
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
