/**
 * koffi bindings the run engine needs: pipes, posix_spawn, limits, signals and reaping. Thin and typed; every
 * caller checks results. Loaded both by the main thread and by spawner worker threads (koffi binds per thread).
 */
import koffi from 'koffi';
import { libc } from '../native/libc.js';

// <fcntl.h> / include/uapi/asm-generic/fcntl.h
export const O_RDONLY = 0;
export const O_CLOEXEC = 0o2000000;

// <sys/socket.h>: the gate's fd 3 is one end of a socketpair, so the gate can say "limits set" and be released.
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
export const socketpair = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)') as (
  d: number, t: number, p: number, sv: number[]) => number;
export const pipe2 = libc.func('int pipe2(_Out_ int *fds, int flags)') as (fds: number[], flags: number) => number;
export const openFile = libc.func('int open(const char *path, int flags, int mode)') as (p: string, f: number, m: number) => number;
export const writeFd = libc.func('long write(int fd, const uint8_t *buf, size_t n)') as (fd: number, b: Uint8Array, n: number) => number;

// <spawn.h>, glibc 2.36: posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 bytes on LP64; the
// buffers below are larger than both so a future glibc growing them cannot overflow.
export const SPAWN_FILE_ACTIONS_SIZE = 256;
export const SPAWN_ATTR_SIZE = 512;
export const SIGSET_SIZE = 128;
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const POSIX_SPAWN_SETSID = 0x80;

export const faInit = libc.func('int posix_spawn_file_actions_init(void *fa)');
export const faDestroy = libc.func('int posix_spawn_file_actions_destroy(void *fa)');
export const faAddDup2 = libc.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)');
export const faAddCloseFrom = libc.func('int posix_spawn_file_actions_addclosefrom_np(void *fa, int from)');
export const faAddChdir = libc.func('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)');
export const attrInit = libc.func('int posix_spawnattr_init(void *attr)');
export const attrDestroy = libc.func('int posix_spawnattr_destroy(void *attr)');
export const attrSetFlags = libc.func('int posix_spawnattr_setflags(void *attr, short flags)');
export const attrSetSigMask = libc.func('int posix_spawnattr_setsigmask(void *attr, const void *set)');
export const attrSetSigDefault = libc.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)');
export const sigEmptySet = libc.func('int sigemptyset(void *set)');
export const sigFillSet = libc.func('int sigfillset(void *set)');
/** posix_spawn returns an error number (not -1/errno). */
export const posixSpawn = libc.func(
  'int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)',
) as (pid: number[], path: string, fa: Uint8Array, attr: Uint8Array, argv: (string | null)[], envp: (string | null)[]) => number;

// include/uapi/linux/prctl.h
export const PR_SET_DUMPABLE = 4;

export const kill = libc.func('int kill(int pid, int sig)') as (pid: number, sig: number) => number;

// <sys/wait.h>
export const WNOHANG = 1;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;
export const P_PID = 1;
/** siginfo_t is 128 bytes; si_pid is at offset 16 on x86_64 and aarch64. */
export const SIGINFO_SIZE = 128;
export const waitid = libc.func('int waitid(int idtype, int id, void *info, int options)') as (
  idtype: number, id: number, info: Uint8Array, options: number) => number;
/** struct rusage is 144 bytes on LP64: ru_utime (timeval), ru_stime (timeval), then longs; ru_maxrss at 32. */
export const RUSAGE_SIZE = 144;
export const wait4 = libc.func('int wait4(int pid, _Out_ int *status, int options, void *rusage)') as (
  pid: number, status: number[], options: number, rusage: Uint8Array) => number;


export { koffi };
