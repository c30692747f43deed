/** Patching a spawner thread's tid into a precompiled filter: no imports, so a spawner thread loads nothing more. */

/**
 * A spawner thread's tid is known only once the thread runs, but compiling the filter there would put ~30 ms of
 * module loading and compilation on every thread's start. So the runner compiles the filter once per policy with
 * this placeholder for the tid — above any pid the kernel hands out (PID_MAX_LIMIT is 2^22) — and the thread
 * writes its tid over it (patchSpawnerTid).
 */
export const PLACEHOLDER_TID = 0x7ffffff0;
/** BPF_JMP | BPF_JEQ | BPF_K: the only instruction the tid rules compile to that carries the tid. */
const JEQ_K = 0x15;

export interface FilterTemplate {
  bytes: Uint8Array;
  /** How many instructions carry the placeholder: the thread checks it patched exactly these. */
  slots: number;
}

export function countTid(bytes: Uint8Array, k: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let off = 0; off < bytes.length; off += 8) if (v.getUint16(off, true) === JEQ_K && v.getUint32(off + 4, true) === k) n++;
  return n;
}

/** A copy of the template with `tid` in place of the placeholder; throws unless exactly `slots` were replaced. */
export function patchSpawnerTid(t: FilterTemplate, tid: number): Uint8Array {
  if (!Number.isInteger(tid) || tid <= 0 || tid >= PLACEHOLDER_TID) throw new RangeError(`not a tid: ${tid}`);
  const out = new Uint8Array(t.bytes);
  const v = new DataView(out.buffer);
  let n = 0;
  for (let off = 0; off < out.length; off += 8) {
    if (v.getUint16(off, true) === JEQ_K && v.getUint32(off + 4, true) === PLACEHOLDER_TID) {
      v.setUint32(off + 4, tid, true);
      n++;
    }
  }
  if (n !== t.slots || n === 0) throw new Error(`the filter template had ${n} tid slots, expected ${t.slots}`);
  return out;
}
