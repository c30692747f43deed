import { BpfError } from './errors.js';

/** struct seccomp_data, include/uapi/linux/seccomp.h:
 *  { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }. */
export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** Up to 6 arguments; missing ones are 0n. */
  args?: bigint[];
}

export const SECCOMP_DATA_OFFSETS = { nr: 0, arch: 4, instructionPointer: 8, args: 16 } as const;
/** sizeof(struct seccomp_data): what BPF_LD|BPF_W|BPF_LEN loads under seccomp. */
export const SECCOMP_DATA_SIZE = 64;
/** Number of syscall arguments in seccomp_data.args. */
export const SECCOMP_DATA_ARGS = 6;

function argIndex(i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= SECCOMP_DATA_ARGS) {
    throw new BpfError('invalid-operand', `syscall argument index must be in 0..${SECCOMP_DATA_ARGS - 1}, got ${i}`);
  }
  return i;
}

/** Offset of the low 32 bits of args[i]. Both supported targets (x86_64, aarch64) are little-endian, so the
 *  low word comes first; a big-endian port would have to swap argLo and argHi. */
export function argLo(i: number): number {
  return SECCOMP_DATA_OFFSETS.args + 8 * argIndex(i);
}

/** Offset of the high 32 bits of args[i]. */
export function argHi(i: number): number {
  return SECCOMP_DATA_OFFSETS.args + 8 * argIndex(i) + 4;
}

const U64_MAX = (1n << 64n) - 1n;

function u64(v: bigint, what: string): bigint {
  // Negative values are accepted as their two's complement, as the kernel sees a sign-extended long.
  if (typeof v !== 'bigint' || v < -(1n << 63n) || v > U64_MAX) {
    throw new BpfError('invalid-operand', `${what} must be a 64-bit bigint, got ${String(v)}`);
  }
  return BigInt.asUintN(64, v);
}

/** The 64 bytes the kernel hands the filter, little-endian. */
export function encodeSeccompData(d: SeccompData): Uint8Array {
  if (!Number.isInteger(d.nr) || d.nr < -0x80000000 || d.nr > 0xffffffff) {
    throw new BpfError('invalid-operand', `nr must be a 32-bit integer, got ${d.nr}`);
  }
  if (!Number.isInteger(d.arch) || d.arch < -0x80000000 || d.arch > 0xffffffff) {
    throw new BpfError('invalid-operand', `arch must be a 32-bit integer, got ${d.arch}`);
  }
  const args = d.args ?? [];
  if (args.length > SECCOMP_DATA_ARGS) {
    throw new BpfError('invalid-operand', `seccomp_data has ${SECCOMP_DATA_ARGS} arguments, got ${args.length}`);
  }
  const bytes = new Uint8Array(SECCOMP_DATA_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(SECCOMP_DATA_OFFSETS.nr, d.nr >>> 0, true);
  view.setUint32(SECCOMP_DATA_OFFSETS.arch, d.arch >>> 0, true);
  view.setBigUint64(SECCOMP_DATA_OFFSETS.instructionPointer, u64(d.instructionPointer ?? 0n, 'instructionPointer'), true);
  args.forEach((a, i) => view.setBigUint64(argLo(i), u64(a, `args[${i}]`), true));
  return bytes;
}
