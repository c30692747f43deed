/** Label resolution, long jumps through trampolines, and every way `assemble` refuses a program. */
import { describe, expect, it } from 'vitest';
import {
  argLo, asm, assemble, BPF_JA, BPF_JMP, BPF_LD, BPF_MAXINSNS, BPF_MOD, BPF_ALU, BPF_K, BPF_H, BPF_ABS,
  BpfError, decode, encode, makeRunner, run, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, type BpfErrorKind,
  type Item, type SockFilter,
} from '../../dist/bpf/index.js';
import { evalItems, Rng } from './reference.js';

function kindOf(f: () => unknown): BpfErrorKind | undefined {
  try { f(); } catch (e) { if (e instanceof BpfError) return e.kind; throw e; }
  return undefined;
}

const filler = (n: number): Item[] => Array.from({ length: n }, (_, i) => asm.ldxImm(i));
const errno = (n: number): number => SECCOMP_RET_ERRNO | n;
const isJa = (f: SockFilter): boolean => f.code === (BPF_JMP | BPF_JA);
const arg0 = (v: number) => ({ nr: 0, arch: 0, args: [BigInt(v)] });

describe('label resolution', () => {
  it('turns labels into forward offsets counted from the next instruction', () => {
    const prog = assemble([
      asm.ldAbs(0),
      asm.jeq(1, 'one', undefined),
      asm.jeq(2, undefined, 'other'),
      asm.ret(errno(2)),
      asm.label('one'),
      asm.ret(errno(1)),
      asm.label('other'),
      asm.ret(errno(3)),
    ]);
    expect(prog.map((f) => [f.jt, f.jf])).toEqual([[0, 0], [2, 0], [0, 2], [0, 0], [0, 0], [0, 0]]);
    expect(run(prog, { nr: 1, arch: 0 })).toBe(errno(1));
    expect(run(prog, { nr: 2, arch: 0 })).toBe(errno(2));
    expect(run(prog, { nr: 9, arch: 0 })).toBe(errno(3));
  });

  it('lets several labels name one place, and labels that nothing jumps to', () => {
    const prog = assemble([asm.label('unused'), asm.ja('b'), asm.label('a'), asm.label('b'), asm.ret(7)]);
    expect(prog).toEqual([{ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: 0 }, { code: 6, jt: 0, jf: 0, k: 7 }]);
  });

  it('does not mutate its input and gives the same program twice', () => {
    const items = [asm.ldAbs(0), asm.jeq(1, 'x', undefined), ...filler(300), asm.ret(0), asm.label('x'), asm.ret(1)];
    const copy = JSON.stringify(items);
    expect(assemble(items)).toEqual(assemble(items));
    expect(JSON.stringify(items)).toBe(copy);
  });
});

