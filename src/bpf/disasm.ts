import {
  BPF_A, BPF_ABS, BPF_ALU, BPF_B, BPF_CLASS, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JMP, BPF_K, BPF_LD, BPF_LDX,
  BPF_LEN, BPF_MEM, BPF_MISC, BPF_MSH, BPF_NEG, BPF_OP, BPF_RET, BPF_RVAL, BPF_SIZE, BPF_MODE, BPF_SRC, BPF_ST,
  BPF_STX, BPF_TAX, BPF_TXA, BPF_W, BPF_X, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA,
  SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE,
  SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF,
} from './opcodes.js';
import { SECCOMP_DATA_ARGS, SECCOMP_DATA_OFFSETS } from './seccomp-data.js';
import type { SockFilter } from './types.js';

export interface DisassembleOptions {
  /** Name seccomp_data fields at load offsets and show RET values as seccomp actions. */
  seccomp?: boolean;
  /** Text appended to the line of the instruction with that index. */
  comments?: Map<number, string>;
}

const ALU_NAMES: Readonly<Record<number, string>> = {
  0x00: 'add', 0x10: 'sub', 0x20: 'mul', 0x30: 'div', 0x40: 'or', 0x50: 'and',
  0x60: 'lsh', 0x70: 'rsh', 0x90: 'mod', 0xa0: 'xor',
};
const JMP_NAMES: Readonly<Record<number, string>> = { 0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset' };

/** Actions whose SECCOMP_RET_DATA bits mean something and are always shown. */
const ACTIONS: ReadonlyArray<readonly [number, string, boolean]> = [
  [SECCOMP_RET_KILL_PROCESS, 'KILL_PROCESS', false],
  [SECCOMP_RET_KILL_THREAD, 'KILL_THREAD', false],
  [SECCOMP_RET_TRAP, 'TRAP', false],
  [SECCOMP_RET_ERRNO, 'ERRNO', true],
  [SECCOMP_RET_USER_NOTIF, 'USER_NOTIF', false],
  [SECCOMP_RET_TRACE, 'TRACE', true],
  [SECCOMP_RET_LOG, 'LOG', false],
  [SECCOMP_RET_ALLOW, 'ALLOW', false],
];

const hex = (k: number): string => `#0x${k.toString(16)}`;
const addr = (i: number): string => String(i).padStart(4, '0');
const op = (mnemonic: string, operands = ''): string => (operands === '' ? mnemonic : `${mnemonic.padEnd(3)} ${operands}`);

/** "ERRNO(1)", "ALLOW", "TRACE(7)"; data on an action that ignores it is still shown, so nothing is hidden. */
export function seccompActionName(k: number): string {
  const action = (k & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = k & SECCOMP_RET_DATA;
  const known = ACTIONS.find(([value]) => value === action);
  if (known === undefined) return hex(k >>> 0);
  const [, name, showsData] = known;
  return showsData || data !== 0 ? `${name}(${data})` : name;
}

/** seccomp_data field at a 4-byte-aligned offset: "nr", "arch", "instruction_pointer lo", "args[2] hi". */
export function seccompFieldName(offset: number): string | undefined {
  if (offset === SECCOMP_DATA_OFFSETS.nr) return 'nr';
  if (offset === SECCOMP_DATA_OFFSETS.arch) return 'arch';
  if (offset === SECCOMP_DATA_OFFSETS.instructionPointer) return 'instruction_pointer lo';
  if (offset === SECCOMP_DATA_OFFSETS.instructionPointer + 4) return 'instruction_pointer hi';
  const rel = offset - SECCOMP_DATA_OFFSETS.args;
  if (rel >= 0 && rel < 8 * SECCOMP_DATA_ARGS && rel % 4 === 0) return `args[${Math.floor(rel / 8)}] ${rel % 8 === 0 ? 'lo' : 'hi'}`;
  return undefined;
}

/** One instruction as text, jump targets as absolute indexes; anything unknown is shown raw, never hidden. */
function render(f: SockFilter, pc: number, seccomp: boolean): { text: string; note?: string | undefined } {
  const { code, jt, jf, k } = f;
  const raw = { text: `.word code=0x${code.toString(16).padStart(4, '0')} jt=${jt} jf=${jf} k=0x${k.toString(16)}` };
  // Bits an instruction does not use are still bits the kernel compares, so such a code is shown raw.
  if (code > 0xff) return raw;
  switch (BPF_CLASS(code)) {
    case BPF_LD:
    case BPF_LDX: {
      const ldx = BPF_CLASS(code) === BPF_LDX;
      const size = BPF_SIZE(code);
      const sfx = size === BPF_W ? '' : size === BPF_H ? 'h' : size === BPF_B ? 'b' : undefined;
      if (sfx === undefined) return raw;
      const mn = (ldx ? 'ldx' : 'ld') + sfx;
      switch (BPF_MODE(code)) {
        case BPF_IMM: return { text: op(mn, hex(k)) };
        case BPF_LEN: return { text: op(mn, '#len') };
        case BPF_MEM: return { text: op(mn, `M[${k}]`) };
        case BPF_ABS: return ldx ? raw : { text: op(mn, `[${k}]`), note: seccomp && size === BPF_W ? seccompFieldName(k) : undefined };
        case BPF_IND: return ldx ? raw : { text: op(mn, `[x+${k}]`) };
        case BPF_MSH: return ldx && size === BPF_B ? { text: op('ldxb', `4*([${k}]&0xf)`) } : raw;
        default: return raw;
      }
    }
    case BPF_ST: return code === BPF_ST ? { text: op('st', `M[${k}]`) } : raw;
    case BPF_STX: return code === BPF_STX ? { text: op('stx', `M[${k}]`) } : raw;
    case BPF_ALU: {
      if (BPF_OP(code) === BPF_NEG) return code === (BPF_ALU | BPF_NEG) ? { text: 'neg' } : raw;
      const name = ALU_NAMES[BPF_OP(code)];
      if (name === undefined) return raw;
      return { text: op(name, BPF_SRC(code) === BPF_X ? 'x' : hex(k)) };
    }
    case BPF_JMP: {
      if (BPF_OP(code) === BPF_JA) return code === (BPF_JMP | BPF_JA) ? { text: op('ja', addr(pc + 1 + k)) } : raw;
      const name = JMP_NAMES[BPF_OP(code)];
      if (name === undefined) return raw;
      const src = BPF_SRC(code) === BPF_X ? 'x' : hex(k);
      return { text: op(name, `${src}, ${addr(pc + 1 + jt)}, ${addr(pc + 1 + jf)}`) };
    }
    case BPF_RET: {
      if ((code & ~0x1f) !== 0) return raw;
      const rval = BPF_RVAL(code);
      if (rval === BPF_A) return { text: op('ret', 'a') };
      if (rval === BPF_X) return { text: op('ret', 'x') };
      if (rval === BPF_K) return { text: op('ret', seccomp ? seccompActionName(k) : hex(k)) };
      return raw;
    }
    case BPF_MISC: {
      const misc = code & 0xf8;
      if (misc === BPF_TAX) return { text: 'tax' };
      if (misc === BPF_TXA) return { text: 'txa' };
      return raw;
    }
    default:
      return raw;
  }
}

/** Column where "; notes" start, so a listing reads as a table. */
const NOTE_COLUMN = 24;

/**
 * A listing for people: one line per instruction, " 0001: jeq #0xc000003e, 0002, 0015".
 * Never throws on odd input, since it is what one reaches for when a program is wrong.
 */
export function disassemble(prog: readonly SockFilter[], opts: DisassembleOptions = {}): string {
  const seccomp = opts.seccomp === true;
  return prog
    .map((f, pc) => {
      const { text, note } = render(f, pc, seccomp);
      const notes = [note, opts.comments?.get(pc)].filter((s): s is string => s !== undefined && s !== '');
      const line = ` ${addr(pc)}: ${text}`;
      if (notes.length === 0) return line;
      const padded = text.length < NOTE_COLUMN ? text.padEnd(NOTE_COLUMN) : `${text} `;
      return ` ${addr(pc)}: ${padded}; ${notes.join('; ')}`;
    })
    .join('\n');
}
