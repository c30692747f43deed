/**
 * Installs a compiled filter on the CALLING THREAD: the only code in src/seccomp that makes syscalls.
 *
 * No SECCOMP_FILTER_FLAG_TSYNC, on purpose: in a worker_threads Worker this restricts that worker's thread
 * alone (and every process it spawns afterwards), while the rest of the runner keeps its full syscall
 * surface (engine.md, fact 3). The caller sets no_new_privs first; this function refuses to install
 * without it rather than rely on CAP_SYS_ADMIN, because a filter installed on privilege would not survive
 * the runner dropping that privilege, and would let a setuid exec run unfiltered.
 */
import koffi from 'koffi';
import { Errno } from '../native/errno.js';
import { SysCallError, lastErrno, libc, prctl } from '../native/libc.js';

// include/uapi/linux/prctl.h
const PR_GET_NO_NEW_PRIVS = 39;
// include/uapi/linux/seccomp.h
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
// include/uapi/linux/bpf_common.h: BPF_MAXINSNS; struct sock_filter is 8 bytes (include/uapi/linux/filter.h).
const BPF_MAXINSNS = 4096;
const SOCK_FILTER_SIZE = 8;

/** include/uapi/linux/filter.h: struct sock_fprog { unsigned short len; struct sock_filter *filter; }. */
const SockFprog = koffi.struct({ len: 'uint16_t', filter: 'void *' });

/** seccomp(2) through syscall(2): glibc 2.36 has no wrapper. Every argument is passed as a long, as syscall(2) reads them. */
const seccompSyscall = libc.func('syscall', 'long', ['long', 'long', 'long', koffi.pointer(SockFprog)]) as (
  nr: number, op: number, flags: number, prog: { len: number; filter: unknown }) => number | bigint;

/** Setup that stops before the seccomp call: the calling thread is not in a state to be filtered. */
export class SeccompInstallError extends Error {
  readonly call: string;
  constructor(call: string, message: string) {
    super(message);
    this.name = 'SeccompInstallError';
    this.call = call;
  }
}

export interface InstallOptions {
  /** SECCOMP_FILTER_FLAG_NEW_LISTENER: return a user-notification fd for SECCOMP_RET_USER_NOTIF actions. */
  readonly newListener?: boolean;
}

/**
 * Installs `filter` (an encoded sock_filter array, e.g. from compileSeccompFilter) on the calling thread.
 * Returns the listener fd when `newListener` was asked for (the caller owns and closes it), else null.
 * Throws SeccompInstallError when no_new_privs is not set, RangeError for a malformed filter, and the
 * shared SysCallError naming 'seccomp(SECCOMP_SET_MODE_FILTER)' with the kernel's errno when it refuses.
 */
/**
 * seccomp(2)'s number (src/seccomp/tables: x86_64 317, aarch64 277), written here rather than looked up so that a
 * spawner thread installing a filter does not load the syscall tables (start-up time).
 */
const NR_SECCOMP: Partial<Record<string, number>> = { x64: 317, arm64: 277 };

export function installSeccompFilter(filter: Uint8Array, opts: InstallOptions = {}): { listenerFd: number | null } {
  if (!(filter instanceof Uint8Array)) throw new TypeError('the filter must be a Uint8Array of encoded sock_filter instructions');
  if (filter.length === 0 || filter.length % SOCK_FILTER_SIZE !== 0) {
    throw new RangeError(`a filter is a non-empty array of ${SOCK_FILTER_SIZE}-byte instructions, got ${filter.length} bytes`);
  }
  const count = filter.length / SOCK_FILTER_SIZE;
  if (count > BPF_MAXINSNS) throw new RangeError(`the filter has ${count} instructions; the kernel accepts at most ${BPF_MAXINSNS}`);

  const nnp = Number(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  if (nnp < 0) throw new SysCallError('prctl(PR_GET_NO_NEW_PRIVS)', lastErrno());
  if (nnp !== 1) {
    throw new SeccompInstallError('prctl(PR_GET_NO_NEW_PRIVS)',
      'no_new_privs is not set on the calling thread: set it with prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) before installing a filter');
  }

  const nr = NR_SECCOMP[process.arch];
  if (nr === undefined) throw new SysCallError('seccomp(SECCOMP_SET_MODE_FILTER)', Errno.ENOSYS, `no syscall number for ${process.arch}`);
  const flags = opts.newListener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;

  // The kernel copies the program during the call; native memory keeps it in place for exactly that long,
  // with no question of whether a JS buffer may move or be collected under the pointer.
  const mem = koffi.alloc('uint8_t', filter.length);
  try {
    new Uint8Array(koffi.view(mem, filter.length)).set(filter);
    const ret = Number(seccompSyscall(nr, SECCOMP_SET_MODE_FILTER, flags, { len: count, filter: mem }));
    if (ret < 0) throw new SysCallError('seccomp(SECCOMP_SET_MODE_FILTER)', lastErrno());
    return { listenerFd: opts.newListener ? ret : null };
  } finally {
    koffi.free(mem);
  }
}
