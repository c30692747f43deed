/**
 * Compiles a policy (policy.ts) into a classic-BPF seccomp program for one architecture, through the
 * assembler in src/bpf. Pure: no syscalls.
 *
 * Layout of every program:
 *   1. The arch prologue, one for all policies. seccomp_data.arch must be this filter's AUDIT_ARCH, else
 *      KILL_PROCESS: on x86_64 that is what stops `int 0x80` (i386 numbering, AUDIT_ARCH_I386), on arm64
 *      32-bit compat tasks (AUDIT_ARCH_ARM). On x86_64 a syscall number with __X32_SYSCALL_BIT
 *      (nr >= 0x40000000) is an x32 call, which arrives with AUDIT_ARCH_X86_64 but other numbers and ABI:
 *      KILL_PROCESS as well. The kill is not an errno because a program calling through a foreign ABI is
 *      not one that fails gracefully: it is probing the filter.
 *   2. Dispatch on nr: a binary search (unsigned `jge` on the middle number) down to leaves of a few `jeq`,
 *      each followed by its syscall's block; a number with no rules reaches its leaf's end and gets the
 *      default action.
 *   3. A syscall's block: its conditional rules in order (each a run of compares that jump to the next
 *      rule on failure, then `ret action`), then the fallback `ret` (its unconditional rule or the default).
 * Jumps only go forward; src/bpf's assembler resolves labels and inserts `ja` trampolines for jumps
 * longer than 255 instructions.
 */
import {
  argHi, argLo, asm, assemble, BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD,
  BPF_MAXINSNS, BPF_RET, BPF_W, SECCOMP_DATA_OFFSETS, type Item, type SockFilter,
} from '../bpf/index.js';
import {
  actionName, actionValue, definePolicy, rulesByNumber, type Action, type ArgCondition, type Policy, type PolicyInput, type Rule,
} from './policy.js';
import { AUDIT_ARCH, X32_SYSCALL_BIT, isArch, type Arch } from './syscalls.js';

// The opcodes this compiler emits (include/uapi/linux/bpf_common.h, through src/bpf), to map its instructions onto
// the assembled program (see mapInstructions).
const LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;
const ALU_AND_K = BPF_ALU | BPF_AND | BPF_K;
const JMP_JA = BPF_JMP | BPF_JA;
const JMP_JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
const JMP_JGT_K = BPF_JMP | BPF_JGT | BPF_K;
const JMP_JGE_K = BPF_JMP | BPF_JGE | BPF_K;
const RET_K = BPF_RET | BPF_K;

/** Syscalls per binary-search leaf: small enough to keep the walk short, large enough to keep the tree small. */
const LEAF_SIZE = 4;

export interface CompiledFilter {
  readonly arch: Arch;
  readonly program: SockFilter[];
  /** Instruction index -> what it is for (a rule's reason, the prologue's checks). For disassemble(). */
  readonly comments: Map<number, string>;
}

/** Items for the assembler, with what each emitted instruction is expected to be and its comment. */
class Emitter {
  readonly items: Item[] = [];
  readonly codes: number[] = [];
  readonly comments = new Map<number, string>();
  private labels = 0;

  label(): string {
    return `L${this.labels++}`;
  }

  place(name: string): void {
    this.items.push(asm.label(name));
  }

  ins(item: Item, code: number, comment?: string): void {
    if (comment !== undefined) this.comments.set(this.codes.length, comment);
    this.codes.push(code);
    this.items.push(item);
  }

  ld(offset: number, comment?: string): void {
    this.ins(asm.ldAbs(offset), LD_W_ABS, comment);
  }

  and(k: number): void {
    this.ins(asm.alu('and', k), ALU_AND_K);
  }

  jeq(k: number, jt: string | undefined, jf: string | undefined, comment?: string): void {
    this.ins(asm.jeq(k, jt, jf), JMP_JEQ_K, comment);
  }

  jgt(k: number, jt: string | undefined, jf: string | undefined): void {
    this.ins(asm.jgt(k, jt, jf), JMP_JGT_K);
  }

