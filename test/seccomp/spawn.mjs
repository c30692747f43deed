/**
 * Test helper: spawn a program with glibc's posix_spawn through koffi and wait for it, from whichever thread
 * calls it. From a seccomp-restricted worker this is how the program inherits the worker's filter (a
 * child_process spawn would come from libuv's threads, which are not restricted).
 *
 * posix_spawn never returns into JavaScript in the child (glibc's child runs only its own C code up to
 * execve), which is why it is safe to call from Node where fork() through koffi is not.
 */
import * as fs from 'node:fs';
import koffi from 'koffi';
import { libc, lastErrno } from '../../dist/native/libc.js';

const posixSpawn = libc.func('int posix_spawn(_Out_ int *pid, const char *path, void *file_actions, void *attrp, const char **argv, const char **envp)');
const faInit = libc.func('int posix_spawn_file_actions_init(void *fa)');
const faDestroy = libc.func('int posix_spawn_file_actions_destroy(void *fa)');
const faAddOpen = libc.func('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, uint32_t mode)');
const faAddDup2 = libc.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)');
const waitpid = libc.func('int waitpid(int pid, _Out_ int *status, int options)');

// include/uapi/asm-generic/fcntl.h (x86_64 and arm64)
const O_WRONLY = 0o1;
const O_CREAT = 0o100;
const O_TRUNC = 0o1000;
const EINTR = 4;
/** Larger than glibc's posix_spawn_file_actions_t (80 bytes on 64-bit targets). */
const FILE_ACTIONS_SIZE = 256;

/**
 * Runs `path` with `argv`, stdout and stderr to `outFile`, stdin from /dev/null; waits for it.
 * Returns { status, exitCode, signal, output } or { error } naming the call that failed.
 */
export function spawnAndWait(path, argv, outFile) {
  const fa = koffi.alloc('uint8_t', FILE_ACTIONS_SIZE);
  let rc = faInit(fa);
  if (rc !== 0) {
    koffi.free(fa);
    return { error: `posix_spawn_file_actions_init: ${rc}` };
  }
  try {
    for (const [name, r] of [
      ['addopen(0)', () => faAddOpen(fa, 0, '/dev/null', 0, 0)],
      ['addopen(1)', () => faAddOpen(fa, 1, outFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)],
      ['adddup2(1, 2)', () => faAddDup2(fa, 1, 2)],
    ]) {
      rc = r();
      if (rc !== 0) return { error: `posix_spawn_file_actions_${name}: errno ${rc}` };
    }
    const pid = [0];
    rc = posixSpawn(pid, path, fa, null, [...argv, null], ['PATH=/usr/bin:/bin', null]);
    if (rc !== 0) return { error: `posix_spawn: errno ${rc}` };
    const status = [0];
    for (;;) {
      const w = waitpid(pid[0], status, 0);
      if (w === pid[0]) break;
      if (w < 0 && lastErrno() === EINTR) continue;
      return { error: `waitpid: ${w < 0 ? `errno ${lastErrno()}` : `returned ${w}`}` };
    }
    const s = status[0];
    const signal = s & 0x7f;
    return {
      status: s,
      exitCode: signal === 0 ? (s >> 8) & 0xff : null,
      signal: signal === 0 ? null : signal,
      output: fs.readFileSync(outFile, 'utf8'),
    };
  } finally {
    faDestroy(fa);
    koffi.free(fa);
  }
}
