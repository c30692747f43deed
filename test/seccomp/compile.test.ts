/**
 * compile(): the program it produces must return, for every input, what the policy means
 * (evaluatePolicy, written directly over the rules). Policies here exercise every comparison at both widths
 * and their boundaries, rule order, onlyOn, long programs that need the assembler's trampolines, and the
 * listing's comments landing on the right instructions.
 */
import { describe, expect, it } from 'vitest';
import { disassemble, run, type SockFilter } from '../../dist/bpf/index.js';
import {
  ALLOW, AUDIT_ARCH, ERRNO, KILL_PROCESS, TRAP, compile, definePolicy, evaluatePolicy, syscallNumber, type Arch,
  type ArgConditionInput, type CompareOp, type Policy, type RuleInput,
} from '../../dist/seccomp/index.js';

const ARCHES: Arch[] = ['x86_64', 'aarch64'];
const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;
const JA = 0x05;

/** A small deterministic PRNG (xorshift64*), so a failure is reproducible. */
function rng(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s ^= s >> 12n;
    s ^= (s << 25n) & U64;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & U64;
  };
}

/** Values around each condition's constant: equal, one off, one off in either half, and the extremes. */
function interesting(policy: Policy): Map<number, bigint[]> {
  const out = new Map<number, Set<bigint>>();
  for (let i = 0; i < 6; i++) out.set(i, new Set([0n, 1n, U32, U32 + 1n, U64, 1n << 63n, 0xdeadbeef00000000n]));
  for (const rule of policy.rules) {
    for (const c of rule.when) {
      const set = out.get(c.arg)!;
      for (const d of [-1n, 0n, 1n]) {
        for (const base of [c.value, c.value | (c.mask ^ (c.width === 32 ? U32 : U64))]) {
          set.add((base + d) & U64);
          set.add((base + (d << 32n)) & U64);
          set.add(((0xcafef00dn << 32n) | ((base + d) & U32)) & U64);
        }
      }
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

function compare(policy: Policy, arch: Arch, prog: SockFilter[], inputs: Iterable<{ nr: number; args: bigint[]; arch?: number }>): number {
  let n = 0;
  for (const { nr, args, arch: auditArch } of inputs) {
    const data = { arch: auditArch ?? AUDIT_ARCH[arch], nr, args };
    const got = run(prog, data);
    const want = evaluatePolicy(policy, arch, data);
    if (got !== want) {
      throw new Error(`${arch} nr ${nr} args [${args.map((a) => `0x${a.toString(16)}`).join(', ')}]: `
        + `filter returned 0x${got.toString(16)}, the policy means 0x${want.toString(16)}`);
    }
    n++;
  }
  return n;
}

/** Every ruled syscall with each interesting value in each argument position, plus random vectors. */
function* inputsFor(policy: Policy, arch: Arch, randomPerSyscall = 200): Generator<{ nr: number; args: bigint[] }> {
  const values = interesting(policy);
  const next = rng(0x5eccdeadbeefn);
  const numbers = new Set<number>();
  for (const r of policy.rules) {
    const nr = syscallNumber(r.syscall, arch);
    if (nr !== undefined) numbers.add(nr);
  }
  for (const nr of numbers) {
    for (let arg = 0; arg < 6; arg++) {
      for (const v of values.get(arg)!) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[arg] = v;
        yield { nr, args };
      }
    }
    for (let k = 0; k < randomPerSyscall; k++) {
      // Mix random words with the interesting ones so compound conditions get hit too.
      yield { nr, args: Array.from({ length: 6 }, (_, arg) => {
        const pool = values.get(arg)!;
        return next() % 3n === 0n ? next() : pool[Number(next() % BigInt(pool.length))]!;
      }) };
    }
  }
  for (let nr = 0; nr < 480; nr++) yield { nr, args: [0n, 0n, 0n, 0n, 0n, 0n] };
}

const OPS: CompareOp[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const CONSTANTS = [0n, 1n, 0x7fn, U32 - 1n, U32, U32 + 1n, 0x100000005n, 0x8000000000000000n, U64 - 1n, U64];

describe('every comparison, at both widths, against the policy\'s meaning', () => {
  for (const width of [32, 64] as const) {
    for (const op of OPS) {
      it(`${op} (${width}-bit)`, () => {
        const constants = CONSTANTS.filter((c) => width === 64 || c <= U32);
        // One syscall per constant, so each rule is alone in its block; plus an unconditional fallback.
        const names = ['read', 'write', 'close', 'ioctl', 'openat', 'mmap', 'munmap', 'dup3', 'lseek', 'pipe2'];
        const rules: RuleInput[] = constants.map((value, i) => ({
          syscall: names[i]!, action: ERRNO(i + 1), when: [{ arg: i % 6, op, value, width }], reason: `${op} ${value}`,
        }));
        rules.push({ syscall: 'socket', action: KILL_PROCESS, reason: 'unconditional' });
        const policy = definePolicy({ defaultAction: ALLOW, rules });
        for (const arch of ARCHES) {
          const n = compare(policy, arch, compile(policy, arch).program, inputsFor(policy, arch, 50));
          expect(n).toBeGreaterThan(1000);
        }
      });
    }
  }

  it('masked_eq at both widths, masks in either half or across both', () => {
    const masks: Array<[bigint, bigint, 32 | 64]> = [
      [0xffn, 0x12n, 32], [0x7e020000n, 0n, 32], [0x80000000n, 0x80000000n, 32], [U32, 0x5412n, 32],
      [0xff00000000n, 0x1200000000n, 64], [0xf0000000000000f0n, 0x1000000000000010n, 64], [U64, 0x123456789n, 64], [U32, 0x5412n, 64],
      [0xffffffff00000000n, 0n, 64],
    ];
    const names = ['read', 'write', 'close', 'ioctl', 'openat', 'mmap', 'munmap', 'dup3', 'lseek'];
    const policy = definePolicy({ defaultAction: ALLOW, rules: masks.map(([mask, value, width], i) => ({
      syscall: names[i]!, action: ERRNO(i + 1), when: [{ arg: i % 6, op: 'masked_eq', mask, value, width }], reason: `mask ${mask}`,
    })) });
    for (const arch of ARCHES) expect(compare(policy, arch, compile(policy, arch).program, inputsFor(policy, arch))).toBeGreaterThan(1000);
  });
});

describe('rule order and combination', () => {
  const conds = (...c: ArgConditionInput[]): ArgConditionInput[] => c;
  const policy = definePolicy({
    defaultAction: ERRNO(99),
    rules: [
      // Unconditional rule listed first: conditional rules are still tried before it.
      { syscall: 'ioctl', action: ALLOW, reason: 'fallback for ioctl' },
      { syscall: 'ioctl', action: ERRNO(1), when: conds({ arg: 1, op: 'ge', value: 0x5400 }, { arg: 1, op: 'le', value: 0x54ff }), reason: 'tty range' },
      { syscall: 'ioctl', action: ERRNO(2), when: conds({ arg: 1, op: 'eq', value: 0x5412 }), reason: 'shadowed by the range for this value' },
      { syscall: 'ioctl', action: TRAP, when: conds({ arg: 0, op: 'gt', value: 2, width: 32 }, { arg: 2, op: 'ne', value: 0 }), reason: 'fd > 2 with a pointer' },
      { syscall: 'clone', action: ALLOW, when: conds({ arg: 0, op: 'masked_eq', mask: 0x7e020000, value: 0, width: 32 }), reason: 'no namespaces' },
      { syscall: 'clone', action: ERRNO(1), reason: 'namespaces' },
      { syscall: 'fork', action: KILL_PROCESS, reason: 'x86 only', onlyOn: ['x86_64'] },
      { syscall: 'read', action: ALLOW, reason: 'read is fine' },
      { syscall: 'write', action: ALLOW, reason: 'write is fine' },
      { syscall: 'exit_group', action: ALLOW, reason: 'exit' },
    ],
  });

  it('compiles to what the policy means on both architectures', () => {
    for (const arch of ARCHES) expect(compare(policy, arch, compile(policy, arch).program, inputsFor(policy, arch, 2000))).toBeGreaterThan(5000);
  });

  it('first matching conditional rule wins, then the unconditional rule, then the default', () => {
    const prog = compile(policy, 'x86_64').program;
    const ioctl = (args: bigint[]): number => run(prog, { arch: AUDIT_ARCH.x86_64, nr: 16, args });
    expect(ioctl([0n, 0x5412n, 0n])).toBe(0x00050001); // the range rule, listed before the exact one
    expect(ioctl([5n, 0x1234n, 1n])).toBe(0x00030000); // TRAP
    expect(ioctl([0xffffffff00000001n, 0x1234n, 1n])).toBe(0x7fff0000); // fd compared on 32 bits: 1 is not > 2
    expect(ioctl([0n, 0x1234n, 0n])).toBe(0x7fff0000); // the unconditional fallback
    expect(run(prog, { arch: AUDIT_ARCH.x86_64, nr: 0 })).toBe(0x7fff0000); // read: its own rule
    expect(run(prog, { arch: AUDIT_ARCH.x86_64, nr: 41 })).toBe(0x00050063); // socket: the default ERRNO(99)
    expect(run(prog, { arch: AUDIT_ARCH.x86_64, nr: 57 })).toBe(0x80000000); // fork
    expect(run(compile(policy, 'aarch64').program, { arch: AUDIT_ARCH.aarch64, nr: 57 })).toBe(0x00050063); // 57 is close on arm64
  });
});

describe('the comparison itself', () => {
  it('catches a program that differs from the policy in one instruction', () => {
    const policy = definePolicy({ defaultAction: ALLOW, rules: [
      { syscall: 'ioctl', action: ERRNO(1), when: [{ arg: 1, op: 'eq', value: 0x5412, width: 32 }], reason: 'TIOCSTI' },
      { syscall: 'socket', action: ERRNO(1), reason: 'no sockets' },
    ] });
    const { program } = compile(policy, 'x86_64');
    expect(compare(policy, 'x86_64', program, inputsFor(policy, 'x86_64', 20))).toBeGreaterThan(100);
    program.forEach((ins, i) => {
      // Every constant of the program matters: change one, and some input must tell.
      if (ins.code !== 0x15 && ins.code !== 0x35 && ins.code !== 0x06) return;
      const mutant = program.map((f, j) => (j === i ? { ...f, k: (f.k ^ 1) >>> 0 } : f));
      expect(() => compare(policy, 'x86_64', mutant, [...inputsFor(policy, 'x86_64', 20),
        { nr: 0x40000000, args: [] }, { nr: 0x3fffffff, args: [] }, { nr: 41, args: [], arch: 0x40000003 }]), `instruction ${i}`).toThrow(/filter returned/);
    });
  });
});

describe('long programs', () => {
  // 120 conditional rules on one syscall: its block is ~600 instructions, so the dispatch's jumps over it and
  // the prologue's paths need the assembler's ja trampolines.
  const rules: RuleInput[] = [];
  for (let i = 0; i < 120; i++) rules.push({ syscall: 'ioctl', action: ERRNO(i + 1), when: [{ arg: 1, op: 'eq', value: BigInt(i) * 0x100000001n }], reason: `ioctl request #${i}` });
  for (const name of ['socket', 'connect', 'bind', 'listen', 'ptrace', 'mount', 'bpf', 'kcmp', 'setns', 'unshare']) {
    rules.push({ syscall: name, action: KILL_PROCESS, reason: `no ${name}` });
  }
  rules.push({ syscall: 'read', action: ALLOW, reason: 'read stays' });
  const policy = definePolicy({ defaultAction: ERRNO(7), rules });

  it('needs trampolines, and still means the policy', () => {
    for (const arch of ARCHES) {
      const { program } = compile(policy, arch);
      expect(program.length).toBeGreaterThan(600);
      expect(program.some((f) => f.code === JA)).toBe(true);
      expect(compare(policy, arch, program, inputsFor(policy, arch, 100))).toBeGreaterThan(3000);
    }
  });

  it('puts each comment on the instruction it describes, trampolines notwithstanding', () => {
    const { program, comments } = compile(policy, 'x86_64');
    for (let i = 0; i < 120; i++) {
      const at = [...comments].find(([, text]) => text.endsWith(`: ioctl request #${i}`));
      expect(at, `rule ${i}`).toBeDefined();
      // A conditional rule's comment sits on the load of its first compare: args[1] hi (offset 28).
      expect(program[at![0]]).toMatchObject({ code: 0x20, k: 28 });
    }
    for (const [index, text] of comments) {
      if (/^(socket|connect|ptrace): no /.test(text)) expect(program[index]).toMatchObject({ code: 0x06, k: 0x80000000 });
    }
    const listing = disassemble(program, { seccomp: true, comments });
    expect(listing.split('\n').filter((l) => l.includes('ioctl request #')).length).toBe(120);
  });
});

describe('compile refuses', () => {
  it('an unknown architecture', () => {
    const policy = definePolicy({ defaultAction: ALLOW, rules: [{ syscall: 'socket', action: ERRNO(1), reason: 'x' }] });
    expect(() => compile(policy, 'mips' as Arch)).toThrow(/unknown architecture "mips"/);
  });

  it('an unvalidated policy that is invalid (it validates again)', () => {
    expect(() => compile({ defaultAction: ALLOW, rules: [] }, 'x86_64')).toThrow(/no rules/);
  });

  it('a policy too long for the kernel', () => {
    const rules: RuleInput[] = [];
    for (let i = 0; i < 1100; i++) rules.push({ syscall: 'ioctl', action: ERRNO(1 + (i % 2)), when: [{ arg: 1, op: 'eq', value: BigInt(i) << 32n }], reason: `r${i}` });
    expect(() => compile({ defaultAction: ALLOW, rules }, 'x86_64')).toThrow(/4096/);
  });
});
