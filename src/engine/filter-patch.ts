/**
 * Precompiled filters with placeholders: a spawner thread loads nothing but the opcode names to use one.
 *
 * Two values in a run's filter are known late: the runner's pid (per process) and the spawner thread's tid (known
 * only once the thread runs). Compiling the filter per thread would put ~30-60 ms of module loading and
 * compilation on every start, so the filter is compiled once — at build time for this machine's architecture
 * (scripts/build-filters.mjs, dist/engine/filter-templates.json) — with placeholders above any pid the kernel hands
 * out (PID_MAX_LIMIT is 2^22), and the thread writes the real values over them.
 */
import { BPF_JEQ, BPF_JMP, BPF_K } from '../bpf/opcodes.js';
import type { SupportedAbi } from '../landlock/abi.js';

export const PLACEHOLDER_TID = 0x7ffffff0;
export const PLACEHOLDER_PID = 0x7ffffff1;
/** The only instruction the pid/tid rules compile to that carries the value. */
const JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;

export interface FilterTemplate {
  bytes: Uint8Array;
  /** How many instructions carry each placeholder: patching checks it replaced exactly these. */
  tidSlots: number;
  pidSlots: number;
}

export function countSlots(bytes: Uint8Array, k: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let off = 0; off < bytes.length; off += 8) if (v.getUint16(off, true) === JEQ_K && v.getUint32(off + 4, true) === k) n++;
  return n;
}

/**
 * A copy of `bytes` with every JEQ K instruction whose constant is one of `values`' keys given that key's value
 * instead; returns it and how many instructions each key was found in (in the order of `values`).
 */
function replaceConstants(bytes: Uint8Array, values: ReadonlyArray<readonly [number, number]>): { out: Uint8Array; counts: number[] } {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  const counts = values.map(() => 0);
  for (let off = 0; off < out.length; off += 8) {
    if (view.getUint16(off, true) !== JEQ_K) continue;
    const i = values.findIndex(([k]) => k === view.getUint32(off + 4, true));
    if (i < 0) continue;
    view.setUint32(off + 4, values[i]![1], true);
    counts[i]!++;
  }
  return { out, counts };
}

/** A copy of the template with the real pid and tid; throws unless exactly the expected slots were replaced. */
export function patchFilter(t: FilterTemplate, runnerPid: number, tid: number): Uint8Array {
  for (const [what, v] of [['tid', tid], ['pid', runnerPid]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v >= PLACEHOLDER_TID) throw new RangeError(`not a ${what}: ${v}`);
  }
  const { out, counts: [tids, pids] } = replaceConstants(t.bytes, [[PLACEHOLDER_TID, tid], [PLACEHOLDER_PID, runnerPid]]);
  if (tids !== t.tidSlots || pids !== t.pidSlots || tids === 0 || pids === 0) {
    throw new Error(`the filter template had ${tids} tid and ${pids} pid slots, expected ${t.tidSlots} and ${t.pidSlots}`);
  }
  return out;
}

/** Where a run's process group goes in a program filter template (program-filter.ts); its 32-bit negation too. */
export const PLACEHOLDER_PGID = 0x7ffffff2;
export const NEG_PLACEHOLDER_PGID = (-PLACEHOLDER_PGID) >>> 0;

export interface ProgramFilterTemplate {
  /** struct sock_filter[], with PLACEHOLDER_PGID and its negation where the pgid goes. */
  bytes: Uint8Array;
  /** How many instructions carry each: patching checks it replaced exactly these. */
  slots: number;
  negSlots: number;
}

/** Whether a run's program filter has USER_NOTIF rules: the gate's child then installs it with a listener for the gate. */
export function programFilterNotifies(processes: number, abi: SupportedAbi): boolean {
  return processes > 1 && abi < 6;
}

/** The key of a program filter template: the variants differ by ABI class (6+, 5, 3-4) and process knob. */
export function programTemplateKey(arch: string, processes: number, abi: SupportedAbi): string {
  return `${arch}/program/${abi >= 6 ? 6 : abi === 5 ? 5 : 3}/${processes === 1 ? '1' : 'n'}`;
}

/**
 * How many instructions of a program filter name the run's group (program-filter.ts): below ABI 6 one per
 * signalling call aimed at the leader (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open) and
 * kill(-PGID); none from ABI 6. A template that says otherwise (stale, or built from other rules) is refused.
 */
export function programFilterSlots(abi: SupportedAbi): { slots: number; negSlots: number } {
  return abi < 6 ? { slots: 6, negSlots: 1 } : { slots: 0, negSlots: 0 };
}

/** A copy of a program filter template naming `pgid`; throws unless exactly the expected instructions were patched. */
export function patchProgramFilter(t: ProgramFilterTemplate, pgid: number, abi: SupportedAbi): Uint8Array {
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid >= PLACEHOLDER_TID) throw new RangeError(`not a process group: ${pgid}`);
  const want = programFilterSlots(abi);
  const { out, counts: [pos, neg] } = replaceConstants(t.bytes, [[PLACEHOLDER_PGID, pgid], [NEG_PLACEHOLDER_PGID, (-pgid) >>> 0]]);
  if (pos !== t.slots || neg !== t.negSlots || pos !== want.slots || neg !== want.negSlots) {
    throw new Error(`the program filter template had ${pos} and ${neg} pgid slots, expected ${t.slots} and ${t.negSlots}`);
  }
  return out;
}