  jge(k: number, jt: string | undefined, jf: string | undefined, comment?: string): void {
    this.ins(asm.jge(k, jt, jf), JMP_JGE_K, comment);
  }

  ret(action: Action, comment?: string): void {
    this.ins(asm.ret(actionValue(action)), RET_K, comment);
  }
}

const hi32 = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
const lo32 = (v: bigint): number => Number(v & 0xffffffffn);

/**
 * Emits the test of one condition: falls through when it holds, jumps to `fail` when it does not.
 * 64-bit values are compared as (hi, lo) word pairs: seccomp_data is little-endian on both targets, so the
 * low word of args[i] is at argLo(i) and the high word at argHi(i).
 */
function emitCondition(e: Emitter, c: ArgCondition, fail: string, comment?: string): void {
  const lo = argLo(c.arg);
  const hi = argHi(c.arg);
  const vLo = lo32(c.value);
  if (c.width === 32) {
    e.ld(lo, comment);
    if (c.op === 'masked_eq' && c.mask !== 0xffffffffn) e.and(lo32(c.mask));
    switch (c.op) {
      case 'eq': case 'masked_eq': e.jeq(vLo, undefined, fail); return;
      case 'ne': e.jeq(vLo, fail, undefined); return;
      case 'gt': e.jgt(vLo, undefined, fail); return;
      case 'ge': e.jge(vLo, undefined, fail); return;
      case 'lt': e.jge(vLo, fail, undefined); return;
      case 'le': e.jgt(vLo, fail, undefined); return;
    }
  }
  const vHi = hi32(c.value);
  switch (c.op) {
    case 'eq': case 'masked_eq': {
      const mHi = hi32(c.mask);
      const mLo = lo32(c.mask);
      // A zero half of the mask makes that half's test always true (definePolicy ensured the value's half is 0).
      let first = true;
      for (const [offset, m, v] of [[hi, mHi, vHi], [lo, mLo, vLo]] as const) {
        if (m === 0) continue;
        e.ld(offset, first ? comment : undefined);
        first = false;
        if (m !== 0xffffffff) e.and(m);
        e.jeq(v, undefined, fail);
      }
      return;
    }
    case 'ne': {
      const pass = e.label();
      e.ld(hi, comment);
      e.jeq(vHi, undefined, pass);
      e.ld(lo);
      e.jeq(vLo, fail, undefined);
      e.place(pass);
      return;
    }
    case 'gt': case 'ge': {
      const pass = e.label();
      e.ld(hi, comment);
      e.jgt(vHi, pass, undefined);
      e.jeq(vHi, undefined, fail);
      e.ld(lo);
      if (c.op === 'gt') e.jgt(vLo, undefined, fail);
      else e.jge(vLo, undefined, fail);
      e.place(pass);
      return;
    }
    case 'lt': case 'le': {
      const pass = e.label();
      e.ld(hi, comment);
      e.jgt(vHi, fail, undefined);
      e.jeq(vHi, undefined, pass);
      e.ld(lo);
      if (c.op === 'lt') e.jge(vLo, fail, undefined);
      else e.jgt(vLo, fail, undefined);
      e.place(pass);
      return;
    }
  }
}

