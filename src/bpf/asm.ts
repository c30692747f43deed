import { BpfError } from './errors.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET,
  BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
} from './opcodes.js';
import { labelName, memSlot, seccompOffset, target, u32 } from './operand.js';
import type { AluOp, Item, Target } from './types.js';

const ALU_OPS: Readonly<Record<AluOp, number>> = {
  add: BPF_ADD, sub: BPF_SUB, mul: BPF_MUL, div: BPF_DIV,
  and: BPF_AND, or: BPF_OR, xor: BPF_XOR, lsh: BPF_LSH, rsh: BPF_RSH,
};

const insn = (code: number, k = 0): Item => ({ kind: 'insn', code, k });

function alu(op: AluOp, src: number | 'X'): Item {
  if (!Object.prototype.hasOwnProperty.call(ALU_OPS, op)) {
    // BPF_MOD and BPF_NEG-with-operand are not in seccomp_check_filter's list.
    throw new BpfError('invalid-opcode', `ALU operation must be one of ${Object.keys(ALU_OPS).join(', ')}, got ${String(op)}`);
  }
  const code = BPF_ALU | ALU_OPS[op];
  if (src === 'X') return insn(code | BPF_X);
  const k = u32(src, `${op} operand`);
  // bpf_check_classic refuses these constants outright rather than defining a result.
  if (op === 'div' && k === 0) throw new BpfError('invalid-operand', 'division by the constant 0');
  if ((op === 'lsh' || op === 'rsh') && k >= 32) throw new BpfError('invalid-operand', `constant shift by ${k} (must be < 32)`);
  return insn(code | BPF_K, k);
}

function jcond(name: string, op: number, k: number | 'X', jt: Target, jf: Target): Item {
  const t = target(jt);
  const f = target(jf);
  if (k === 'X') return { kind: 'jcond', code: BPF_JMP | op | BPF_X, k: 0, jt: t, jf: f };
  return { kind: 'jcond', code: BPF_JMP | op | BPF_K, k: u32(k, `${name} operand`), jt: t, jf: f };
}

/** Constructors for exactly the instructions seccomp_check_filter (kernel/seccomp.c) accepts. Each one checks
 *  its operand at once, so a bad constant is reported where it was written. */
export const asm = {
  /** A <- 32-bit word of seccomp_data at `offset` (4-aligned, < 64). */
  ldAbs: (offset: number): Item => insn(BPF_LD | BPF_W | BPF_ABS, seccompOffset(offset)),
  /** A <- sizeof(struct seccomp_data); the kernel rewrites it to an immediate load of 64. */
  ldLen: (): Item => insn(BPF_LD | BPF_W | BPF_LEN),
  /** X <- sizeof(struct seccomp_data). */
  ldxLen: (): Item => insn(BPF_LDX | BPF_W | BPF_LEN),
  ldImm: (k: number): Item => insn(BPF_LD | BPF_IMM, u32(k, 'ldImm operand')),
  ldxImm: (k: number): Item => insn(BPF_LDX | BPF_IMM, u32(k, 'ldxImm operand')),
  /** A <- M[slot]. The slot must be stored on every path before this load. */
  ldMem: (slot: number): Item => insn(BPF_LD | BPF_MEM, memSlot(slot)),
  /** X <- M[slot]. */
  ldxMem: (slot: number): Item => insn(BPF_LDX | BPF_MEM, memSlot(slot)),
  /** M[slot] <- A. */
  st: (slot: number): Item => insn(BPF_ST, memSlot(slot)),
  /** M[slot] <- X. */
  stx: (slot: number): Item => insn(BPF_STX, memSlot(slot)),
  /** A <- A op (k | X), 32-bit unsigned arithmetic. */
  alu,
  /** A <- -A. */
  neg: (): Item => insn(BPF_ALU | BPF_NEG),
  /** X <- A. */
  tax: (): Item => insn(BPF_MISC | BPF_TAX),
  /** A <- X. */
  txa: (): Item => insn(BPF_MISC | BPF_TXA),
  ja: (to: string): Item => ({ kind: 'ja', target: labelName(to) }),
  /** if A == (k | X) goto jt else goto jf */
  jeq: (k: number | 'X', jt: Target, jf: Target): Item => jcond('jeq', BPF_JEQ, k, jt, jf),
  /** if A > (k | X), unsigned */
  jgt: (k: number | 'X', jt: Target, jf: Target): Item => jcond('jgt', BPF_JGT, k, jt, jf),
  /** if A >= (k | X), unsigned */
  jge: (k: number | 'X', jt: Target, jf: Target): Item => jcond('jge', BPF_JGE, k, jt, jf),
  /** if (A & (k | X)) != 0 */
  jset: (k: number | 'X', jt: Target, jf: Target): Item => jcond('jset', BPF_JSET, k, jt, jf),
  /** return k */
  ret: (k: number): Item => insn(BPF_RET | BPF_K, u32(k, 'ret value')),
  /** return A */
  retA: (): Item => insn(BPF_RET | BPF_A),
  label: (name: string): Item => ({ kind: 'label', name: labelName(name) }),
} as const;
