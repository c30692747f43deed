/**
 * Exit detection without stealing anyone's children. libuv reaps only the pids it spawned, by pid, so the runner
 * may reap its own programs with wait4(pid) — never wait(-1). On SIGCHLD (and on every monitor tick, since
 * signals coalesce) each watched pid is checked with waitid(P_PID, pid, WEXITED|WNOHANG|WNOWAIT): that sees the
 * exit WITHOUT reaping, so the process group can be killed while its leader's pid (and so its pgid) still cannot
 * be reused; only then does wait4 reap it and collect its rusage.
 */
import * as sys from './sys.js';

type OnExit = () => void;
const watched = new Map<number, OnExit>();
const info = new Uint8Array(sys.SIGINFO_SIZE);
const infoView = new DataView(info.buffer);
let listening = false;

function onSigchld(): void {
  for (const pid of [...watched.keys()]) poll(pid);
}

/** True when `pid` has exited (and is not reaped yet); calls its handler once. */
export function poll(pid: number): boolean {
  const cb = watched.get(pid);
  if (!cb) return false;
  info.fill(0);
  const r = sys.waitid(sys.P_PID, pid, info, sys.WEXITED | sys.WNOHANG | sys.WNOWAIT);
  // si_pid (offset 16) stays 0 while the child runs. Any error here (ECHILD) means it is not ours to wait for
  // any more; treat it as exited so the run ends instead of hanging.
  if (r === 0 && infoView.getInt32(16, true) === 0) return false;
  watched.delete(pid);
  if (watched.size === 0 && listening) {
    process.removeListener('SIGCHLD', onSigchld);
    listening = false;
  }
  cb();
  return true;
}

export function watch(pid: number, onExit: OnExit): void {
  watched.set(pid, onExit);
  if (!listening) {
    process.on('SIGCHLD', onSigchld);
    listening = true;
  }
  // The child may have exited before it was watched, its SIGCHLD already handled with nothing to check.
  poll(pid);
}

/**
 * Resolves once `pid` (watched) has exited, checking on SIGCHLD and every few milliseconds besides: used while a
 * run is being set up, before its monitor's own ticks start.
 */
export function exited(isDone: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = () => { if (isDone()) resolve(); else setTimeout(() => { onSigchld(); check(); }, 5); };
    check();
  });
}

export interface Reaped {
  exitCode: number | null;
  signal: number | null;
  /** user + system CPU seconds */
  cpuTime: number;
}

const rusage = new Uint8Array(sys.RUSAGE_SIZE);
const rusageView = new DataView(rusage.buffer);

/** Reaps an exited child (blocking wait4 is fine: waitid said it has exited). */
export function reap(pid: number): Reaped {
  const status = [0];
  rusage.fill(0);
  let r: number;
  do {
    r = sys.wait4(pid, status, 0, rusage);
  } while (r < 0 && sys.koffi.errno() === 4 /* EINTR */);
  if (r !== pid) return { exitCode: null, signal: null, cpuTime: 0 };
  const tv = (off: number) => Number(rusageView.getBigInt64(off, true)) + Number(rusageView.getBigInt64(off + 8, true)) / 1e6;
  const st = status[0]!;
  const termsig = st & 0x7f;
  return {
    exitCode: termsig === 0 ? (st >> 8) & 0xff : null,
    signal: termsig === 0 ? null : termsig,
    cpuTime: tv(0) + tv(16),
  };
}
