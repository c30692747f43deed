/** struct sock_filter encoding: golden bytes against the kernel header macros, and the round trip. */
import { describe, expect, it } from 'vitest';
import {
  asm, assemble, BPF_A, BPF_ABS, BPF_ALU, BPF_JA, BPF_JMP, BPF_JEQ, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_RSH,
  BPF_ST, BPF_W, BPF_X, BpfError, decode, encode, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, type SockFilter,
} from '../../dist/bpf/index.js';

const hex = (b: Uint8Array): string[] => {
  const rows: string[] = [];
  for (let o = 0; o < b.length; o += 8) rows.push(Array.from(b.subarray(o, o + 8), (x) => x.toString(16).padStart(2, '0')).join(' '));
  return rows;
};

describe('encode', () => {
  // Bytes printed by a C program built with gcc from these initialisers (linux/filter.h, linux/seccomp.h,
  // linux/audit.h), on x86_64:
  const golden: ReadonlyArray<readonly [string, SockFilter, string]> = [
    ['BPF_STMT(BPF_LD|BPF_W|BPF_ABS, offsetof(struct seccomp_data, arch))',
      { code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 4 }, '20 00 00 00 04 00 00 00'],
    ['BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, AUDIT_ARCH_X86_64, 1, 0)',
      { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 1, jf: 0, k: 0xc000003e }, '15 00 01 00 3e 00 00 c0'],
    ['BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_KILL_PROCESS)',
      { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: SECCOMP_RET_KILL_PROCESS }, '06 00 00 00 00 00 00 80'],
    ['BPF_STMT(BPF_LD|BPF_W|BPF_ABS, offsetof(struct seccomp_data, args[1]) + 4)',
      { code: BPF_LD | BPF_W | BPF_ABS, jt: 0, jf: 0, k: 28 }, '20 00 00 00 1c 00 00 00'],
    ['BPF_JUMP(BPF_JMP|BPF_JSET|BPF_X, 0, 2, 255)',
      { code: BPF_JMP | BPF_JSET | BPF_X, jt: 2, jf: 255, k: 0 }, '4d 00 02 ff 00 00 00 00'],
    ['BPF_STMT(BPF_ALU|BPF_RSH|BPF_K, 31)', { code: BPF_ALU | BPF_RSH | BPF_K, jt: 0, jf: 0, k: 31 }, '74 00 00 00 1f 00 00 00'],
    ['BPF_STMT(BPF_ST, 15)', { code: BPF_ST, jt: 0, jf: 0, k: 15 }, '02 00 00 00 0f 00 00 00'],
    ['BPF_STMT(BPF_JMP|BPF_JA, 0x1234)', { code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: 0x1234 }, '05 00 00 00 34 12 00 00'],
    ['BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|1)',
      { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | 1 }, '06 00 00 00 01 00 05 00'],
    ['BPF_STMT(BPF_RET|BPF_A, 0)', { code: BPF_RET | BPF_A, jt: 0, jf: 0, k: 0 }, '16 00 00 00 00 00 00 00'],
  ];

  it.each(golden)('%s', (_macro, insn, bytes) => {
    expect(hex(encode([insn]))).toEqual([bytes]);
  });

  it('lays instructions out back to back, 8 bytes each', () => {
    const prog = golden.map(([, insn]) => insn);
    const bytes = encode(prog);
    expect(bytes.length).toBe(8 * prog.length);
    expect(hex(bytes)).toEqual(golden.map(([, , b]) => b));
  });

  it('assembles the classic arch check to the bytes BPF_STMT/BPF_JUMP give', () => {
    const prog = assemble([
      asm.ldAbs(4),
      asm.jeq(0xc000003e, 'ok', undefined),
      asm.ret(SECCOMP_RET_KILL_PROCESS),
      asm.label('ok'),
      asm.ret(SECCOMP_RET_ERRNO | 1),
    ]);
    expect(hex(encode(prog))).toEqual([golden[0]![2], golden[1]![2], golden[2]![2], golden[8]![2]]);
  });

  it.each([
    ['code', { code: 0x10000, jt: 0, jf: 0, k: 0 }],
    ['jt', { code: 6, jt: 256, jf: 0, k: 0 }],
    ['jf', { code: 6, jt: 0, jf: -1, k: 0 }],
    ['k', { code: 6, jt: 0, jf: 0, k: 2 ** 32 }],
    ['k', { code: 6, jt: 0, jf: 0, k: -1 }],
    ['k', { code: 6, jt: 0, jf: 0, k: 0.5 }],
  ])('refuses a %s that would be truncated', (field, insn) => {
    const err = (() => { try { encode([insn]); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).kind).toBe('invalid-encoding');
    expect((err as BpfError).message).toContain(field);
  });
});

describe('decode', () => {
  it('inverts encode for arbitrary field values', () => {
    let seed = 12345;
    const next = (): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
    const prog: SockFilter[] = Array.from({ length: 300 }, () => ({
      code: next() & 0xffff, jt: next() & 0xff, jf: next() & 0xff, k: next() >>> 0,
    }));
    prog.push({ code: 0xffff, jt: 255, jf: 255, k: 0xffffffff }, { code: 0, jt: 0, jf: 0, k: 0 });
    expect(decode(encode(prog))).toEqual(prog);
  });

  it('reads from a view that does not start at the beginning of its buffer', () => {
    const prog = assemble([asm.ldAbs(0), asm.jeq(59, undefined, 'x'), asm.ret(1), asm.label('x'), asm.ret(2)]);
    const inner = encode(prog);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    expect(decode(outer.subarray(3))).toEqual(prog);
  });

  it('refuses a length that is not a whole number of instructions', () => {
    expect(() => decode(new Uint8Array(15))).toThrow(expect.objectContaining({ kind: 'invalid-encoding' }));
    expect(decode(new Uint8Array(0))).toEqual([]);
  });
});
