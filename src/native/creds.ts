/**
 * The calling THREAD's credentials, through raw syscall(2): glibc's setgroups()/setresuid() wrappers would change
 * every thread of the runner (SIGSETXID). Each function throws SysCallError naming the call and errno.
 */
import { check, lastErrno, libc, SysCallError, syscall6 } from './libc.js';
import { nr } from './syscall-numbers.js';

const syscallIds = libc.func('syscall', 'long', ['long', '_Out_ uint32_t *', '_Out_ uint32_t *', '_Out_ uint32_t *']) as (
  nr: number, a: number[], b: number[], c: number[]) => number;
const capgetFn = libc.func('int capget(void *header, _Out_ uint8_t *data)') as (h: Uint8Array, d: Uint8Array) => number;

/** setgroups(0, NULL): no supplementary groups. */
export function clearGroups(): void {
  check('setgroups(0, NULL)', syscall6(nr('setgroups'), 0, 0, 0, 0, 0, 0));
}

export function setResGid(gid: number): void {
  check(`setresgid(${gid})`, syscall6(nr('setresgid'), gid, gid, gid, 0, 0, 0));
}

export function setResUid(uid: number): void {
  check(`setresuid(${uid})`, syscall6(nr('setresuid'), uid, uid, uid, 0, 0, 0));
}

function ids(call: 'getresuid' | 'getresgid'): [number, number, number] {
  const r = [0], e = [0], s = [0];
  if (syscallIds(nr(call), r, e, s) < 0) throw new SysCallError(call, lastErrno());
  return [r[0]!, e[0]!, s[0]!];
}

/** [real, effective, saved] uid of this thread. */
export function getResUid(): [number, number, number] {
  return ids('getresuid');
}

/** [real, effective, saved] gid of this thread. */
export function getResGid(): [number, number, number] {
  return ids('getresgid');
}

/** include/uapi/linux/capability.h */
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/**
 * This thread's capability sets, capget(2) with pid 0: 2 x struct __user_cap_data_struct { effective, permitted,
 * inheritable } (24 bytes). All zero when the thread holds no capability.
 */
export function capabilitySets(): Uint8Array {
  const header = new Uint8Array(8); // struct __user_cap_header_struct { __u32 version; int pid; }
  new DataView(header.buffer).setUint32(0, LINUX_CAPABILITY_VERSION_3, true);
  const data = new Uint8Array(24);
  check('capget', capgetFn(header, data));
  return data;
}
