import { BpfError } from './errors.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_CLASS, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MAXINSNS, BPF_MEM, BPF_MEMWORDS, BPF_MISC,
  BPF_MUL, BPF_NEG, BPF_OR, BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
} from './opcodes.js';
import { SECCOMP_DATA_SIZE } from './seccomp-data.js';
import type { SockFilter } from './types.js';

/** The opcodes seccomp_check_filter (kernel/seccomp.c) lets through, compared as whole 16-bit codes exactly as
 *  the kernel's switch does: a stray bit in an otherwise valid opcode is refused. */
export const SECCOMP_ALLOWED_CODES: ReadonlySet<number> = new Set([
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap((op) => [
    BPF_ALU | op | BPF_K,
    BPF_ALU | op | BPF_X,
  ]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_IMM,
  BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

export function isConditionalJump(code: number): boolean {
  return BPF_CLASS(code) === BPF_JMP && code !== (BPF_JMP | BPF_JA);
}

function isU(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/**
 * Refuses exactly what the kernel would refuse when this program is installed with
 * seccomp(SECCOMP_SET_MODE_FILTER): the length bounds of bpf_check_basics_ok, the per-instruction rules and
 * "last instruction is a RET" of bpf_check_classic, the scratch-memory dataflow of check_load_and_stores
 * (all net/core/filter.c) and the opcode allow-list and seccomp_data bounds of seccomp_check_filter.
 * Throws BpfError; returns nothing.
 */
export function checkSeccompFilter(prog: readonly SockFilter[]): void {
  const flen = prog.length;
  if (flen === 0) throw new BpfError('empty', 'a filter needs at least one instruction');
  if (flen > BPF_MAXINSNS) throw new BpfError('too-long', `${flen} instructions, the kernel accepts at most ${BPF_MAXINSNS}`);

  for (let pc = 0; pc < flen; pc++) {
    const f = prog[pc]!;
    if (!isU(f.code, 0xffff) || !isU(f.jt, 0xff) || !isU(f.jf, 0xff) || !isU(f.k, 0xffffffff)) {
      throw new BpfError('invalid-operand', 'code must be a u16, jt and jf u8, k a u32', pc);
    }
    const { code, k } = f;
    if (!SECCOMP_ALLOWED_CODES.has(code)) {
      throw new BpfError('invalid-opcode', `opcode 0x${code.toString(16).padStart(4, '0')} is not allowed in a seccomp filter`, pc);
    }
    switch (code) {
      case BPF_ALU | BPF_DIV | BPF_K:
        if (k === 0) throw new BpfError('invalid-operand', 'division by the constant 0', pc);
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (k >= 32) throw new BpfError('invalid-operand', `constant shift by ${k} (must be < 32)`, pc);
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) throw new BpfError('invalid-operand', `scratch slot ${k} (must be < ${BPF_MEMWORDS})`, pc);
        break;
      case BPF_LD | BPF_W | BPF_ABS:
        if (k >= SECCOMP_DATA_SIZE || (k & 3) !== 0) {
          throw new BpfError('invalid-operand', `seccomp_data offset ${k} is unaligned or outside the ${SECCOMP_DATA_SIZE}-byte record`, pc);
        }
        break;
      case BPF_JMP | BPF_JA:
        // JA's 32-bit offset could otherwise point anywhere; the conditional ones are bounded by u8.
        if (k >= flen - pc - 1) throw new BpfError('jump-out-of-range', `ja +${k} lands outside the program`, pc);
        break;
      default:
        if (isConditionalJump(code) && (pc + f.jt + 1 >= flen || pc + f.jf + 1 >= flen)) {
          throw new BpfError('jump-out-of-range', `jump +${f.jt}/+${f.jf} lands outside the program`, pc);
        }
    }
  }

  const last = prog[flen - 1]!.code;
  if (last !== (BPF_RET | BPF_K) && last !== (BPF_RET | BPF_A)) {
    throw new BpfError('falls-off-end', 'the last instruction must be a RET', flen - 1);
  }

  checkLoadAndStores(prog);
}

/**
 * check_load_and_stores: a forward dataflow pass over which scratch cells are certainly written. Mirrors the
 * kernel including its conservatism: the state after a RET (or a jump) still flows into the next instruction,
 * ANDed with what jumps bring there, so the result matches what the kernel accepts, not what is merely safe.
 */
function checkLoadAndStores(prog: readonly SockFilter[]): void {
  const ALL = 0xffff;
  const masks = new Array<number>(prog.length).fill(ALL);
  let memvalid = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    memvalid &= masks[pc]!;
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case BPF_ST:
      case BPF_STX:
        memvalid |= 1 << k;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if ((memvalid & (1 << k)) === 0) {
          throw new BpfError('uninitialized-memory', `M[${k}] may be read before it is written`, pc);
        }
        break;
      case BPF_JMP | BPF_JA:
        masks[pc + 1 + k]! &= memvalid;
        memvalid = ALL;
        break;
      default:
        if (isConditionalJump(code)) {
          masks[pc + 1 + jt]! &= memvalid;
          masks[pc + 1 + jf]! &= memvalid;
          memvalid = ALL;
        }
    }
  }
}
