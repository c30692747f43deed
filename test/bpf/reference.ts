/**
 * A reference evaluator over unassembled items: it follows labels by name, so it knows nothing about offsets or
 * trampolines. Comparing it with `run(assemble(items))` checks that layout never changes where a path goes.
 * It covers the instructions the long-jump tests use.
 */
import {
  BPF_ABS, BPF_IMM, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_LDX, BPF_RET, BPF_W,
  encodeSeccompData, type Item, type SeccompData,
} from '../../dist/bpf/index.js';

export function evalItems(items: readonly Item[], data: SeccompData): number {
  const labels = new Map<string, number>();
  items.forEach((item, i) => { if (item.kind === 'label') labels.set(item.name, i); });
  const record = new DataView(encodeSeccompData(data).buffer);
  const go = (t: string | undefined, pc: number): number => (t === undefined ? pc + 1 : labels.get(t)!);
  let a = 0;
  let pc = 0;
  for (;;) {
    const item = items[pc];
    if (item === undefined) throw new Error('ran off the end');
    switch (item.kind) {
      case 'label': pc++; break;
      case 'ja': pc = go(item.target, pc); break;
      case 'jcond': {
        const taken =
          item.code === (BPF_JMP | BPF_JEQ | BPF_K) ? a === item.k
          : item.code === (BPF_JMP | BPF_JGT | BPF_K) ? a > item.k
          : item.code === (BPF_JMP | BPF_JGE | BPF_K) ? a >= item.k
          : item.code === (BPF_JMP | BPF_JSET | BPF_K) ? (a & item.k) !== 0
          : unsupported(item.code);
        pc = go(taken ? item.jt : item.jf, pc);
        break;
      }
      case 'insn':
        if (item.code === (BPF_RET | BPF_K)) return item.k;
        if (item.code === (BPF_LD | BPF_W | BPF_ABS)) a = record.getUint32(item.k, true);
        else if (item.code === (BPF_LD | BPF_IMM)) a = item.k;
        else if (item.code !== (BPF_LDX | BPF_IMM)) unsupported(item.code);
        pc++;
        break;
    }
  }
}

function unsupported(code: number): never {
  throw new Error(`reference evaluator does not model opcode 0x${code.toString(16)}`);
}

/** Small deterministic generator, so a failing case can be replayed. */
export class Rng {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state;
  }
  int(n: number): number { return Math.floor((this.next() / 2 ** 32) * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
}
