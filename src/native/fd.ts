/**
 * File descriptors: pipes, the gate's socketpair (and passing it an fd with the runner's word), open, read, write.
 * Constants from include/uapi/asm-generic/fcntl.h (arm64 overrides O_NOFOLLOW in arch/arm64/include/uapi/asm/fcntl.h)
 * and include/linux/socket.h.
 */
import koffi from 'koffi';
import { hostArch } from './arch.js';
import { check, libc, lastErrno, SysCallError } from './libc.js';

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

const sendmsgFn = libc.func('long sendmsg(int fd, void *msg, int flags)') as (fd: number, msg: unknown, flags: number) => number;
/* include/linux/socket.h: SOL_SOCKET, SCM_RIGHTS, MSG_NOSIGNAL. */
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_NOSIGNAL = 0x4000;
/*
 * LP64 layouts (include/linux/socket.h, include/uapi/linux/uio.h): struct msghdr { void *msg_name; int msg_namelen;
 * struct iovec *msg_iov; size_t msg_iovlen; void *msg_control; size_t msg_controllen; unsigned msg_flags; } is 56
 * bytes (msg_iov at 16, msg_iovlen 24, msg_control 32, msg_controllen 40); struct iovec { void *base; size_t len; }
 * 16; struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } 16, then the data: CMSG_LEN(4) = 20,
 * CMSG_SPACE(4) = 24.
 */
const MSGHDR = 0;
const IOVEC = 56;
const CMSG = 72;
const DATA = 96;

/**
 * sendmsg(fd, data, SCM_RIGHTS [passFd]) on a unix stream socket, without SIGPIPE, in one call; `passFd` null sends
 * the data alone. Throws SysCallError('sendmsg') unless every byte was sent (a message of a few KiB to a socket
 * nothing else writes to fits its buffer whole).
 */
export function sendWithFd(fd: number, data: Uint8Array, passFd: number | null): void {
  const size = DATA + data.length;
  const mem = koffi.alloc('uint8_t', size);
  try {
    const base = koffi.address(mem);
    const bytes = new Uint8Array(koffi.view(mem, size));
    bytes.fill(0);
    bytes.set(data, DATA);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    v.setBigUint64(IOVEC, base + BigInt(DATA), true);
    v.setBigUint64(IOVEC + 8, BigInt(data.length), true);
    v.setBigUint64(MSGHDR + 16, base + BigInt(IOVEC), true);
    v.setBigUint64(MSGHDR + 24, 1n, true);
    if (passFd !== null) {
      v.setBigUint64(CMSG, 20n, true);
      v.setInt32(CMSG + 8, SOL_SOCKET, true);
      v.setInt32(CMSG + 12, SCM_RIGHTS, true);
      v.setInt32(CMSG + 16, passFd, true);
      v.setBigUint64(MSGHDR + 32, base + BigInt(CMSG), true);
      v.setBigUint64(MSGHDR + 40, 24n, true);
    }
    const n = sendmsgFn(fd, mem, MSG_NOSIGNAL);
    if (n !== data.length) throw new SysCallError('sendmsg', n < 0 ? lastErrno() : 0, n < 0 ? undefined : `sent ${n} of ${data.length} bytes`);
  } finally {
    koffi.free(mem);
  }
}
