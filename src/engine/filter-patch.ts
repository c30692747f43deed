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

/** A copy of the template with the real pid and tid; throws unless exactly the expected slots were replaced. */
export function patchFilter(t: FilterTemplate, runnerPid: number, tid: number): Uint8Array {
  for (const [what, v] of [['tid', tid], ['pid', runnerPid]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v >= PLACEHOLDER_TID) throw new RangeError(`not a ${what}: ${v}`);
  }
  const out = new Uint8Array(t.bytes);
  const view = new DataView(out.buffer);
  let tids = 0;
  let pids = 0;
  for (let off = 0; off < out.length; off += 8) {
    if (view.getUint16(off, true) !== JEQ_K) continue;
    const k = view.getUint32(off + 4, true);
    if (k === PLACEHOLDER_TID) { view.setUint32(off + 4, tid, true); tids++; }
    else if (k === PLACEHOLDER_PID) { view.setUint32(off + 4, runnerPid, true); pids++; }
  }
  if (tids !== t.tidSlots || pids !== t.pidSlots || tids === 0 || pids === 0) {
    throw new Error(`the filter template had ${tids} tid and ${pids} pid slots, expected ${t.tidSlots} and ${t.pidSlots}`);
  }
  return out;
}