function describeCondition(c: ArgCondition): string {
  const arg = c.width === 32 ? `(u32)arg${c.arg}` : `arg${c.arg}`;
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  if (c.op === 'masked_eq') return `(${arg} & ${hex(c.mask)}) == ${hex(c.value)}`;
  const sym = { eq: '==', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' }[c.op];
  return `${arg} ${sym} ${hex(c.value)}`;
}

function emitBlock(e: Emitter, entry: { syscall: string; conditional: Rule[]; unconditional: Rule | undefined }, defaultAction: Action): void {
  for (const rule of entry.conditional) {
    const next = e.label();
    const test = rule.when.map(describeCondition).join(' && ');
    rule.when.forEach((c, k) => emitCondition(e, c, next, k === 0 ? `${entry.syscall} if ${test}: ${rule.reason}` : undefined));
    e.ret(rule.action);
    e.place(next);
  }
  if (entry.unconditional) e.ret(entry.unconditional.action, `${entry.syscall}: ${entry.unconditional.reason}`);
  else e.ret(defaultAction, `${entry.syscall}: otherwise the default (${actionName(defaultAction)})`);
}

function emitDispatch(
  e: Emitter, numbers: readonly number[], from: number, to: number,
  blocks: ReturnType<typeof rulesByNumber>, defaultAction: Action,
): void {
  if (to - from <= LEAF_SIZE) {
    for (let i = from; i < to; i++) {
      const nr = numbers[i]!;
      const entry = blocks.get(nr)!;
      const skip = e.label();
      e.jeq(nr, undefined, skip, entry.syscall);
      emitBlock(e, entry, defaultAction);
      e.place(skip);
    }
    e.ret(defaultAction);
    return;
  }
  const mid = (from + to) >> 1;
  const right = e.label();
  e.jge(numbers[mid]!, right, undefined);
  emitDispatch(e, numbers, from, mid, blocks, defaultAction);
  e.place(right);
  emitDispatch(e, numbers, mid, to, blocks, defaultAction);
}

/**
 * Maps the compiler's instruction ordinals onto the assembled program. The assembler may insert `ja`
 * trampolines for long jumps and nothing else; this compiler never emits `ja` itself, so every other
 * instruction of the program is one of ours, in order. Checked instruction by instruction: a mismatch is
 * a broken assumption about the assembler, and the listing would lie, so it is an error.
 */
function mapInstructions(program: readonly SockFilter[], codes: readonly number[]): number[] {
  const at: number[] = [];
  program.forEach((ins, index) => {
    if (ins.code === JMP_JA) return;
    const ordinal = at.length;
    if (codes[ordinal] !== ins.code) {
      throw new Error(`internal: instruction ${index} of the assembled program has code 0x${ins.code.toString(16)}, expected 0x${(codes[ordinal] ?? -1).toString(16)}`);
    }
    at.push(index);
  });
  if (at.length !== codes.length) throw new Error(`internal: assembled ${at.length} of ${codes.length} instructions`);
  return at;
}

/** Compiles `policy` for `arch`. The policy is (re)validated first, so a hand-built object cannot skip it. */
export function compile(policy: Policy | PolicyInput, arch: Arch): CompiledFilter {
  if (!isArch(arch)) throw new RangeError(`unknown architecture ${JSON.stringify(arch)} (expected x86_64 or aarch64)`);
  const p = definePolicy(policy);
  const e = new Emitter();
  const auditArch = AUDIT_ARCH[arch];

  const archOk = e.label();
  e.ld(SECCOMP_DATA_OFFSETS.arch, `prologue: seccomp_data.arch must be AUDIT_ARCH_${arch.toUpperCase()} (0x${auditArch.toString(16)})`);
  e.jeq(auditArch, archOk, undefined);
  e.ret({ type: 'KILL_PROCESS' }, 'another architecture\'s syscall ABI (i386 int 0x80, arm compat): kill');
  e.place(archOk);
  e.ld(SECCOMP_DATA_OFFSETS.nr, 'dispatch on the syscall number');
  if (arch === 'x86_64') {
    const nrOk = e.label();
    e.jge(X32_SYSCALL_BIT, undefined, nrOk, 'x32 ABI: nr has __X32_SYSCALL_BIT (0x40000000)');
    e.ret({ type: 'KILL_PROCESS' }, 'x32 syscall: kill');
    e.place(nrOk);
  }

  const blocks = rulesByNumber(p, arch);
  const numbers = [...blocks.keys()].sort((a, b) => a - b);
  emitDispatch(e, numbers, 0, numbers.length, blocks, p.defaultAction);

  const program = assemble(e.items);
  if (program.length > BPF_MAXINSNS) {
    throw new RangeError(`the compiled filter has ${program.length} instructions; the kernel accepts at most ${BPF_MAXINSNS}`);
  }
  const at = mapInstructions(program, e.codes);
  const comments = new Map<number, string>();
  for (const [ordinal, text] of e.comments) comments.set(at[ordinal]!, text);
  return { arch, program, comments };
}