describe('errors', () => {
  const cases: ReadonlyArray<readonly [BpfErrorKind, string, () => unknown]> = [
    ['unresolved-label', 'ja to nowhere', () => assemble([asm.ja('nowhere'), asm.ret(0)])],
    ['unresolved-label', 'jeq to nowhere', () => assemble([asm.jeq(1, undefined, 'nowhere'), asm.ret(0)])],
    ['duplicate-label', 'label twice', () => assemble([asm.label('a'), asm.ret(0), asm.label('a'), asm.ret(1)])],
    ['backward-jump', 'ja to an earlier label', () => assemble([asm.label('top'), asm.ldImm(0), asm.ja('top'), asm.ret(0)])],
    ['backward-jump', 'a jump to a label right before it', () => assemble([asm.label('self'), asm.jeq(0, 'self', undefined), asm.ret(0)])],
    ['too-long', 'BPF_MAXINSNS + 1 instructions', () => assemble(Array.from({ length: BPF_MAXINSNS + 1 }, () => asm.ret(0)))],
    ['empty', 'no instructions', () => assemble([])],
    ['empty', 'only labels', () => assemble([asm.label('a')])],
    ['falls-off-end', 'last instruction not a RET', () => assemble([asm.ret(0), asm.ldImm(1)])],
    ['falls-off-end', 'a jump to a label after the last instruction',
      () => assemble([asm.jeq(1, 'end', undefined), asm.ret(0), asm.label('end')])],
    ['uninitialized-memory', 'load before any store', () => assemble([asm.ldMem(0), asm.retA()])],
    ['uninitialized-memory', 'stored on one branch only', () => assemble([
      asm.ldAbs(0), asm.jeq(1, undefined, 'skip'), asm.st(2), asm.label('skip'), asm.ldxMem(2), asm.retA()])],
    ['uninitialized-memory', 'a different cell stored', () => assemble([asm.st(1), asm.ldMem(0), asm.retA()])],
    ['invalid-operand', 'a hand-made item with a 33-bit k',
      () => assemble([{ kind: 'insn', code: 6, k: 2 ** 32 } as Item])],
    ['invalid-operand', 'something that is not an item', () => assemble([null as unknown as Item])],
    ['invalid-operand', 'a hand-made ja without a label', () => assemble([{ kind: 'ja' } as unknown as Item, asm.ret(0)])],
    ['invalid-opcode', 'a hand-made BPF_MOD', () => assemble([{ kind: 'insn', code: BPF_ALU | BPF_MOD | BPF_K, k: 3 }, asm.retA()])],
    ['invalid-opcode', 'a hand-made 16-bit load', () => assemble([{ kind: 'insn', code: BPF_LD | BPF_H | BPF_ABS, k: 0 }, asm.retA()])],
    ['invalid-opcode', 'a raw jump that bypasses labels', () => assemble([{ kind: 'insn', code: BPF_JMP | BPF_JA, k: 0 }, asm.ret(0)])],
  ];
  it.each(cases)('%s: %s', (kind, _what, f) => {
    expect(kindOf(f)).toBe(kind);
  });

  it('stores on both branches before a load are fine', () => {
    const prog = assemble([
      asm.ldAbs(0), asm.jeq(1, undefined, 'else'), asm.ldImm(10), asm.st(2), asm.ja('join'),
      asm.label('else'), asm.ldImm(20), asm.st(2), asm.label('join'), asm.ldImm(0), asm.ldMem(2), asm.retA()]);
    expect(run(prog, { nr: 1, arch: 0 })).toBe(10);
    expect(run(prog, { nr: 2, arch: 0 })).toBe(20);
  });

  it('exactly BPF_MAXINSNS instructions is fine', () => {
    expect(assemble(Array.from({ length: BPF_MAXINSNS }, () => asm.ret(0))).length).toBe(BPF_MAXINSNS);
  });

  it('names the offending item', () => {
    try {
      assemble([asm.ret(0), asm.ja('nowhere'), asm.ret(1)]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BpfError);
      expect((e as BpfError).index).toBe(1);
      expect((e as BpfError).message).toContain('nowhere');
    }
  });
});

