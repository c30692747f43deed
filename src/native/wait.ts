/**
 * Signals and reaping: kill(2), waitid(2), wait4(2), with the layouts of siginfo_t and struct rusage on LP64
 * (include/uapi/asm-generic/siginfo.h, include/uapi/linux/resource.h; the same on x86_64 and aarch64).
 */
import { libc } from './libc.js';

/** asm-generic/signal.h: the one signal the runner sends. */
export const SIGKILL = 9;

/** kill(2): 0, or -1 with errno set. A negative pid is a process group. */
export const kill = libc.func('int kill(int pid, int sig)') as (pid: number, sig: number) => number;

// include/uapi/linux/wait.h
export const WNOHANG = 1;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;
export const P_PID = 1;

/** siginfo_t is 128 bytes; si_pid is at offset 16. */
export const SIGINFO_SIZE = 128;
/** waitid(2): 0, or -1 with errno set. */
export const waitid = libc.func('int waitid(int idtype, int id, void *info, int options)') as (
  idtype: number, id: number, info: Uint8Array, options: number) => number;
/** si_pid of a siginfo_t waitid filled in: 0 when WNOHANG found no state change. */
export function siginfoPid(info: Uint8Array): number {
  return new DataView(info.buffer, info.byteOffset, info.byteLength).getInt32(16, true);
}

/** A wait status (wait4, waitpid): the exit code when the process exited, else the signal that ended it. */
export function decodeWaitStatus(status: number): { exitCode: number | null; signal: number | null } {
  const termsig = status & 0x7f;
  return termsig === 0 ? { exitCode: (status >> 8) & 0xff, signal: null } : { exitCode: null, signal: termsig };
}

/** struct rusage is 144 bytes: ru_utime and ru_stime (struct timeval, 16 bytes each), then longs. */
export const RUSAGE_SIZE = 144;
/** wait4(2): the pid reaped, 0 (WNOHANG), or -1 with errno set. */
export const wait4 = libc.func('int wait4(int pid, _Out_ int *status, int options, void *rusage)') as (
  pid: number, status: number[], options: number, rusage: Uint8Array) => number;
/** ru_utime + ru_stime of a struct rusage, in seconds. */
export function rusageCpuSeconds(rusage: Uint8Array): number {
  const v = new DataView(rusage.buffer, rusage.byteOffset, rusage.byteLength);
  const tv = (off: number) => Number(v.getBigInt64(off, true)) + Number(v.getBigInt64(off + 8, true)) / 1e6;
  return tv(0) + tv(16);
}
