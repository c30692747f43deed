import { checkSeccompFilter } from './check.js';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MEMWORDS, BPF_MISC, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_RET, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR,
} from './opcodes.js';
import { encodeSeccompData, SECCOMP_DATA_SIZE, type SeccompData } from './seccomp-data.js';
import type { SockFilter } from './types.js';

/**
 * Runs `prog` on one seccomp_data record with the semantics the kernel gives a classic-BPF seccomp filter once
 * bpf_convert_filter (net/core/filter.c) has translated it: A and X start at 0, arithmetic is unsigned 32-bit
 * and wraps, a shift by X uses only X's low 5 bits (the interpreter masks, the x86_64 and arm64 JITs use
 * 32-bit shift instructions that do the same), and division by X = 0 makes the whole filter return 0
 * (SECCOMP_RET_KILL_THREAD). Loads read the record little-endian.
 *
 * The program is checked first with checkSeccompFilter, so a program the kernel would refuse throws here too.
 * Returns the RET value as an unsigned 32-bit number.
 */
export function run(prog: readonly SockFilter[], data: SeccompData): number {
  return makeRunner(prog)(data);
}

/** Checks `prog` once and returns a function that runs a copy of it, for table tests that run one program on
 *  many records. Later changes to `prog` do not affect the returned runner. */
export function makeRunner(prog: readonly SockFilter[]): (data: SeccompData) => number {
  checkSeccompFilter(prog);
  const snapshot = prog.map(({ code, jt, jf, k }) => ({ code, jt, jf, k }));
  return (data) => execute(snapshot, data);
}

function execute(prog: readonly SockFilter[], data: SeccompData): number {
  const record = new DataView(encodeSeccompData(data).buffer);
  const mem = new Uint32Array(BPF_MEMWORDS);
  let a = 0;
  let x = 0;

  // Forward-only jumps mean every step increases pc, so this ends within prog.length steps.
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case BPF_LD | BPF_W | BPF_ABS: a = record.getUint32(k, true); break;
      case BPF_LD | BPF_W | BPF_LEN: a = SECCOMP_DATA_SIZE; break;
      case BPF_LDX | BPF_W | BPF_LEN: x = SECCOMP_DATA_SIZE; break;
      case BPF_LD | BPF_IMM: a = k; break;
      case BPF_LDX | BPF_IMM: x = k; break;
      case BPF_LD | BPF_MEM: a = mem[k]!; break;
      case BPF_LDX | BPF_MEM: x = mem[k]!; break;
      case BPF_ST: mem[k] = a; break;
      case BPF_STX: mem[k] = x; break;
      case BPF_MISC | BPF_TAX: x = a; break;
      case BPF_MISC | BPF_TXA: a = x; break;
      case BPF_ALU | BPF_NEG: a = (0 - a) >>> 0; break;
      case BPF_RET | BPF_K: return k;
      case BPF_RET | BPF_A: return a;
      case BPF_JMP | BPF_JA: pc += k; break;
      default: {
        const operand = (code & BPF_X) === BPF_X ? x : k;
        if ((code & 0x07) === BPF_ALU) {
          if ((code & 0xf0) === BPF_DIV && operand === 0) return 0;
          a = alu(code & 0xf0, a, operand);
        } else {
          pc += jump(code & 0xf0, a, operand) ? jt : jf;
        }
      }
    }
  }
  // Unreachable: checkSeccompFilter guarantees the last instruction is a RET.
  throw new Error('BPF program ran off its end');
}

function alu(op: number, a: number, v: number): number {
  switch (op) {
    case BPF_ADD: return (a + v) >>> 0;
    case BPF_SUB: return (a - v) >>> 0;
    case BPF_MUL: return Math.imul(a, v) >>> 0;
    case BPF_DIV: return Math.floor(a / v) >>> 0;
    case BPF_AND: return (a & v) >>> 0;
    case BPF_OR: return (a | v) >>> 0;
    case BPF_XOR: return (a ^ v) >>> 0;
    // JavaScript's shifts use the count's low 5 bits, which is the kernel's behaviour for 32-bit ALU shifts.
    case BPF_LSH: return (a << v) >>> 0;
    case BPF_RSH: return a >>> v;
    default: throw new Error(`unreachable ALU op 0x${op.toString(16)}`);
  }
}

function jump(op: number, a: number, v: number): boolean {
  switch (op) {
    case BPF_JEQ: return a === v;
    case BPF_JGT: return a > v;
    case BPF_JGE: return a >= v;
    case BPF_JSET: return (a & v) !== 0;
    default: throw new Error(`unreachable jump op 0x${op.toString(16)}`);
  }
}

