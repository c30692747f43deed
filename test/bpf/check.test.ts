/**
 * checkSeccompFilter on hand-made programs: it must refuse what the kernel refuses at
 * seccomp(SECCOMP_SET_MODE_FILTER) (net/core/filter.c bpf_check_classic, check_load_and_stores;
 * kernel/seccomp.c seccomp_check_filter), and `run` must refuse the same programs.
 */
import { describe, expect, it } from 'vitest';
import {
  BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_B, BPF_DIV, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JEQ, BPF_JGT, BPF_JMP,
  BPF_K, BPF_LD, BPF_LDX, BPF_LSH, BPF_MAXINSNS, BPF_MEM, BPF_MISC, BPF_MOD, BPF_MSH, BPF_NEG, BPF_RET,
  BPF_RSH, BPF_ST, BPF_STX, BPF_TAX, BPF_W, BPF_X, BpfError, checkSeccompFilter, run, SECCOMP_ALLOWED_CODES,
  type BpfErrorKind, type SockFilter,
} from '../../dist/bpf/index.js';

const s = (code: number, k = 0): SockFilter => ({ code, jt: 0, jf: 0, k });
const j = (code: number, jt: number, jf: number, k = 0): SockFilter => ({ code, jt, jf, k });
const RET = s(BPF_RET | BPF_K, 0x7fff0000);

function refusal(prog: SockFilter[]): BpfErrorKind | undefined {
  let checked: BpfErrorKind | undefined;
  let ran: BpfErrorKind | undefined;
  try { checkSeccompFilter(prog); } catch (e) { checked = (e as BpfError).kind; }
  try { run(prog, { nr: 0, arch: 0 }); } catch (e) { ran = (e as BpfError).kind; }
  expect(ran).toBe(checked);
  return checked;
}

