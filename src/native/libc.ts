/**
 * The koffi shim's core: libc loaded once per thread (koffi binds per thread), the error of a failed call, and
 * the calls every other module of src/native builds on. src/native is the only place that calls koffi: one small
 * module per kernel interface (fd.ts, spawn.ts, wait.ts, prctl.ts, creds.ts, seccomp.ts, landlock.ts), the syscall
 * numbers in syscall-numbers.ts. Everything here is a thin, typed binding; nothing decides policy. A caller checks
 * every result, with `check()` where a -1 return carries errno.
 *
 * Threads: Landlock, seccomp, no_new_privs and credentials changed through raw syscall(2) apply to the calling
 * thread only. glibc's own setuid()/setgroups() wrappers would broadcast to every thread of the process (the
 * SIGSETXID mechanism), which is why the credential calls (creds.ts) go through syscall().
 */
import koffi from 'koffi';
import { errnoName } from './errno.js';

export const libc = koffi.load('libc.so.6');

/** Error of one failed libc/syscall call: `call` is what was called, `errno` the kernel's answer. */
export class SysCallError extends Error {
  readonly call: string;
  readonly errno: number;
  readonly code: string;
  /** What the call was about (a path, an argument), when the caller said. */
  readonly detail: string | undefined;
  constructor(call: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${call} failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'SysCallError';
    this.call = call;
    this.errno = errno;
    this.code = code;
    this.detail = detail;
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
export const syscall6 = libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'long', 'long']) as (
  nr: number, a: number, b: number, c: number, d: number, e: number, f: number) => number | bigint;
/** `long syscall(long nr, void *a0, ...)`: the same with a pointer as first argument. */
export const syscallP = libc.func('syscall', 'long', ['long', 'void *', 'size_t', 'uint32_t']) as (
  nr: number, p: unknown, n: number, flags: number) => number | bigint;

export const close = libc.func('int close(int fd)') as (fd: number) => number;
export const getpid = libc.func('int getpid()') as () => number;
export const gettid = libc.func('int gettid()') as () => number;
