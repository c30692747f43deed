/**
 * seccomp(2) (include/uapi/linux/seccomp.h, include/uapi/linux/filter.h). glibc 2.36 has no seccomp() wrapper: it goes
 * through syscall(2), every argument passed as a long. The user notifications of a program's own filter are answered
 * by the gate (src/gate/gate.c), in C.
 */
import koffi from 'koffi';
import { lastErrno, libc, SysCallError } from './libc.js';
import { nr } from './syscall-numbers.js';

export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

/** struct sock_fprog { unsigned short len; struct sock_filter *filter; }. */
const SockFprog = koffi.struct({ len: 'uint16_t', filter: 'void *' });
const seccompFn = libc.func('syscall', 'long', ['long', 'long', 'long', koffi.pointer(SockFprog)]) as (
  nr: number, op: number, flags: number, prog: { len: number; filter: unknown }) => number | bigint;

/**
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) on the calling thread with `filter` (`count` encoded sock_filter
 * instructions, 8 bytes each). Returns
 * the call's value (the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER); throws SysCallError on failure.
 */
export function setModeFilter(flags: number, filter: Uint8Array, count: number): number {
  // The kernel copies the program during the call; native memory keeps it in place for exactly that long,
  // with no question of whether a JS buffer may move or be collected under the pointer.
  const mem = koffi.alloc('uint8_t', filter.length);
  try {
    new Uint8Array(koffi.view(mem, filter.length)).set(filter);
    const ret = Number(seccompFn(nr('seccomp'), SECCOMP_SET_MODE_FILTER, flags, { len: count, filter: mem }));
    if (ret < 0) throw new SysCallError('seccomp(SECCOMP_SET_MODE_FILTER)', lastErrno());
    return ret;
  } finally {
    koffi.free(mem);
  }
}
