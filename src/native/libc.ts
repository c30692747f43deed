/**
 * The koffi shim: the only module besides its siblings in src/native, src/landlock/sys.ts and
 * src/seccomp/install.ts that calls into the kernel. Everything here is a thin, typed binding of a libc
 * function; every caller checks the result with `check()`, which turns a -1 into a SysCallError naming
 * the call and errno. Nothing in this file decides policy.
 *
 * Threads: Landlock, seccomp, no_new_privs and credentials changed through raw syscall(2) apply to the
 * calling thread only. glibc's own setuid()/setgroups() wrappers would broadcast to every thread of the
 * process (the SIGSETXID mechanism), which is why the credential calls below go through syscall().
 */
import koffi from 'koffi';
import { errnoName } from './errno.js';

export const libc = koffi.load('libc.so.6');

/** Error of one failed libc/syscall call: `call` is what was called, `errno` the kernel's answer. */
export class SysCallError extends Error {
  readonly call: string;
  readonly errno: number;
  readonly code: string;
  constructor(call: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${call} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SysCallError';
    this.call = call;
    this.errno = errno;
    this.code = code;
  }
}

/** errno of the last koffi call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/**
 * Checks a libc-style return value: negative means failure with errno set. Returns the value as a number.
 * `detail` is added to the message (a path, an argument) so a setup error says what it was about.
 */
export function check(call: string, ret: number | bigint, detail?: string): number {
  const n = typeof ret === 'bigint' ? Number(ret) : ret;
  if (n < 0) throw new SysCallError(call, koffi.errno(), detail);
  return n;
}

/** `long syscall(long nr, ...)` with integer arguments only (valid on x86_64 and aarch64 calling conventions). */
export const syscall6 = libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'long', 'long']);
/** `long syscall(long nr, void *a0, ...)`: the same with a pointer as first argument. */
export const syscallP = libc.func('syscall', 'long', ['long', 'void *', 'size_t', 'uint32_t']);

export const close = libc.func('int close(int fd)');
export const getpid = libc.func('int getpid()');
export const gettid = libc.func('int gettid()');
export const prctl = libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)');
