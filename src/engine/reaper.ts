/**
 * Exit detection without stealing anyone's children. libuv reaps only the pids it spawned, by pid, so the runner
 * may reap its own programs with wait4(pid) — never wait(-1). On SIGCHLD (and on every monitor tick, since
 * signals coalesce) each watched pid is checked with waitid(P_PID, pid, WEXITED|WNOHANG|WNOWAIT): that sees the
 * exit WITHOUT reaping, so the process group can be killed while its leader's pid (and so its pgid) still cannot
 * be reused; only then does wait4 reap it and collect its rusage.
 */
import { Errno } from '../native/errno.js';
import { lastErrno } from '../native/libc.js';
import {
  decodeWaitStatus, P_PID, RUSAGE_SIZE, rusageCpuSeconds, SIGINFO_SIZE, siginfoPid, wait4, waitid, WEXITED, WNOHANG, WNOWAIT,
} from '../native/wait.js';

export interface Reaped {
  exitCode: number | null;
  signal: number | null;
  /** user + system CPU seconds */
  cpuTime: number;
}

/** One watched process: whether its exit has been seen, and who to tell. */
export class ExitWatch {
  exited = false;
  private listener: (() => void) | null = null;

  /** Calls `cb` once the process has exited: now if it already has. Replaces an earlier listener. */
  onExit(cb: () => void): void {
    if (this.exited) cb();
    else this.listener = cb;
  }

  /** @internal the reaper saw the exit. */
  fire(): void {
    this.exited = true;
    const cb = this.listener;
    this.listener = null;
    cb?.();
  }
}

export class Reaper {
  private readonly watched = new Map<number, ExitWatch>();
  private readonly info = new Uint8Array(SIGINFO_SIZE);
  private readonly rusage = new Uint8Array(RUSAGE_SIZE);
  private readonly onSigchld = (): void => {
    for (const pid of [...this.watched.keys()]) this.poll(pid);
  };
  private listening = false;

  /** Watches a child of this process (just spawned) until its exit is seen. */
  watch(pid: number): ExitWatch {
    const w = new ExitWatch();
    this.watched.set(pid, w);
    if (!this.listening) {
      process.on('SIGCHLD', this.onSigchld);
      this.listening = true;
    }
    // The child may have exited before it was watched, its SIGCHLD already handled with nothing to check.
    this.poll(pid);
    return w;
  }

  /** True when `pid` (watched) has exited and is not reaped yet; tells its watch, once. */
  poll(pid: number): boolean {
    const w = this.watched.get(pid);
    if (!w) return false;
    this.info.fill(0);
    const r = waitid(P_PID, pid, this.info, WEXITED | WNOHANG | WNOWAIT);
    // si_pid stays 0 while the child runs. Any error here (ECHILD) means it is not ours to wait for any more;
    // treat it as exited so the run ends instead of hanging.
    if (r === 0 && siginfoPid(this.info) === 0) return false;
    this.watched.delete(pid);
    if (this.watched.size === 0 && this.listening) {
      process.removeListener('SIGCHLD', this.onSigchld);
      this.listening = false;
    }
    w.fire();
    return true;
  }

  /**
   * Resolves once `w`'s process has exited, checking on SIGCHLD and every few milliseconds besides: used while a
   * run is being set up, before its monitor's own ticks start.
   */
  exited(w: ExitWatch): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => { if (w.exited) resolve(); else setTimeout(() => { this.onSigchld(); check(); }, 5); };
      check();
    });
  }

  /** Reaps an exited child (a blocking wait4 is fine: waitid said it has exited). */
  reap(pid: number): Reaped {
    const status = [0];
    this.rusage.fill(0);
    let r: number;
    do {
      r = wait4(pid, status, 0, this.rusage);
    } while (r < 0 && lastErrno() === Errno.EINTR);
    if (r !== pid) return { exitCode: null, signal: null, cpuTime: 0 };
    return { ...decodeWaitStatus(status[0]!), cpuTime: rusageCpuSeconds(this.rusage) };
  }
}
