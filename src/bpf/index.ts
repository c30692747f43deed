// Classic-BPF assembler for seccomp filters. Pure: nothing in src/bpf makes a syscall; the programs it produces
// are handed to the kernel elsewhere (src/native).
export * from './opcodes.js';
export type { SockFilter, Target, Item, AluOp } from './types.js';
export { BpfError, type BpfErrorKind } from './errors.js';
export { asm } from './asm.js';
export { assemble } from './assemble.js';
export { checkSeccompFilter, SECCOMP_ALLOWED_CODES } from './check.js';
export { encode, decode, SOCK_FILTER_SIZE } from './encode.js';
export { disassemble, seccompActionName, seccompFieldName, type DisassembleOptions } from './disasm.js';
export {
  type SeccompData, SECCOMP_DATA_OFFSETS, SECCOMP_DATA_SIZE, SECCOMP_DATA_ARGS, argLo, argHi, encodeSeccompData,
} from './seccomp-data.js';
export { run, makeRunner } from './interp.js';
