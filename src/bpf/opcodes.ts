// Classic-BPF opcode fields, named and valued as in include/uapi/linux/bpf_common.h and
// include/uapi/linux/filter.h. An opcode is class | size | mode (loads), class | op | src (ALU, jumps),
// or class | rval (returns).

// Instruction classes: BPF_CLASS(code) = code & 0x07.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

// Load sizes: BPF_SIZE(code) = code & 0x18.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

// Load modes: BPF_MODE(code) = code & 0xe0.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

// ALU and jump operations: BPF_OP(code) = code & 0xf0.
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

// Operand source: BPF_SRC(code) = code & 0x08.
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// Return value source: BPF_RVAL(code) = code & 0x18 (filter.h).
export const BPF_A = 0x10;

// BPF_MISC operations: BPF_MISCOP(code) = code & 0xf8 (filter.h).
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Longest program the kernel accepts (bpf_common.h); seccomp_prepare_filter refuses longer ones. */
export const BPF_MAXINSNS = 4096;
/** Scratch memory cells M[0..15] (filter.h). */
export const BPF_MEMWORDS = 16;

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;
export const BPF_RVAL = (code: number): number => code & 0x18;
export const BPF_MISCOP = (code: number): number => code & 0xf8;

// seccomp filter return actions, include/uapi/linux/seccomp.h. The kernel runs every filter and keeps the
// action with the lowest value of (int)(ret & SECCOMP_RET_ACTION_FULL), so KILL_PROCESS (negative as an int)
// wins over everything and ALLOW loses to everything.
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
/** Old name of SECCOMP_RET_KILL_THREAD, kept by the header. */
export const SECCOMP_RET_KILL = SECCOMP_RET_KILL_THREAD;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_ACTION = 0x7fff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;