describe('long jumps', () => {
  // A conditional whose taken branch skips `gap` instructions: gap + 1 is its offset.
  const farTrue = (gap: number): Item[] => [
    asm.ldAbs(argLo(0)), asm.jeq(1, 'far', undefined), ...filler(gap - 1), asm.ret(errno(2)), asm.label('far'), asm.ret(errno(1)),
  ];
  const farFalse = (gap: number): Item[] => [
    asm.ldAbs(argLo(0)), asm.jeq(1, undefined, 'far'), ...filler(gap - 1), asm.ret(errno(2)), asm.label('far'), asm.ret(errno(1)),
  ];

  it.each([254, 255])('reaches %i instructions ahead directly', (offset) => {
    const prog = assemble(farTrue(offset));
    expect(prog.length).toBe(offset + 3);
    expect(prog.some(isJa)).toBe(false);
    expect(prog[1]!.jt).toBe(offset);
    expect(run(prog, arg0(1))).toBe(errno(1));
    expect(run(prog, arg0(0))).toBe(errno(2));
  });

  it.each([256, 1001, 4000])('reaches %i instructions ahead through one trampoline right after the jump', (offset) => {
    for (const [items, hit, miss] of [[farTrue(offset), 1, 0], [farFalse(offset), 0, 1]] as const) {
      const prog = assemble(items);
      expect(prog.length).toBe(offset + 4);
      expect(prog.filter(isJa).length).toBe(1);
      expect(isJa(prog[2]!)).toBe(true);
      // The branch that used to fall through now steps over the trampoline.
      expect([prog[1]!.jt, prog[1]!.jf]).toEqual(hit === 1 ? [0, 1] : [1, 0]);
      expect(run(prog, arg0(hit))).toBe(errno(1));
      expect(run(prog, arg0(miss))).toBe(errno(2));
      expect(run(decode(encode(prog)), arg0(hit))).toBe(errno(1));
    }
  });

  it('gives both branches a trampoline when both are far', () => {
    const items = [asm.ldAbs(argLo(0)), asm.jeq(1, 'a', 'b'), ...filler(400), asm.ret(0), asm.label('a'), asm.ret(errno(1)),
      ...filler(10), asm.label('b'), asm.ret(errno(2))];
    const prog = assemble(items);
    expect(prog.slice(2, 4).every(isJa)).toBe(true);
    expect(run(prog, arg0(1))).toBe(errno(1));
    expect(run(prog, arg0(0))).toBe(errno(2));
  });

  it('shares one trampoline when both branches go to the same far label', () => {
    const prog = assemble([asm.ldAbs(argLo(0)), asm.jeq(1, 'a', 'a'), ...filler(400), asm.ret(0), asm.label('a'), asm.ret(errno(1))]);
    expect(prog.filter(isJa).length).toBe(1);
    expect(run(prog, arg0(1))).toBe(errno(1));
    expect(run(prog, arg0(0))).toBe(errno(1));
  });

  it('re-resolves when a trampoline pushes the other branch from 255 to 256', () => {
    // jt's target is exactly 255 ahead until jf's trampoline is inserted after the jump.
    const items = [asm.ldAbs(argLo(0)), asm.jeq(1, 'near', 'far'), ...filler(255), asm.label('near'), asm.ret(errno(1)),
      ...filler(50), asm.label('far'), asm.ret(errno(2))];
    const prog = assemble(items);
    expect(prog.filter(isJa).length).toBe(2);
    expect(run(prog, arg0(1))).toBe(errno(1));
    expect(run(prog, arg0(0))).toBe(errno(2));
  });

  it('reuses trampolines: a 600-syscall allow list needs a handful, not one per jump', () => {
    const n = 600;
    const items: Item[] = [asm.ldAbs(0)];
    for (let nr = 0; nr < n; nr++) items.push(asm.jeq(3 * nr, 'allow', undefined));
    items.push(asm.ret(SECCOMP_RET_KILL_PROCESS), asm.label('allow'), asm.ret(SECCOMP_RET_ALLOW));
    const prog = assemble(items);
    const trampolines = prog.filter(isJa).length;
    expect(trampolines).toBeGreaterThan(0);
    expect(trampolines).toBeLessThanOrEqual(Math.ceil(n / 255));
    const filter = makeRunner(prog);
    for (let nr = 0; nr < 3 * n + 3; nr++) {
      expect(filter({ nr, arch: 0 })).toBe(nr % 3 === 0 && nr < 3 * n ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS);
    }
  });

  it('counts trampolines against BPF_MAXINSNS', () => {
    // 4096 instructions as written; the far jump needs one more.
    const items = [asm.ldAbs(argLo(0)), asm.jeq(1, 'far', undefined), ...filler(BPF_MAXINSNS - 4), asm.ret(0), asm.label('far'), asm.ret(1)];
    expect(kindOf(() => assemble(items))).toBe('too-long');
    const fits = [asm.ldAbs(argLo(0)), asm.jeq(1, 'far', undefined), ...filler(BPF_MAXINSNS - 5), asm.ret(0), asm.label('far'), asm.ret(1)];
    expect(assemble(fits).length).toBe(BPF_MAXINSNS);
  });

  it('never needs a trampoline for ja', () => {
    const prog = assemble([asm.ja('end'), ...filler(3000), asm.ret(0), asm.label('end'), asm.ret(errno(5))]);
    expect(prog.filter(isJa).length).toBe(1);
    expect(prog[0]!.k).toBe(3001);
    expect(run(prog, { nr: 0, arch: 0 })).toBe(errno(5));
  });

  it('keeps every path going where the labels say, for random programs with near and far jumps', () => {
    const rng = new Rng(0x5eed);
    let trampolines = 0;
    for (let round = 0; round < 60; round++) {
      const items = randomProgram(rng);
      const prog = assemble(items);
      trampolines += prog.filter(isJa).length;
      const filter = makeRunner(prog);
      for (let input = 0; input < 40; input++) {
        const data = { nr: rng.int(4), arch: 0, args: Array.from({ length: 6 }, () => BigInt(rng.int(4))) };
        expect(filter(data)).toBe(evalItems(items, data));
      }
    }
    expect(trampolines).toBeGreaterThan(50);
  });
});

/** Segments separated by gaps of sizes around the 255 limit; each ends in a RET or a two-way jump to later segments. */
function randomProgram(rng: Rng): Item[] {
  const segments = 4 + rng.int(6);
  const items: Item[] = [];
  for (let s = 0; s < segments; s++) {
    items.push(asm.label(`s${s}`), ...filler(rng.pick([0, 1, 60, 253, 254, 255, 256, 300])));
    if (rng.int(4) === 0) {
      items.push(asm.ret(errno(s + 1)));
      continue;
    }
    const target = (): string | undefined => (rng.int(4) === 0 ? undefined : `s${s + 1 + rng.int(segments - s)}`);
    const op = rng.pick([asm.jeq, asm.jgt, asm.jge, asm.jset]);
    items.push(asm.ldAbs(argLo(rng.int(6))), op(rng.int(4), target(), target()));
  }
  items.push(asm.label(`s${segments}`), asm.ret(errno(99)));
  return items;
}
