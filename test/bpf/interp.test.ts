/** The interpreter's semantics: those of a classic-BPF seccomp filter after the kernel converts it. */
import { describe, expect, it } from 'vitest';
import {
  asm, assemble, makeRunner, run, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS, type AluOp, type Item, type SeccompData,
} from '../../dist/bpf/index.js';
import { Rng } from './reference.js';

const NONE: SeccompData = { nr: 0, arch: 0 };
/** Runs `items` and returns A at the end. */
const acc = (items: Item[], data: SeccompData = NONE): number => run(assemble([...items, asm.retA()]), data);
/** A op b, through the interpreter, once with a constant operand and once with X. */
function alu(op: AluOp, a: number, b: number): number {
  const viaK = acc([asm.ldImm(a), asm.alu(op, b)]);
  const viaX = acc([asm.ldxImm(b), asm.ldImm(a), asm.alu(op, 'X')]);
  expect(viaX).toBe(viaK);
  return viaK;
}
/** Which way a conditional goes: 1 if taken, 0 if not, with a constant and with X. */
function branch(make: typeof asm.jeq, a: number, b: number): number {
  const viaK = run(assemble([asm.ldImm(a), make(b, 'yes', undefined), asm.ret(0), asm.label('yes'), asm.ret(1)]), NONE);
  const viaX = run(assemble([asm.ldxImm(b), asm.ldImm(a), make('X', 'yes', undefined), asm.ret(0), asm.label('yes'), asm.ret(1)]), NONE);
  expect(viaX).toBe(viaK);
  return viaK;
}

const U32 = 2n ** 32n;
const big = (op: AluOp, a: number, b: number): number => {
  const A = BigInt(a);
  const B = BigInt(b);
  const exact: Record<AluOp, () => bigint> = {
    add: () => A + B, sub: () => A - B, mul: () => A * B, div: () => A / B, and: () => A & B, or: () => A | B,
    xor: () => A ^ B, lsh: () => A << (B & 31n), rsh: () => A >> (B & 31n),
  };
  const r = exact[op]();
  return Number(((r % U32) + U32) % U32);
};

describe('ALU', () => {
  it('wraps at 32 bits', () => {
    expect(alu('add', 0xffffffff, 2)).toBe(1);
    expect(alu('sub', 1, 2)).toBe(0xffffffff);
    expect(alu('mul', 0x10000, 0x10000)).toBe(0);
    expect(alu('mul', 0xffffffff, 0xffffffff)).toBe(1);
  });

  it('divides unsigned, truncating', () => {
    expect(alu('div', 0xfffffffe, 2)).toBe(0x7fffffff);
    expect(alu('div', 7, 2)).toBe(3);
    expect(alu('div', 5, 0xffffffff)).toBe(0);
  });

  it('shifts logically, and a constant shift of 31 is the widest', () => {
    expect(alu('lsh', 1, 31)).toBe(0x80000000);
    expect(alu('rsh', 0x80000000, 31)).toBe(1);
    expect(alu('rsh', 0xffffffff, 4)).toBe(0x0fffffff);
    expect(alu('lsh', 0xffffffff, 0)).toBe(0xffffffff);
  });

  it('shifts by X >= 32 use the low 5 bits of X, as the kernel does on x86_64 and arm64', () => {
    // Checked against seccomp(2) on 6.18 x86_64 (JIT). A constant shift >= 32 is refused instead.
    const shift = (op: 'lsh' | 'rsh', a: number, x: number): number => acc([asm.ldxImm(x), asm.ldImm(a), asm.alu(op, 'X')]);
    expect(shift('lsh', 0x12345678, 32)).toBe(0x12345678);
    expect(shift('lsh', 0x12345678, 36)).toBe(0x23456780);
    expect(shift('rsh', 0x80000000, 63)).toBe(1);
    expect(shift('rsh', 0x80000000, 0xffffffff)).toBe(1);
  });

  it('and, or, xor, neg', () => {
    expect(alu('and', 0xf0f0f0f0, 0xff00ff00)).toBe(0xf000f000);
    expect(alu('or', 0xf0f0f0f0, 0x0f000000)).toBe(0xfff0f0f0);
    expect(alu('xor', 0xffffffff, 0x0f0f0f0f)).toBe(0xf0f0f0f0);
    expect(acc([asm.ldImm(1), asm.neg()])).toBe(0xffffffff);
    expect(acc([asm.ldImm(0), asm.neg()])).toBe(0);
    expect(acc([asm.ldImm(0x80000000), asm.neg()])).toBe(0x80000000);
  });

  it('agrees with exact integer arithmetic on random operands', () => {
    const rng = new Rng(42);
    const ops: AluOp[] = ['add', 'sub', 'mul', 'div', 'and', 'or', 'xor', 'lsh', 'rsh'];
    for (let i = 0; i < 2000; i++) {
      const op = rng.pick(ops);
      const a = rng.next();
      let b = rng.int(3) === 0 ? rng.int(40) : rng.next();
      if (op === 'lsh' || op === 'rsh') b &= 31;
      if (op === 'div' && b === 0) b = 1;
      expect(alu(op, a, b)).toBe(big(op, a, b));
    }
  });

  it('ends the whole filter with 0 (SECCOMP_RET_KILL_THREAD) on division by X = 0', () => {
    const prog = assemble([asm.ldImm(10), asm.ldxImm(0), asm.alu('div', 'X'), asm.ret(SECCOMP_RET_ALLOW)]);
    expect(run(prog, NONE)).toBe(0);
    const ok = assemble([asm.ldImm(10), asm.ldxImm(5), asm.alu('div', 'X'), asm.retA()]);
    expect(run(ok, NONE)).toBe(2);
  });
});

