/**
 * seccomp(2) and its user notifications (include/uapi/linux/seccomp.h, include/uapi/linux/filter.h). glibc 2.36
 * has no seccomp() wrapper: it goes through syscall(2), every argument passed as a long.
 */
import koffi from 'koffi';
import { lastErrno, libc, SysCallError } from './libc.js';
import { nr } from './syscall-numbers.js';

export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;

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

/**
 * struct seccomp_notif { __u64 id; __u32 pid; __u32 flags; struct seccomp_data data; } (80 bytes; data.nr at 16)
 * and struct seccomp_notif_resp { __u64 id; __s64 val; __s32 error; __u32 flags; } (24 bytes).
 * SECCOMP_IOCTL_NOTIF_RECV = _IOWR('!', 0, struct seccomp_notif), SEND = _IOWR('!', 1, struct seccomp_notif_resp).
 */
export const SECCOMP_NOTIF_SIZE = 80;
export const SECCOMP_NOTIF_RESP_SIZE = 24;
const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
const SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;

const ioctl = libc.func('int ioctl(int fd, unsigned long req, void *arg)') as (fd: number, req: number, arg: Uint8Array) => number;

export interface Notification {
  id: bigint;
  pid: number;
  /** The syscall's number (seccomp_data.nr). */
  nr: number;
}

/** Receives one notification from a listener, or null (-1: ENOENT when the caller died meanwhile; errno set). */
export function receiveNotification(fd: number, buf: Uint8Array): Notification | null {
  buf.fill(0); // the kernel refuses a seccomp_notif that is not zeroed
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf) < 0) return null;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { id: v.getBigUint64(0, true), pid: v.getUint32(8, true), nr: v.getInt32(16, true) };
}

/**
 * Answers notification `id`: errno 0 lets the call continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE), any other makes it
 * fail with that errno. Returns ioctl's value (-1 with ENOENT when the caller was killed meanwhile).
 */
export function answerNotification(fd: number, buf: Uint8Array, id: bigint, errno: number): number {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  v.setBigUint64(0, id, true);
  v.setBigInt64(8, 0n, true);
  v.setInt32(16, errno === 0 ? 0 : -errno, true);
  v.setUint32(20, errno === 0 ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0, true);
  return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, buf);
}
