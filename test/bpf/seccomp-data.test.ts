/** struct seccomp_data layout and its encoding (include/uapi/linux/seccomp.h). */
import { describe, expect, it } from 'vitest';
import {
  argHi, argLo, asm, assemble, encodeSeccompData, run, SECCOMP_DATA_OFFSETS, SECCOMP_DATA_SIZE, type SeccompData,
} from '../../dist/bpf/index.js';

describe('seccomp_data offsets', () => {
  it('matches offsetof() in the header', () => {
    // offsetof(struct seccomp_data, nr / arch / instruction_pointer / args), sizeof(struct seccomp_data)
    expect(SECCOMP_DATA_OFFSETS).toEqual({ nr: 0, arch: 4, instructionPointer: 8, args: 16 });
    expect(SECCOMP_DATA_SIZE).toBe(64);
  });

  it('puts the low word of each argument first (little-endian)', () => {
    for (let i = 0; i < 6; i++) {
      expect(argLo(i)).toBe(16 + 8 * i);
      expect(argHi(i)).toBe(argLo(i) + 4);
    }
    expect(argHi(5) + 4).toBe(SECCOMP_DATA_SIZE);
  });

  it.each([-1, 6, 1.5, NaN])('refuses argument index %s', (i) => {
    expect(() => argLo(i)).toThrow(expect.objectContaining({ kind: 'invalid-operand' }));
    expect(() => argHi(i)).toThrow(expect.objectContaining({ kind: 'invalid-operand' }));
  });
});

describe('encodeSeccompData', () => {
  it('writes every field little-endian at its offset', () => {
    const d: SeccompData = {
      nr: 0x01020304, arch: 0xc000003e, instructionPointer: 0x1122334455667788n,
      args: [0x0807060504030201n, 0n, 0n, 0n, 0n, 0xffeeddccbbaa9988n],
    };
    const b = encodeSeccompData(d);
    expect(b.length).toBe(64);
    expect(Array.from(b.subarray(0, 4))).toEqual([4, 3, 2, 1]);
    expect(Array.from(b.subarray(4, 8))).toEqual([0x3e, 0, 0, 0xc0]);
    expect(Array.from(b.subarray(8, 16))).toEqual([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
    expect(Array.from(b.subarray(16, 24))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(b.subarray(24, 56))).toEqual(new Array(32).fill(0));
    expect(Array.from(b.subarray(56, 64))).toEqual([0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  });

  it('stores a negative nr and arguments as two\'s complement, as the kernel sees them', () => {
    const b = encodeSeccompData({ nr: -1, arch: 0, args: [-100n] });
    expect(Array.from(b.subarray(0, 4))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(Array.from(b.subarray(16, 24))).toEqual([0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it.each<[string, SeccompData]>([
    ['seven arguments', { nr: 0, arch: 0, args: [0n, 0n, 0n, 0n, 0n, 0n, 0n] }],
    ['an argument wider than 64 bits', { nr: 0, arch: 0, args: [1n << 64n] }],
    ['an instruction pointer below -2^63', { nr: 0, arch: 0, instructionPointer: -(1n << 63n) - 1n }],
    ['a fractional nr', { nr: 1.5, arch: 0 }],
    ['an arch wider than 32 bits', { nr: 0, arch: 2 ** 32 }],
  ])('refuses %s', (_what, d) => {
    expect(() => encodeSeccompData(d)).toThrow(expect.objectContaining({ kind: 'invalid-operand' }));
  });

  it('is what a filter reads through argLo/argHi', () => {
    const args = [0x1111111122222222n, 0x3333333344444444n, 0x5555555566666666n,
      0x7777777788888888n, 0x99999999aaaaaaaan, 0xbbbbbbbbccccccccn];
    const read = (offset: number): number => run(assemble([asm.ldAbs(offset), asm.retA()]), { nr: 3, arch: 7, instructionPointer: 0xdeadbeefcafef00dn, args });
    args.forEach((v, i) => {
      expect(read(argLo(i))).toBe(Number(v & 0xffffffffn));
      expect(read(argHi(i))).toBe(Number(v >> 32n));
    });
    expect(read(SECCOMP_DATA_OFFSETS.nr)).toBe(3);
    expect(read(SECCOMP_DATA_OFFSETS.arch)).toBe(7);
    expect(read(SECCOMP_DATA_OFFSETS.instructionPointer)).toBe(0xcafef00d);
    expect(read(SECCOMP_DATA_OFFSETS.instructionPointer + 4)).toBe(0xdeadbeef);
  });

  it('defaults the instruction pointer and missing arguments to 0', () => {
    const b = encodeSeccompData({ nr: 1, arch: 2, args: [5n] });
    expect(Array.from(b.subarray(8, 16))).toEqual(new Array(8).fill(0));
    expect(Array.from(b.subarray(24))).toEqual(new Array(40).fill(0));
  });
});
