/**
 * The supervisor: an UNRESTRICTED worker thread that answers the seccomp user notifications of the filters of runs
 * with more than one process: setsid and setpgid. Allowed are the spawn's own (the gate becoming its session's
 * leader) and the gate's child taking a process group of its own before it execs the program; refused is every
 * other, so that nothing a program starts can leave the group the runner kills. CLONE_PARENT (the one way to become
 * another direct child of the runner) is denied by the filter.
 *
 * It cannot live in a spawner thread: those are Landlock-restricted and cannot read /proc/PID.
 */
import { readFileSync, statSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { hostArch } from '../native/arch.js';
import { Errno } from '../native/errno.js';
import { POLLFD_SIZE, POLLHUP, POLLERR, POLLIN, poll, read } from '../native/fd.js';
import { close, lastErrno } from '../native/libc.js';
import { answerNotification, receiveNotification, SECCOMP_NOTIF_RESP_SIZE, SECCOMP_NOTIF_SIZE } from '../native/seccomp.js';
import { SYSCALL_NUMBERS } from '../native/syscall-numbers.js';
import type { SupervisorInit, SupervisorMessage } from './supervisor-protocol.js';

const init = workerData as SupervisorInit;
const control = new Int32Array(init.control);
const port = parentPort as MessagePort;

/** The syscalls the filters send here. */
const NR = SYSCALL_NUMBERS[hostArch()];

const listeners = new Set<number>();
const notif = new Uint8Array(SECCOMP_NOTIF_SIZE);
const resp = new Uint8Array(SECCOMP_NOTIF_RESP_SIZE);
const scratch = new Uint8Array(8);

function parentOf(pid: number): number | null {
  try {
    const m = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Whether two processes run the same executable file (their /proc/PID/exe are one inode). */
function sameImage(a: number, b: number): boolean {
  try {
    const x = statSync(`/proc/${a}/exe`);
    const y = statSync(`/proc/${b}/exe`);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * setsid/setpgid: allowed to a direct child of the runner (the spawner's child making the gate its session's
 * leader before its exec, or the gate), and to a child of one of those that still runs the same image (the gate's
 * child before it execs the program: it takes the process group the runner kills). Refused to every other: once
 * the program is exec'd, neither it nor anything it starts can change its session or group.
 */
function mayChangeSession(pid: number): boolean {
  const parent = parentOf(pid);
  if (parent === null) return false;
  if (parent === process.pid) return true;
  return parentOf(parent) === process.pid && sameImage(pid, parent);
}

function handle(fd: number): void {
  const n = receiveNotification(fd, notif);
  if (n === null) return; // ENOENT: the caller died meanwhile
  const allowed = (n.nr === NR.setsid || n.nr === NR.setpgid) && mayChangeSession(n.pid);
  // Nothing else is sent here; refuse rather than guess.
  answerNotification(fd, resp, n.id, allowed ? 0 : Errno.EPERM); // ENOENT when the caller was killed meanwhile
}

function drainMessages(): boolean {
  for (;;) {
    if (Atomics.load(control, 0) === 1) return false;
    const m = receiveMessageOnPort(port);
    if (!m) return true;
    const msg = m.message as SupervisorMessage;
    if (msg.type === 'add') listeners.add(msg.fd);
  }
}

// The wake-up eventfd lets the main thread interrupt poll() when it adds a listener; the thread starts before the
// main thread hands it over, so it waits for it first. A stop request ends the wait too.
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
