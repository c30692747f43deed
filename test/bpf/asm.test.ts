/** Every `asm` constructor produces the instruction its kernel macro would, and checks its operand. */
import { describe, expect, it } from 'vitest';
import {
  asm, assemble, BPF_A, BPF_ABS, BPF_ADD, BPF_ALU, BPF_AND, BPF_DIV, BPF_IMM, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP,
  BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_LEN, BPF_LSH, BPF_MEM, BPF_MISC, BPF_MUL, BPF_NEG, BPF_OR, BPF_RET,
  BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TAX, BPF_TXA, BPF_W, BPF_X, BPF_XOR, BpfError, type AluOp, type Item,
  type SockFilter,
} from '../../dist/bpf/index.js';

/** The one instruction `item` assembles to, with whatever it needs around it to be a valid program. */
function one(item: Item, before: Item[] = []): SockFilter {
  return assemble([...before, item, asm.ret(0)])[before.length]!;
}

const stmt = (code: number, k = 0): SockFilter => ({ code, jt: 0, jf: 0, k });

describe('asm constructors', () => {
  it('loads', () => {
    expect(one(asm.ldAbs(0))).toEqual(stmt(BPF_LD | BPF_W | BPF_ABS, 0));
    expect(one(asm.ldAbs(60))).toEqual(stmt(BPF_LD | BPF_W | BPF_ABS, 60));
    expect(one(asm.ldLen())).toEqual(stmt(BPF_LD | BPF_W | BPF_LEN));
    expect(one(asm.ldxLen())).toEqual(stmt(BPF_LDX | BPF_W | BPF_LEN));
    expect(one(asm.ldImm(0xdeadbeef))).toEqual(stmt(BPF_LD | BPF_IMM, 0xdeadbeef));
    expect(one(asm.ldxImm(7))).toEqual(stmt(BPF_LDX | BPF_IMM, 7));
    expect(one(asm.ldMem(15), [asm.st(15)])).toEqual(stmt(BPF_LD | BPF_MEM, 15));
    expect(one(asm.ldxMem(0), [asm.stx(0)])).toEqual(stmt(BPF_LDX | BPF_MEM, 0));
  });

  it('stores', () => {
    expect(one(asm.st(3))).toEqual(stmt(BPF_ST, 3));
    expect(one(asm.stx(15))).toEqual(stmt(BPF_STX, 15));
  });

  it.each<[AluOp, number]>([
    ['add', BPF_ADD], ['sub', BPF_SUB], ['mul', BPF_MUL], ['div', BPF_DIV], ['and', BPF_AND],
    ['or', BPF_OR], ['xor', BPF_XOR], ['lsh', BPF_LSH], ['rsh', BPF_RSH],
  ])('alu %s with a constant and with X', (op, code) => {
    expect(one(asm.alu(op, 5))).toEqual(stmt(BPF_ALU | code | BPF_K, 5));
    expect(one(asm.alu(op, 'X'))).toEqual(stmt(BPF_ALU | code | BPF_X));
  });

  it('neg, tax, txa', () => {
    expect(one(asm.neg())).toEqual(stmt(BPF_ALU | BPF_NEG));
    expect(one(asm.tax())).toEqual(stmt(BPF_MISC | BPF_TAX));
    expect(one(asm.txa())).toEqual(stmt(BPF_MISC | BPF_TXA));
  });

  it('returns', () => {
    expect(assemble([asm.ret(0x7fff0000)])).toEqual([stmt(BPF_RET | BPF_K, 0x7fff0000)]);
    expect(assemble([asm.retA()])).toEqual([stmt(BPF_RET | BPF_A)]);
  });

  it.each<[string, (k: number | 'X', t: string | undefined, f: string | undefined) => Item, number]>([
    ['jeq', asm.jeq, BPF_JEQ], ['jgt', asm.jgt, BPF_JGT], ['jge', asm.jge, BPF_JGE], ['jset', asm.jset, BPF_JSET],
  ])('%s with a constant and with X, both targets resolved', (_name, make, op) => {
    const prog = assemble([
      make(0x80000000, 'b', undefined), make('X', undefined, 'c'),
      asm.ret(0), asm.label('b'), asm.ret(1), asm.label('c'), asm.ret(2),
    ]);
    expect(prog[0]).toEqual({ code: BPF_JMP | op | BPF_K, jt: 2, jf: 0, k: 0x80000000 });
    expect(prog[1]).toEqual({ code: BPF_JMP | op | BPF_X, jt: 0, jf: 2, k: 0 });
  });

  it('ja', () => {
    const prog = assemble([asm.ja('end'), asm.ret(0), asm.ret(1), asm.label('end'), asm.ret(2)]);
    expect(prog[0]).toEqual({ code: BPF_JMP, jt: 0, jf: 0, k: 2 });
  });

  it('accepts signed 32-bit constants and stores them unsigned, as C does for (__u32)-100', () => {
    expect(one(asm.ldImm(-100)).k).toBe(0xffffff9c);
    expect(one(asm.jeq(-1, undefined, undefined)).k).toBe(0xffffffff);
    expect(one(asm.alu('and', -0x80000000)).k).toBe(0x80000000);
    expect(assemble([asm.ret(-1)])[0]!.k).toBe(0xffffffff);
  });

  const invalid: ReadonlyArray<readonly [string, () => Item]> = [
    ['ldAbs unaligned', () => asm.ldAbs(2)],
    ['ldAbs past seccomp_data', () => asm.ldAbs(64)],
    ['ldAbs negative', () => asm.ldAbs(-4)],
    ['ldAbs ancillary offset', () => asm.ldAbs(0xfffff000)],
    ['ldMem slot 16', () => asm.ldMem(16)],
    ['ldxMem slot -1', () => asm.ldxMem(-1)],
    ['st slot 1.5', () => asm.st(1.5)],
    ['stx slot 16', () => asm.stx(16)],
    ['ldImm 2^32', () => asm.ldImm(2 ** 32)],
    ['ldxImm below -2^31', () => asm.ldxImm(-(2 ** 31) - 1)],
    ['ret NaN', () => asm.ret(NaN)],
    ['ret fraction', () => asm.ret(0.5)],
    ['div by constant 0', () => asm.alu('div', 0)],
    ['lsh by 32', () => asm.alu('lsh', 32)],
    ['rsh by 33', () => asm.alu('rsh', 33)],
    ['jeq constant too wide', () => asm.jeq(2 ** 32, undefined, undefined)],
    ['jgt empty label', () => asm.jgt(0, '', undefined)],
    ['ja empty label', () => asm.ja('')],
    ['label empty', () => asm.label('')],
  ];
  it.each(invalid)('%s is refused when written', (_what, make) => {
    expect(make).toThrow(BpfError);
    expect(make).toThrow(expect.objectContaining({ kind: 'invalid-operand' }));
  });

  it('has no modulo: seccomp_check_filter refuses BPF_MOD', () => {
    expect(() => asm.alu('mod' as AluOp, 3)).toThrow(expect.objectContaining({ kind: 'invalid-opcode' }));
  });

  it('accepts the edges of every range', () => {
    expect(() => [asm.ldAbs(60), asm.st(0), asm.st(15), asm.alu('lsh', 31), asm.alu('rsh', 0),
      asm.alu('div', 0xffffffff), asm.ldImm(0xffffffff), asm.ldImm(-(2 ** 31))]).not.toThrow();
  });
});
