import { BpfError } from './errors.js';
import { BPF_MEMWORDS } from './opcodes.js';
import { SECCOMP_DATA_SIZE } from './seccomp-data.js';

/** Normalises a 32-bit operand to the unsigned value the kernel stores in sock_filter.k. Signed 32-bit input
 *  is accepted because C callers write e.g. (__u32)-100 for AT_FDCWD; anything wider or fractional is a bug. */
export function u32(k: unknown, what: string): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < -0x80000000 || k > 0xffffffff) {
    throw new BpfError('invalid-operand', `${what} must be a 32-bit integer, got ${String(k)}`);
  }
  return k >>> 0;
}

export function memSlot(slot: unknown): number {
  if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= BPF_MEMWORDS) {
    throw new BpfError('invalid-operand', `scratch slot must be an integer in 0..${BPF_MEMWORDS - 1}, got ${String(slot)}`);
  }
  return slot;
}

/** seccomp_check_filter: "32-bit aligned and not out of bounds". */
export function seccompOffset(offset: unknown): number {
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset >= SECCOMP_DATA_SIZE || offset % 4 !== 0) {
    throw new BpfError(
      'invalid-operand',
      `seccomp_data offset must be a multiple of 4 in 0..${SECCOMP_DATA_SIZE - 4}, got ${String(offset)}`,
    );
  }
  return offset;
}

export function labelName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new BpfError('invalid-operand', `a label must be a non-empty string, got ${String(name)}`);
  }
  return name;
}

export function target(t: unknown): string | undefined {
  return t === undefined ? undefined : labelName(t);
}
