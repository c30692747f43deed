/** A resolved instruction, laid out as the kernel's struct sock_filter (include/uapi/linux/filter.h):
 *  { __u16 code; __u8 jt; __u8 jf; __u32 k; }. jt/jf are forward offsets counted from the next instruction. */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Jump target: a label name, or undefined meaning "the next instruction" (fall through). */
export type Target = string | undefined;

/** An unresolved assembly item, built only with the `asm` constructors. Jumps keep symbolic targets until
 *  `assemble` lays the program out, so inserting an instruction never silently shifts a jump. */
export type Item =
  /** Any instruction that does not jump: loads, stores, ALU, TAX/TXA, RET. */
  | { readonly kind: 'insn'; readonly code: number; readonly k: number }
  /** BPF_JMP|BPF_JA: unconditional, 32-bit forward offset. */
  | { readonly kind: 'ja'; readonly target: string }
  /** BPF_JMP|{JEQ,JGT,JGE,JSET}|{K,X}: two 8-bit forward offsets. */
  | { readonly kind: 'jcond'; readonly code: number; readonly k: number; readonly jt: Target; readonly jf: Target }
  /** Names the position of the next instruction. */
  | { readonly kind: 'label'; readonly name: string };

export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh';
