/**
 * The exit watcher: an UNRESTRICTED worker thread that answers the seccomp user notifications every spawner's
 * filter raises for exit_group. While the program is stopped inside exit_group its memory still exists, so this
 * thread reads its own high-water mark (VmHWM) and virtual peak (VmPeak) from /proc/PID/status, records them in a
 * shared table, and only then lets the call continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE). This is the "stop at
 * exit" that makes peak memory the program's own: ru_maxrss of a child of a large runner is polluted by the
 * runner's own peak (engine.md, fact 6), and a poll would miss whatever happened since its last tick.
 *
 * It cannot live in a spawner thread: those are Landlock-restricted and cannot read /proc/PID.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { libc, lastErrno, close } from '../native/libc.js';
import { NOTIF_SLOTS, type NotifierInit, type NotifierMessage } from './notifier-protocol.js';

const init = workerData as NotifierInit;
const table = new Int32Array(init.table);
const control = new Int32Array(init.control);
const port = parentPort as MessagePort;

// include/uapi/linux/seccomp.h: struct seccomp_notif { __u64 id; __u32 pid; __u32 flags; struct seccomp_data data; }
// (80 bytes) and struct seccomp_notif_resp { __u64 id; __s64 val; __s32 error; __u32 flags; } (24 bytes).
// SECCOMP_IOCTL_NOTIF_RECV = _IOWR('!', 0, struct seccomp_notif), SEND = _IOWR('!', 1, struct seccomp_notif_resp).
const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
const SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
const POLLIN = 0x1;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const EINTR = 4;

const ioctl = libc.func('int ioctl(int fd, unsigned long req, void *arg)') as (fd: number, req: number, arg: Uint8Array) => number;
const poll = libc.func('int poll(void *fds, unsigned long n, int timeout)') as (fds: Uint8Array, n: number, t: number) => number;
const readFd = libc.func('long read(int fd, _Out_ uint8_t *buf, size_t n)') as (fd: number, b: Uint8Array, n: number) => number;

const listeners = new Set<number>();
const notif = new Uint8Array(80);
const notifView = new DataView(notif.buffer);
const resp = new Uint8Array(24);
const respView = new DataView(resp.buffer);
const scratch = new Uint8Array(8);

function kib(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

// Syscalls the filters send here (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h).
const NR = process.arch === 'arm64' ? { exit: 93, exit_group: 94, setpgid: 154, setsid: 157 } : { exit: 60, exit_group: 231, setpgid: 109, setsid: 112 };
const EPERM = 1;

/**
 * setsid/setpgid (sent here only when a run may have more than one process): allowed only to a direct child of
 * the runner — the spawner's child setting up the run's own session before exec, or the program itself, which as
 * a session leader cannot change either anyway. Every descendant is refused, so nothing the program starts can
 * leave its process group, and killing the group kills everything. CLONE_PARENT (the one way to become another
 * direct child of the runner) is denied by the filter.
 */
function mayChangeSession(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^PPid:\s+(\d+)$/m.exec(status);
    return m !== null && Number(m[1]) === process.pid;
  } catch {
    return false;
  }
}

function respond(fd: number, id: bigint, error: number): void {
  respView.setBigUint64(0, id, true);
  respView.setBigInt64(8, 0n, true);
  respView.setInt32(16, error === 0 ? 0 : -error, true);
  respView.setUint32(20, error === 0 ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0, true);
  ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp); // ENOENT when the caller was killed meanwhile: nothing to do
}

function recordExit(pid: number): void {
  try {
    // Recorded per run: every process of a run stays in the session its gate created (setsid/setpgid are refused
    // to descendants), so the session id is the run's leader pid. The slot keeps the largest figures of any process
    // of the run: the memory limit holds for each process, children included.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const sid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const hwm = kib(status, 'VmHWM');
    const peak = kib(status, 'VmPeak');
    const slot = (sid % NOTIF_SLOTS) * 4;
    const same = Atomics.load(table, slot) === sid;
    Atomics.store(table, slot + 1, same ? Math.max(hwm, Atomics.load(table, slot + 1)) : hwm);
    Atomics.store(table, slot + 2, same ? Math.max(peak, Atomics.load(table, slot + 2)) : peak);
    Atomics.store(table, slot, sid); // last: a reader that sees the id sees its figures
  } catch {
    // The process is gone (killed while stopped): nothing to record.
  }
}

function handle(fd: number): void {
  notif.fill(0); // the kernel refuses a seccomp_notif that is not zeroed
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, notif) < 0) return; // ENOENT: the caller died meanwhile
  const id = notifView.getBigUint64(0, true);
  const pid = notifView.getUint32(8, true);
  const nr = notifView.getInt32(16, true);
  if (nr === NR.setsid || nr === NR.setpgid) respond(fd, id, mayChangeSession(pid) ? 0 : EPERM);
  else if (nr === NR.exit_group || nr === NR.exit) {
    recordExit(pid);
    respond(fd, id, 0);
  } else {
    respond(fd, id, EPERM); // nothing else is sent here; refuse rather than guess
  }
}

function drainMessages(): boolean {
  for (;;) {
    if (Atomics.load(control, 0) === 1) return false;
    const m = receiveMessageOnPort(port);
    if (!m) return true;
    const msg = m.message as NotifierMessage;
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
  const pfds = new Uint8Array(8 * fds.length);
  const pv = new DataView(pfds.buffer);
  fds.forEach((fd, i) => { pv.setInt32(i * 8, fd, true); pv.setInt16(i * 8 + 4, POLLIN, true); });
  const n = poll(pfds, fds.length, -1);
  if (n < 0) {
    if (lastErrno() === EINTR) continue;
    throw new Error(`poll failed: errno ${lastErrno()}`);
  }
  for (let i = 0; i < fds.length; i++) {
    const revents = pv.getInt16(i * 8 + 6, true);
    if (revents === 0) continue;
    const fd = fds[i]!;
    if (fd === wakeFd) {
      readFd(fd, scratch, 8);
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