describe('checkSeccompFilter', () => {
  it('allows exactly the 41 opcodes listed in seccomp_check_filter, and refuses every other u16', () => {
    // 3 rewritten loads, 2 RETs, 9 ALU ops x {K,X}, NEG, 2 immediate loads, TAX, TXA, 4 memory ops, JA,
    // 4 conditional jumps x {K,X}.
    expect(SECCOMP_ALLOWED_CODES.size).toBe(3 + 2 + 18 + 1 + 2 + 2 + 4 + 1 + 8);
    for (let code = 0; code <= 0xffff; code++) {
      if (SECCOMP_ALLOWED_CODES.has(code)) continue;
      let kind: BpfErrorKind | undefined;
      try { checkSeccompFilter([s(code, 0), RET]); } catch (e) { kind = (e as BpfError).kind; }
      if (kind !== 'invalid-opcode') expect.fail(`opcode 0x${code.toString(16)} was not refused`);
    }
  });

  it.each<[string, SockFilter]>([
    ['BPF_MOD', s(BPF_ALU | BPF_MOD | BPF_K, 3)],
    ['BPF_MOD with X', s(BPF_ALU | BPF_MOD | BPF_X)],
    ['16-bit absolute load', s(BPF_LD | BPF_H | BPF_ABS, 0)],
    ['8-bit absolute load', s(BPF_LD | BPF_B | BPF_ABS, 0)],
    ['indirect load', s(BPF_LD | BPF_W | BPF_IND, 0)],
    ['ldx 4*([k]&0xf)', s(BPF_LDX | BPF_B | BPF_MSH, 0)],
    ['ldx absolute', s(BPF_LDX | BPF_W | BPF_ABS, 0)],
    ['ret X', s(BPF_RET | BPF_X)],
    ['neg with a stray X bit', s(BPF_ALU | BPF_NEG | BPF_X)],
    ['tax with a stray high bit', s(0x100 | BPF_MISC | BPF_TAX)],
  ])('refuses %s', (_what, insn) => {
    expect(refusal([insn, RET])).toBe('invalid-opcode');
  });

  it.each<[string, SockFilter[]]>([
    ['division by constant 0', [s(BPF_ALU | BPF_DIV | BPF_K, 0), RET]],
    ['constant left shift by 32', [s(BPF_ALU | BPF_LSH | BPF_K, 32), RET]],
    ['constant right shift by 0xffffffff', [s(BPF_ALU | BPF_RSH | BPF_K, 0xffffffff), RET]],
    ['store to M[16]', [s(BPF_ST, 16), RET]],
    ['stx to M[0xffffffff]', [s(BPF_STX, 0xffffffff), RET]],
    ['load from M[16]', [s(BPF_ST, 0), s(BPF_LD | BPF_MEM, 16), RET]],
    ['unaligned seccomp_data load', [s(BPF_LD | BPF_W | BPF_ABS, 6), RET]],
    ['seccomp_data load past the record', [s(BPF_LD | BPF_W | BPF_ABS, 64), RET]],
    ['ancillary load (SKF_AD_OFF + SKF_AD_PROTOCOL)', [s(BPF_LD | BPF_W | BPF_ABS, 0xfffff000), RET]],
    ['jt wider than u8', [j(BPF_JMP | BPF_JEQ | BPF_K, 256, 0), RET]],
    ['k that is not a u32', [s(BPF_LD | BPF_IMM, -1), RET]],
  ])('refuses %s as an invalid operand', (_what, prog) => {
    expect(refusal(prog)).toBe('invalid-operand');
  });

  it('refuses jumps that land outside the program', () => {
    expect(refusal([s(BPF_JMP | BPF_JA, 1), RET])).toBe('jump-out-of-range');
    expect(refusal([s(BPF_JMP | BPF_JA, 0xffffffff), RET])).toBe('jump-out-of-range');
    expect(refusal([j(BPF_JMP | BPF_JEQ | BPF_K, 0, 1), RET])).toBe('jump-out-of-range');
    expect(refusal([j(BPF_JMP | BPF_JGT | BPF_X, 1, 0), RET])).toBe('jump-out-of-range');
    expect(refusal([s(BPF_JMP | BPF_JA, 0), RET])).toBeUndefined();
    expect(refusal([j(BPF_JMP | BPF_JEQ | BPF_K, 1, 0), RET, RET])).toBeUndefined();
  });

  it('requires a RET last, and at least one instruction, and at most BPF_MAXINSNS', () => {
    expect(refusal([RET, s(BPF_LD | BPF_IMM, 1)])).toBe('falls-off-end');
    expect(refusal([])).toBe('empty');
    expect(refusal(new Array<SockFilter>(BPF_MAXINSNS + 1).fill(RET))).toBe('too-long');
    expect(refusal(new Array<SockFilter>(BPF_MAXINSNS).fill(RET))).toBeUndefined();
    expect(refusal([s(BPF_RET | BPF_A)])).toBeUndefined();
  });

  it('ignores jt/jf on instructions that do not jump, as the kernel does', () => {
    expect(refusal([j(BPF_LD | BPF_IMM, 200, 200, 1), j(BPF_RET | BPF_A, 9, 9)])).toBeUndefined();
  });

  it('tracks scratch memory along jumps', () => {
    const jeq = (jt: number, jf: number): SockFilter => j(BPF_JMP | BPF_JEQ | BPF_K, jt, jf, 0);
    // stored before the branch: fine on both paths
    expect(refusal([s(BPF_ST, 4), jeq(0, 1), s(BPF_LD | BPF_MEM, 4), s(BPF_LDX | BPF_MEM, 4), RET])).toBeUndefined();
    // stored on the fall-through path only, loaded where both paths meet
    expect(refusal([jeq(0, 1), s(BPF_ST, 4), s(BPF_LD | BPF_MEM, 4), RET])).toBe('uninitialized-memory');
    // loaded only on the path that stored it
    expect(refusal([jeq(0, 2), s(BPF_STX, 4), s(BPF_LD | BPF_MEM, 4), RET])).toBeUndefined();
  });

  it('is as conservative as the kernel: state after a RET flows into the next instruction', () => {
    // M[0] is stored on the only path that reaches pc 5, yet the kernel (6.18, checked with seccomp(2))
    // refuses this because the RET at pc 4, reached with nothing stored, precedes it.
    const prog = [
      s(BPF_LD | BPF_IMM, 0),
      j(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),
      s(BPF_ST, 0),
      s(BPF_JMP | BPF_JA, 1),
      RET,
      s(BPF_LD | BPF_MEM, 0),
      RET,
    ];
    expect(refusal(prog)).toBe('uninitialized-memory');
  });

  it('accepts one of every allowed opcode in a valid program', () => {
    const prog: SockFilter[] = [s(BPF_ST, 0), s(BPF_STX, 1)];
    for (const code of SECCOMP_ALLOWED_CODES) {
      if ((code & 0x07) === BPF_RET) continue;
      if (code === (BPF_JMP | BPF_JA)) prog.push(s(code, 0));
      else if ((code & 0x07) === BPF_JMP) prog.push(j(code, 0, 0, 1));
      else if (code === (BPF_LD | BPF_W | BPF_ABS)) prog.push(s(code, 60));
      else if (code === (BPF_LD | BPF_MEM) || code === (BPF_LDX | BPF_MEM)) prog.push(s(code, 1));
      else if (code === BPF_ST || code === BPF_STX) prog.push(s(code, 15));
      else prog.push(s(code, code === (BPF_ALU | BPF_ADD | BPF_K) ? 0xffffffff : 3));
    }
    prog.push(s(BPF_RET | BPF_A));
    expect(new Set(prog.map((f) => f.code)).size).toBe(SECCOMP_ALLOWED_CODES.size - 1);
    expect(refusal(prog)).toBeUndefined();
  });
});
