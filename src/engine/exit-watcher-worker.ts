/**
 * The exit watcher: an UNRESTRICTED worker thread that answers the seccomp user notifications every spawner's
 * filter raises for exit_group. While the program is stopped inside exit_group its memory still exists, so this
 * thread reads its own high-water mark (VmHWM) and virtual peak (VmPeak) from /proc/PID/status, records them in a
 * shared table, and only then lets the call continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE). This is the "stop at
 * exit" that makes peak memory the program's own: ru_maxrss of a child of a large runner is polluted by the
 * runner's own peak (the high-water mark of the address space exec replaced), and a poll would miss whatever
 * happened since its last tick.
 *
 * It cannot live in a spawner thread: those are Landlock-restricted and cannot read /proc/PID.
 */
import { readFileSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { Errno } from '../native/errno.js';
import { POLLFD_SIZE, POLLHUP, POLLERR, POLLIN, poll, read } from '../native/fd.js';
import { close, lastErrno } from '../native/libc.js';
import { answerNotification, receiveNotification, SECCOMP_NOTIF_RESP_SIZE, SECCOMP_NOTIF_SIZE } from '../native/seccomp.js';
import { SYSCALL_NUMBERS } from '../native/syscall-numbers.js';
import { hostArch } from '../native/arch.js';
import { EXIT_SLOTS, type ExitWatcherInit, type ExitWatcherMessage } from './exit-watcher-protocol.js';
import { parseStat, statusKiB } from './procfs.js';

const init = workerData as ExitWatcherInit;
const table = new Int32Array(init.table);
const control = new Int32Array(init.control);
const port = parentPort as MessagePort;

/** The syscalls the filters send here. */
const NR = SYSCALL_NUMBERS[hostArch()];

const listeners = new Set<number>();
const notif = new Uint8Array(SECCOMP_NOTIF_SIZE);
const resp = new Uint8Array(SECCOMP_NOTIF_RESP_SIZE);
const scratch = new Uint8Array(8);

/**
 * setsid/setpgid (sent here only when a run may have more than one process): allowed only to a direct child of
 * the runner — the spawner's child setting up the run's own session before exec, or the program itself, which as
 * a session leader cannot change either anyway. Every descendant is refused, so nothing the program starts can
 * leave its process group, and killing the group kills everything. CLONE_PARENT (the one way to become another
 * direct child of the runner) is denied by the filter.
 */
function mayChangeSession(pid: number): boolean {
  try {
    const m = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m !== null && Number(m[1]) === process.pid;
  } catch {
    return false;
  }
}

function recordExit(pid: number): void {
  try {
    // Recorded per run: every process of a run stays in the session its gate created (setsid/setpgid are refused
    // to descendants), so the session id is the run's leader pid. The slot keeps the largest figures of any process
    // of the run: the memory limit holds for each process, children included.
    const sid = parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1')).session;
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const hwm = statusKiB(status, 'VmHWM');
    const peak = statusKiB(status, 'VmPeak');
    const slot = (sid % EXIT_SLOTS) * 4;
    const same = Atomics.load(table, slot) === sid;
    Atomics.store(table, slot + 1, same ? Math.max(hwm, Atomics.load(table, slot + 1)) : hwm);
    Atomics.store(table, slot + 2, same ? Math.max(peak, Atomics.load(table, slot + 2)) : peak);
    Atomics.store(table, slot, sid); // last: a reader that sees the id sees its figures
  } catch {
    // The process is gone (killed while stopped): nothing to record.
  }
}

function handle(fd: number): void {
  const n = receiveNotification(fd, notif);
  if (n === null) return; // ENOENT: the caller died meanwhile
  let errno: number = Errno.EPERM; // nothing else is sent here; refuse rather than guess
  if (n.nr === NR.setsid || n.nr === NR.setpgid) errno = mayChangeSession(n.pid) ? 0 : Errno.EPERM;
  else if (n.nr === NR.exit_group || n.nr === NR.exit) {
    recordExit(n.pid);
    errno = 0;
  }
  answerNotification(fd, resp, n.id, errno); // ENOENT when the caller was killed meanwhile: nothing to do
}

function drainMessages(): boolean {
  for (;;) {
    if (Atomics.load(control, 0) === 1) return false;
    const m = receiveMessageOnPort(port);
    if (!m) return true;
    const msg = m.message as ExitWatcherMessage;
    if (msg.type === 'add') listeners.add(msg.fd);
  }
}

// The wake-up eventfd lets the main thread interrupt poll() when it adds a listener; the thread may have been
// started before it existed (warm.ts), so it waits for it first. A stop request ends the wait too.
while (Atomics.load(control, 1) === 0 && Atomics.load(control, 0) === 0) Atomics.wait(control, 1, 0, 1000);
const wakeFd = Atomics.load(control, 1) - 1;
for (;;) {
  if (!drainMessages()) break;
  const fds = [wakeFd, ...listeners];
  const pfds = new Uint8Array(POLLFD_SIZE * fds.length);
  const pv = new DataView(pfds.buffer);
  fds.forEach((fd, i) => { pv.setInt32(i * POLLFD_SIZE, fd, true); pv.setInt16(i * POLLFD_SIZE + 4, POLLIN, true); });
  if (poll(pfds, fds.length, -1) < 0) {
    if (lastErrno() === Errno.EINTR) continue;
    throw new Error(`poll failed: errno ${lastErrno()}`);
  }
  for (let i = 0; i < fds.length; i++) {
    const revents = pv.getInt16(i * POLLFD_SIZE + 6, true);
    if (revents === 0) continue;
    const fd = fds[i]!;
    if (fd === wakeFd) {
      read(fd, scratch, 8);
      continue;
    }
    if (revents & POLLIN) handle(fd);
    else if (revents & (POLLHUP | POLLERR)) {
      // Every task using the filter is gone (its spawner thread ended): the listener is done.
      listeners.delete(fd);
      close(fd);
    }
  }
}
for (const fd of listeners) close(fd);
