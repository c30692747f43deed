/** Why a program was refused. Each kind names one rule of the assembler or of the kernel's checkers
 *  (bpf_check_classic and check_load_and_stores in net/core/filter.c, seccomp_check_filter in kernel/seccomp.c). */
export type BpfErrorKind =
  /** A jump names a label that is defined nowhere. */
  | 'unresolved-label'
  /** Two labels share a name, so a jump to it would be ambiguous. */
  | 'duplicate-label'
  /** A jump names a label defined before it (or at the jump itself): classic BPF only jumps forward. */
  | 'backward-jump'
  /** More than BPF_MAXINSNS instructions, trampolines included. */
  | 'too-long'
  /** No instructions at all; the kernel refuses an empty filter. */
  | 'empty'
  /** Some path runs past the last instruction: it is not a RET, or a label sits after the last instruction. */
  | 'falls-off-end'
  /** A resolved jump lands outside the program (only hand-made or decoded programs can do this). */
  | 'jump-out-of-range'
  /** An opcode the seccomp checker does not accept (BPF_MOD, packet loads, BPF_LD|BPF_H|BPF_ABS, ...). */
  | 'invalid-opcode'
  /** An operand out of its range: k not a 32-bit integer, a scratch slot >= BPF_MEMWORDS, a seccomp_data
   *  offset unaligned or outside the record, a constant shift >= 32, a constant division by zero,
   *  a jump offset above 255, a label name that is not a non-empty string. */
  | 'invalid-operand'
  /** A scratch cell may be loaded on some path before anything was stored into it. */
  | 'uninitialized-memory'
  /** Bytes that are not a whole number of struct sock_filter records, or a field too wide to encode. */
  | 'invalid-encoding';

export class BpfError extends Error {
  override readonly name = 'BpfError';
  readonly kind: BpfErrorKind;
  /** Index of the offending instruction (resolved program) or item (assembly input), when there is one. */
  readonly index: number | undefined;

  constructor(kind: BpfErrorKind, message: string, index?: number) {
    super(index === undefined ? message : `${message} (at ${index})`);
    this.kind = kind;
    this.index = index;
  }
}
