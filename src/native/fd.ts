/**
 * File descriptors: pipes, the gate's socketpair, open, read, write, eventfd, poll. Constants from
 * include/uapi/asm-generic/fcntl.h (arm64 overrides O_NOFOLLOW in arch/arm64/include/uapi/asm/fcntl.h),
 * include/linux/socket.h, include/uapi/linux/eventfd.h and include/uapi/asm-generic/poll.h.
 */
import { hostArch } from './arch.js';
import { check, libc } from './libc.js';

export const O_RDONLY = 0;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
/** O_NOFOLLOW: one of the few open flags whose value differs between the two architectures. */
export function oNoFollow(): number {
  return hostArch() === 'aarch64' ? 0o100000 : 0o400000;
}

export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;

export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

export const POLLIN = 0x1;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
/** struct pollfd { int fd; short events; short revents; }: 8 bytes, revents at 6. */
export const POLLFD_SIZE = 8;

const pipe2Fn = libc.func('int pipe2(_Out_ int *fds, int flags)') as (fds: number[], flags: number) => number;
const socketpairFn = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)') as (
  d: number, t: number, p: number, sv: number[]) => number;

/** pipe2(O_CLOEXEC): [read end, write end]; throws SysCallError('pipe2'). */
export function pipe(): [number, number] {
  const fds = [-1, -1];
  check('pipe2', pipe2Fn(fds, O_CLOEXEC));
  return [fds[0]!, fds[1]!];
}

/** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected ends; throws SysCallError('socketpair'). */
export function unixSocketPair(): [number, number] {
  const sv = [-1, -1];
  check('socketpair', socketpairFn(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
}

/** open(2): the fd, or -1 with errno set. */
export const open = libc.func('int open(const char *path, int flags, int mode)') as (p: string, flags: number, mode: number) => number;
/** read(2) into `buf`: bytes read, or -1 with errno set. */
export const read = libc.func('long read(int fd, _Out_ uint8_t *buf, size_t n)') as (fd: number, buf: Uint8Array, n: number) => number;
/** write(2) from `buf`: bytes written, or -1 with errno set. */
export const write = libc.func('long write(int fd, const uint8_t *buf, size_t n)') as (fd: number, buf: Uint8Array, n: number) => number;
/** eventfd(2): the fd, or -1 with errno set. */
export const eventfd = libc.func('int eventfd(unsigned int initval, int flags)') as (initval: number, flags: number) => number;
/** poll(2) over `n` struct pollfd in `fds`: how many have revents, or -1 with errno set. */
export const poll = libc.func('int poll(void *fds, unsigned long n, int timeout)') as (fds: Uint8Array, n: number, timeoutMs: number) => number;
