/** The disassembler's listing, golden text for small programs. */
import { describe, expect, it } from 'vitest';
import {
  argHi, argLo, asm, assemble, disassemble, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF,
  seccompActionName,
} from '../../dist/bpf/index.js';

const policy = assemble([
  asm.ldAbs(4),
  asm.jeq(0xc000003e, undefined, 'kill'),
  asm.ldAbs(0),
  asm.jge(0x40000000, 'kill', undefined),
  asm.jeq(59, 'deny', undefined),
  asm.jeq(1, undefined, 'allow'),
  asm.ldAbs(argLo(0)),
  asm.jeq(2, 'allow', 'deny'),
  asm.label('allow'),
  asm.ret(SECCOMP_RET_ALLOW),
  asm.label('deny'),
  asm.ret(SECCOMP_RET_ERRNO | 1),
  asm.label('kill'),
  asm.ret(SECCOMP_RET_KILL_PROCESS),
]);

describe('disassemble', () => {
  it('renders a seccomp policy with field names, actions and comments', () => {
    const text = disassemble(policy, { seccomp: true, comments: new Map([[4, 'execve'], [5, 'write'], [9, 'x32 or foreign arch']]) });
    expect(text).toBe([
      ' 0000: ld  [4]                 ; arch',
      ' 0001: jeq #0xc000003e, 0002, 0010',
      ' 0002: ld  [0]                 ; nr',
      ' 0003: jge #0x40000000, 0010, 0004',
      ' 0004: jeq #0x3b, 0009, 0005   ; execve',
      ' 0005: jeq #0x1, 0006, 0008    ; write',
      ' 0006: ld  [16]                ; args[0] lo',
      ' 0007: jeq #0x2, 0008, 0009',
      ' 0008: ret ALLOW',
      ' 0009: ret ERRNO(1)            ; x32 or foreign arch',
      ' 0010: ret KILL_PROCESS',
    ].join('\n'));
  });

  it('without seccomp: shows raw values and no field names', () => {
    expect(disassemble(policy.slice(0, 1))).toBe(' 0000: ld  [4]');
    expect(disassemble(policy.slice(8))).toBe([' 0000: ret #0x7fff0000', ' 0001: ret #0x50001', ' 0002: ret #0x80000000'].join('\n'));
  });

  it('renders every instruction form', () => {
    const prog = assemble([
      asm.ldLen(), asm.ldxLen(), asm.ldImm(10), asm.ldxImm(0xffffffff), asm.st(0), asm.stx(15), asm.ldMem(0),
      asm.ldxMem(15), asm.alu('add', 1), asm.alu('sub', 'X'), asm.alu('mul', 3), asm.alu('div', 'X'),
      asm.alu('and', 0xff), asm.alu('or', 'X'), asm.alu('xor', 1), asm.alu('lsh', 31), asm.alu('rsh', 'X'),
      asm.neg(), asm.tax(), asm.txa(), asm.jset('X', 'end', undefined), asm.jgt(7, undefined, 'end'),
      asm.ja('end'), asm.ldAbs(argHi(5)), asm.ldAbs(12), asm.ldAbs(8), asm.retA(), asm.label('end'), asm.ret(0),
    ]);
    expect(disassemble(prog, { seccomp: true })).toBe([
      ' 0000: ld  #len',
      ' 0001: ldx #len',
      ' 0002: ld  #0xa',
      ' 0003: ldx #0xffffffff',
      ' 0004: st  M[0]',
      ' 0005: stx M[15]',
      ' 0006: ld  M[0]',
      ' 0007: ldx M[15]',
      ' 0008: add #0x1',
      ' 0009: sub x',
      ' 0010: mul #0x3',
      ' 0011: div x',
      ' 0012: and #0xff',
      ' 0013: or  x',
      ' 0014: xor #0x1',
      ' 0015: lsh #0x1f',
      ' 0016: rsh x',
      ' 0017: neg',
      ' 0018: tax',
      ' 0019: txa',
      ' 0020: jset x, 0027, 0021',
      ' 0021: jgt #0x7, 0022, 0027',
      ' 0022: ja  0027',
      ' 0023: ld  [60]                ; args[5] hi',
      ' 0024: ld  [12]                ; instruction_pointer hi',
      ' 0025: ld  [8]                 ; instruction_pointer lo',
      ' 0026: ret a',
      ' 0027: ret KILL_THREAD',
    ].join('\n'));
  });

  it('shows instructions seccomp does not accept instead of hiding or throwing', () => {
    const text = disassemble([
      { code: 0x28, jt: 0, jf: 0, k: 12 }, // BPF_LD|BPF_H|BPF_ABS
      { code: 0x94, jt: 0, jf: 0, k: 3 }, // BPF_ALU|BPF_MOD|BPF_K
      { code: 0xb1, jt: 0, jf: 0, k: 14 }, // BPF_LDX|BPF_B|BPF_MSH
      { code: 0x0e, jt: 0, jf: 0, k: 0 }, // BPF_RET|BPF_X
      { code: 0xfff7, jt: 1, jf: 2, k: 0xabc },
      { code: 0x8c, jt: 0, jf: 0, k: 0 }, // BPF_ALU|BPF_NEG with a stray BPF_X
      { code: 0x0d, jt: 0, jf: 0, k: 0 }, // BPF_JMP|BPF_JA with a stray BPF_X
      { code: 0x26, jt: 0, jf: 0, k: 0 }, // BPF_RET|BPF_K with a stray mode bit
      { code: 0x0a, jt: 0, jf: 0, k: 1 }, // BPF_ST with a stray size bit
    ]);
    expect(text).toBe([
      ' 0000: ldh [12]',
      ' 0001: mod #0x3',
      ' 0002: ldxb 4*([14]&0xf)',
      ' 0003: ret x',
      ' 0004: .word code=0xfff7 jt=1 jf=2 k=0xabc',
      ' 0005: .word code=0x008c jt=0 jf=0 k=0x0',
      ' 0006: .word code=0x000d jt=0 jf=0 k=0x0',
      ' 0007: .word code=0x0026 jt=0 jf=0 k=0x0',
      ' 0008: .word code=0x000a jt=0 jf=0 k=0x1',
    ].join('\n'));
  });

  it('puts comments on instructions that have no annotation, and leaves an empty program empty', () => {
    expect(disassemble(policy.slice(8, 9), { comments: new Map([[0, 'the only way out']]) }))
      .toBe(' 0000: ret #0x7fff0000         ; the only way out');
    expect(disassemble([])).toBe('');
  });
});

describe('seccompActionName', () => {
  it.each<[number, string]>([
    [SECCOMP_RET_KILL_PROCESS, 'KILL_PROCESS'],
    [SECCOMP_RET_KILL_THREAD, 'KILL_THREAD'],
    [SECCOMP_RET_TRAP, 'TRAP'],
    [SECCOMP_RET_TRAP | 3, 'TRAP(3)'],
    [SECCOMP_RET_ERRNO | 1, 'ERRNO(1)'],
    [SECCOMP_RET_ERRNO, 'ERRNO(0)'],
    [SECCOMP_RET_ERRNO | 0xffff, 'ERRNO(65535)'],
    [SECCOMP_RET_USER_NOTIF, 'USER_NOTIF'],
    [SECCOMP_RET_TRACE | 7, 'TRACE(7)'],
    [SECCOMP_RET_TRACE, 'TRACE(0)'],
    [SECCOMP_RET_LOG, 'LOG'],
    [SECCOMP_RET_ALLOW, 'ALLOW'],
    [SECCOMP_RET_ALLOW | 5, 'ALLOW(5)'],
    [0x12340000, '#0x12340000'],
  ])('0x%s is %s', (k, name) => {
    expect(seccompActionName(k)).toBe(name);
  });
});
