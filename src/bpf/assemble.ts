import { checkSeccompFilter, isConditionalJump } from './check.js';
import { BpfError } from './errors.js';
import { BPF_CLASS, BPF_JA, BPF_JMP, BPF_MAXINSNS } from './opcodes.js';
import type { Item, SockFilter, Target } from './types.js';

/** Farthest a conditional jump reaches: jt/jf are __u8 offsets from the next instruction. */
const MAX_COND_OFFSET = 255;

/**
 * Lays out `items` into a kernel-ready program.
 *
 * Jumps stay symbolic until here, so a whole policy can be written without counting instructions. Layout runs
 * from the last item to the first: classic BPF only jumps forward, so by the time a jump is placed everything
 * it can reach is already placed and its distance is final. When a conditional branch's target is more than 255
 * instructions away, the branch goes through a trampoline `ja <label>` (32-bit offset) — either one already
 * placed within reach for the same label, or a new one put directly after the jump; the jump's other branch,
 * including a fall-through, is re-aimed past it, so no straight-line path ever executes a trampoline.
 *
 * The result is then checked with the same rules the kernel applies (checkSeccompFilter), so whatever this
 * returns, the kernel accepts.
 */
export function assemble(items: readonly Item[]): SockFilter[] {
  checkReferences(items);

  // Tail position of something = how many instructions there are from it to the end of the program.
  // A jump at tail position p reaches tail position m with offset p - m - 1.
  const reversed: SockFilter[] = [];
  const labelTail = new Map<string, number>();
  /** The nearest trampoline so far (scanning backwards) for each label, by tail position. */
  const trampolineTail = new Map<string, number>();

  const tailOf = (name: string, at: number): number => {
    const m = labelTail.get(name)!;
    if (m === 0) throw new BpfError('falls-off-end', `label "${name}" is after the last instruction`, at);
    return m;
  };

  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const n = reversed.length;
    switch (item.kind) {
      case 'label':
        labelTail.set(item.name, n);
        break;
      case 'insn':
        reversed.push({ code: item.code, jt: 0, jf: 0, k: item.k });
        break;
      case 'ja':
        reversed.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: n - tailOf(item.target, i) });
        break;
      case 'jcond': {
        const { jt, jf, added } = placeBranches(item.jt, item.jf, n, (name) => tailOf(name, i), trampolineTail);
        for (const name of added) {
          reversed.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: reversed.length - tailOf(name, i) });
          trampolineTail.set(name, reversed.length);
        }
        reversed.push({ code: item.code, jt, jf, k: item.k });
        break;
      }
    }
    if (reversed.length > BPF_MAXINSNS) {
      throw new BpfError('too-long', `more than ${BPF_MAXINSNS} instructions (trampolines included)`, i);
    }
  }

  const prog = reversed.reverse();
  checkSeccompFilter(prog);
  return prog;
}

/**
 * Chooses jt/jf for a conditional jump about to be placed with `n` instructions after it. Returns the labels
 * that need a new trampoline, in the order they are to be placed (the last one ends up right after the jump).
 * Each new trampoline lengthens every other branch by one, which can push a branch that just fit out of
 * reach, so this repeats until nothing changes; it ends because a label gets at most one new trampoline.
 */
function placeBranches(
  jtName: Target,
  jfName: Target,
  n: number,
  tailOf: (name: string) => number,
  trampolineTail: ReadonlyMap<string, number>,
): { jt: number; jf: number; added: string[] } {
  const added: string[] = [];
  for (;;) {
    const at = n + added.length; // the jump's offsets are counted from here
    const offsetTo = (name: Target): number | undefined => {
      if (name === undefined) return at - n; // the next item, past any new trampolines
      const direct = at - tailOf(name);
      if (direct <= MAX_COND_OFFSET) return direct;
      const j = added.indexOf(name);
      if (j >= 0) return added.length - 1 - j;
      const t = trampolineTail.get(name);
      if (t !== undefined && at - t <= MAX_COND_OFFSET) return at - t;
      return undefined;
    };
    const jt = offsetTo(jtName);
    const jf = offsetTo(jfName);
    if (jt !== undefined && jf !== undefined) return { jt, jf, added };
    added.push((jt === undefined ? jtName : jfName)!);
  }
}

/** Forward pass: every label defined once, every jump aimed at a label defined after it. */
function checkReferences(items: readonly Item[]): void {
  const labelIndex = new Map<string, number>();
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object') throw new BpfError('invalid-operand', 'not an assembly item', i);
    switch (item.kind) {
      case 'label':
        if (typeof item.name !== 'string' || item.name === '') throw new BpfError('invalid-operand', 'a label needs a name', i);
        if (labelIndex.has(item.name)) throw new BpfError('duplicate-label', `label "${item.name}" is defined twice`, i);
        labelIndex.set(item.name, i);
        break;
      case 'insn':
        // A raw jump here would carry a hand-counted offset past the label resolution.
        if (BPF_CLASS(item.code) === BPF_JMP) throw new BpfError('invalid-opcode', 'jumps must be built with asm.ja/jeq/jgt/jge/jset', i);
        break;
      case 'ja':
        if (typeof item.target !== 'string') throw new BpfError('invalid-operand', 'ja needs a label', i);
        break;
      case 'jcond':
        if (!isConditionalJump(item.code)) {
          throw new BpfError('invalid-opcode', `opcode 0x${Number(item.code).toString(16)} is not a conditional jump`, i);
        }
        for (const t of [item.jt, item.jf]) {
          if (t !== undefined && typeof t !== 'string') throw new BpfError('invalid-operand', 'a jump target must be a label or undefined', i);
        }
        break;
      default:
        throw new BpfError('invalid-operand', 'not an assembly item', i);
    }
  });
  items.forEach((item, i) => {
    const targets = item.kind === 'ja' ? [item.target] : item.kind === 'jcond' ? [item.jt, item.jf] : [];
    for (const t of targets) {
      if (t === undefined) continue;
      const at = labelIndex.get(t);
      if (at === undefined) throw new BpfError('unresolved-label', `jump to undefined label "${t}"`, i);
      if (at < i) throw new BpfError('backward-jump', `jump to label "${t}" defined before it; classic BPF only jumps forward`, i);
    }
  });
}
