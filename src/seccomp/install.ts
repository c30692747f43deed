/**
 * Installs a compiled filter on the CALLING THREAD (the syscall itself is src/native/seccomp.ts).
 *
 * No SECCOMP_FILTER_FLAG_TSYNC, on purpose: in a worker_threads Worker this restricts that worker's thread
 * alone (and every process it spawns afterwards), while the rest of the runner keeps its full syscall
 * surface (docs/principles.md, "The spawner thread"). The caller sets no_new_privs first; this function refuses
 * to install without it rather than rely on CAP_SYS_ADMIN, because a filter installed on privilege would not
 * survive the runner dropping that privilege, and would let a setuid exec run unfiltered.
 */
// Straight from the modules, not ../bpf/index.js: a spawner thread installing a filter loads nothing else of src/bpf.
import { SOCK_FILTER_SIZE } from '../bpf/encode.js';
import { BPF_MAXINSNS } from '../bpf/opcodes.js';
import { SysCallError, lastErrno } from '../native/libc.js';
import { PR_GET_NO_NEW_PRIVS, prctl } from '../native/prctl.js';
import { SECCOMP_FILTER_FLAG_NEW_LISTENER, setModeFilter } from '../native/seccomp.js';

export { SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_SET_MODE_FILTER } from '../native/seccomp.js';

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
 * Installs `filter` (an encoded sock_filter array) on the calling thread. Returns the listener fd when
 * `newListener` was asked for (the caller owns and closes it), else null. Throws SeccompInstallError when
 * no_new_privs is not set, RangeError for a malformed filter, and the shared SysCallError naming
 * 'seccomp(SECCOMP_SET_MODE_FILTER)' with the kernel's errno when it refuses.
 */
export function installSeccompFilter(filter: Uint8Array, opts: InstallOptions = {}): { listenerFd: number | null } {
  if (!(filter instanceof Uint8Array)) throw new TypeError('the filter must be a Uint8Array of encoded sock_filter instructions');
  if (filter.length === 0 || filter.length % SOCK_FILTER_SIZE !== 0) {
    throw new RangeError(`a filter is a non-empty array of ${SOCK_FILTER_SIZE}-byte instructions, got ${filter.length} bytes`);
  }
  const count = filter.length / SOCK_FILTER_SIZE;
  if (count > BPF_MAXINSNS) throw new RangeError(`the filter has ${count} instructions; the kernel accepts at most ${BPF_MAXINSNS}`);

  const nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (nnp < 0) throw new SysCallError('prctl(PR_GET_NO_NEW_PRIVS)', lastErrno());
  if (nnp !== 1) {
    throw new SeccompInstallError('prctl(PR_GET_NO_NEW_PRIVS)',
      'no_new_privs is not set on the calling thread: set it with prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) before installing a filter');
  }
  const ret = setModeFilter(opts.newListener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, filter, count);
  return { listenerFd: opts.newListener ? ret : null };
}
