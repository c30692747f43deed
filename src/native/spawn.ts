/**
 * posix_spawn(3) and what it is set up with: file actions, attributes and signal sets (glibc's <spawn.h> and
 * <signal.h>). These return an error number themselves (0 on success), except sigemptyset/sigfillset (-1, errno).
 */
import { libc } from './libc.js';

/**
 * glibc 2.36 on LP64: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336 and sigset_t 128. The buffers a
 * caller allocates are larger than the first two so a future glibc growing them cannot overflow.
 */
export const SPAWN_FILE_ACTIONS_SIZE = 256;
export const SPAWN_ATTR_SIZE = 512;
export const SIGSET_SIZE = 128;
/** <spawn.h> flags. */
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const POSIX_SPAWN_SETSID = 0x80;

type Buf = Uint8Array;
export const fileActionsInit = libc.func('int posix_spawn_file_actions_init(void *fa)') as (fa: Buf) => number;
export const fileActionsDestroy = libc.func('int posix_spawn_file_actions_destroy(void *fa)') as (fa: Buf) => number;
export const fileActionsAddDup2 = libc.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)') as (
  fa: Buf, fd: number, newfd: number) => number;
export const fileActionsAddCloseFrom = libc.func('int posix_spawn_file_actions_addclosefrom_np(void *fa, int from)') as (
  fa: Buf, from: number) => number;
export const fileActionsAddChdir = libc.func('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)') as (
  fa: Buf, path: string) => number;
export const attrInit = libc.func('int posix_spawnattr_init(void *attr)') as (attr: Buf) => number;
export const attrDestroy = libc.func('int posix_spawnattr_destroy(void *attr)') as (attr: Buf) => number;
export const attrSetFlags = libc.func('int posix_spawnattr_setflags(void *attr, short flags)') as (attr: Buf, flags: number) => number;
export const attrSetSigMask = libc.func('int posix_spawnattr_setsigmask(void *attr, const void *set)') as (attr: Buf, set: Buf) => number;
export const attrSetSigDefault = libc.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)') as (attr: Buf, set: Buf) => number;
export const sigEmptySet = libc.func('int sigemptyset(void *set)') as (set: Buf) => number;
export const sigFillSet = libc.func('int sigfillset(void *set)') as (set: Buf) => number;
/** posix_spawn(3): 0 and the pid in pid[0], or an error number (not -1/errno). */
export const posixSpawn = libc.func(
  'int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)',
) as (pid: number[], path: string, fa: Buf, attr: Buf, argv: (string | null)[], envp: (string | null)[]) => number;