describe('jumps', () => {
  it('compares unsigned', () => {
    expect(branch(asm.jgt, 0x80000000, 1)).toBe(1);
    expect(branch(asm.jgt, 1, 0x80000000)).toBe(0);
    expect(branch(asm.jgt, 5, 5)).toBe(0);
    expect(branch(asm.jge, 5, 5)).toBe(1);
    expect(branch(asm.jge, 4, 5)).toBe(0);
    expect(branch(asm.jge, 0xffffffff, 0)).toBe(1);
    expect(branch(asm.jeq, 0xffffffff, 0xffffffff)).toBe(1);
    expect(branch(asm.jeq, 0xffffffff, 0xfffffffe)).toBe(0);
  });

  it('JSET tests whether any bit is shared', () => {
    expect(branch(asm.jset, 0b1010, 0b0010)).toBe(1);
    expect(branch(asm.jset, 0b1010, 0b0101)).toBe(0);
    expect(branch(asm.jset, 0x80000000, 0x80000000)).toBe(1);
    expect(branch(asm.jset, 0xffffffff, 0)).toBe(0);
  });

  it('ja skips unconditionally', () => {
    expect(run(assemble([asm.ja('x'), asm.ret(1), asm.label('x'), asm.ret(2)]), NONE)).toBe(2);
  });
});

describe('registers and memory', () => {
  it('A and X start at 0', () => {
    expect(acc([])).toBe(0);
    expect(acc([asm.txa()])).toBe(0);
  });

  it('moves between A and X', () => {
    expect(acc([asm.ldImm(7), asm.tax(), asm.ldImm(1), asm.txa()])).toBe(7);
    expect(acc([asm.ldxImm(9), asm.txa(), asm.ldxImm(1)])).toBe(9);
  });

  it('BPF_LEN loads sizeof(struct seccomp_data) into A or X', () => {
    expect(acc([asm.ldLen()])).toBe(64);
    expect(acc([asm.ldxLen(), asm.txa()])).toBe(64);
  });

  it('keeps 16 independent scratch cells', () => {
    // Even cells are written from A and odd ones from X, then each is read back into the register it
    // did not come from and written again, so a cell mixed up with another would show.
    const items: Item[] = [];
    for (let i = 0; i < 16; i++) items.push(i % 2 === 0 ? asm.ldImm(0x1000 + i) : asm.ldxImm(0x1000 + i), i % 2 === 0 ? asm.st(i) : asm.stx(i));
    for (let i = 15; i >= 0; i--) {
      items.push(asm.ldImm(0), asm.ldxImm(0));
      items.push(...(i % 2 === 0 ? [asm.ldxMem(i), asm.stx(i)] : [asm.ldMem(i), asm.st(i)]));
    }
    for (let i = 0; i < 16; i++) {
      expect(acc([...items, asm.ldMem(i)])).toBe(0x1000 + i);
    }
  });

  it('reads seccomp_data words', () => {
    const data: SeccompData = { nr: 231, arch: 0xc00000b7, args: [0xffffffff00000001n] };
    expect(acc([asm.ldAbs(0)], data)).toBe(231);
    expect(acc([asm.ldAbs(4)], data)).toBe(0xc00000b7);
    expect(acc([asm.ldAbs(16)], data)).toBe(1);
    expect(acc([asm.ldAbs(20)], data)).toBe(0xffffffff);
    expect(acc([asm.ldAbs(0)], { nr: -1, arch: 0 })).toBe(0xffffffff);
  });
});

describe('return values', () => {
  it('are unsigned 32-bit', () => {
    expect(run(assemble([asm.ret(SECCOMP_RET_KILL_PROCESS)]), NONE)).toBe(0x80000000);
    expect(acc([asm.ldImm(-1)])).toBe(0xffffffff);
  });

  it('makeRunner checks once and runs a snapshot', () => {
    const prog = assemble([asm.ldAbs(0), asm.jeq(2, undefined, 'no'), asm.ret(SECCOMP_RET_ALLOW), asm.label('no'), asm.ret(5)]);
    const filter = makeRunner(prog);
    prog[2] = { code: 0x06, jt: 0, jf: 0, k: 9 };
    expect(filter({ nr: 2, arch: 0 })).toBe(SECCOMP_RET_ALLOW);
    expect(filter({ nr: 3, arch: 0 })).toBe(5);
    expect(run(prog, { nr: 2, arch: 0 })).toBe(9);
    expect(() => makeRunner([])).toThrow(expect.objectContaining({ kind: 'empty' }));
  });

  it('run refuses what the kernel would refuse', () => {
    expect(() => run([{ code: 0x94, jt: 0, jf: 0, k: 3 }, { code: 0x16, jt: 0, jf: 0, k: 0 }], NONE))
      .toThrow(expect.objectContaining({ kind: 'invalid-opcode' }));
    expect(() => run([{ code: 0x00, jt: 0, jf: 0, k: 3 }], NONE)).toThrow(expect.objectContaining({ kind: 'falls-off-end' }));
  });
});
