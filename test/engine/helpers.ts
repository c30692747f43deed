/**
 * Shared by the live engine tests: a scratch directory per test file, fixture programs compiled into it at test
 * time, and the helpers that read a fixture's report lines ("<call>: <result>" or "<call>: -1 <ERRNO>", see
 * fixtures/hostile/report.h).
 *
 * Permissions: a root runner runs programs as uid 65534, so the scratch root and the binaries are 0755, and a
 * directory a program must write is 0777. Files an attack targets are 0666 and directories 0777, so that only the
 * sandbox (Landlock, seccomp), never plain file permissions, can be what refuses the attack.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { RunResult } from '../../dist/engine/index.js';

export const isRoot = process.getuid?.() === 0;
/** The uid the program runs as: 65534 for a root runner (the default), else the runner's own. */
export const programUid = isRoot ? 65534 : process.getuid!();

/**
 * RunOptions that give a root runner's program a uid nothing else on the machine uses (one per test file, from
 * its pid), so RLIMIT_NPROC's per-uid count holds only this run's tasks (docs/principles.md, "Processes": every
 * run of a root runner shares uid 65534 by default, and concurrent runs share its budget). Empty for a non-root
 * runner, which cannot choose.
 */
export function dedicatedUid(): { uid?: number; gid?: number } {
  const id = 40000 + (process.pid % 20000);
  return isRoot ? { uid: id, gid: id } : {};
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const run = promisify(execFile);

export interface Scratch {
  /** Canonical (realpath) scratch root, 0755. */
  readonly root: string;
  /** Where compiled fixtures go. */
  readonly bin: string;
  /** Makes a directory under the root; `writable` makes it 0777 (the program runs as another uid when root). */
  dir(name: string, opts?: { writable?: boolean }): string;
  /** Writes a file under the root, 0666 by default. */
  file(name: string, content: string | Uint8Array, mode?: number): string;
  remove(): void;
}

export function scratch(prefix: string): Scratch {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `cp-sandbox-${prefix}-`)));
  fs.chmodSync(root, 0o755);
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { mode: 0o755 });
  fs.chmodSync(bin, 0o755);
  const created: string[] = [];
  return {
    root,
    bin,
    dir(name, opts = {}) {
      const p = path.join(root, name);
      // Every component created here gets the mode (mkdir's own mode is cut by the umask, and only applies to
      // the last component anyway).
      for (let at = p; at !== root && !fs.existsSync(at); at = path.dirname(at)) created.push(at);
      fs.mkdirSync(p, { recursive: true });
      for (const c of created.splice(0)) fs.chmodSync(c, opts.writable ? 0o777 : 0o755);
      return p;
    },
    file(name, content, mode = 0o666) {
      const p = path.join(root, name);
      fs.writeFileSync(p, content);
      fs.chmodSync(p, mode);
      return p;
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Compiles fixtures ("hostile/kill_probe", "programs/hello") into `s.bin`, in parallel; returns name -> path
 * keyed by the base name. -D_GNU_SOURCE: report.h uses strerrorname_np.
 */
export async function compile(s: Scratch, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(names.map(async (name) => {
    const base = path.basename(name);
    const exe = path.join(s.bin, base);
    await run('gcc', ['-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O2', '-pthread', '-o', exe,
      path.join(FIXTURES, `${name}.c`)]);
    fs.chmodSync(exe, 0o755);
    out[base] = exe;
  }));
  return out;
}

export function text(b: Buffer): string {
  return b.toString('utf8');
}

/** The result part of the report line for `call`, e.g. "-1 EPERM" or "3"; undefined when the line is absent. */
export function outcome(stdout: Buffer | string, call: string): string | undefined {
  const prefix = `${call}: `;
  const line = (typeof stdout === 'string' ? stdout : text(stdout)).split('\n').find((l) => l.startsWith(prefix));
  return line?.slice(prefix.length);
}

/** The program ran to its end (it was not killed) and `call` failed with exactly `errno`. */
export function expectDenied(r: RunResult, call: string, errno: string): void {
  expect(r, text(r.stderr)).toMatchObject({ status: 'OK', exitCode: 0, signal: null });
  expect(outcome(r.stdout, call), text(r.stdout)).toBe(`-1 ${errno}`);
}

/** `call` succeeded (a non-negative result) in the report of a sandboxed or unsandboxed run. */
export function expectSucceeded(stdout: Buffer | string, call: string): void {
  expect(outcome(stdout, call), typeof stdout === 'string' ? stdout : text(stdout)).toMatch(/^\d+$/);
}

export interface FreeRun { status: number | null; signal: string | null; stdout: string; stderr: string }

/** Runs a fixture WITHOUT the sandbox, as the runner's own user: the positive control of an attack. */
export function runFree(exe: string, args: readonly string[] = [], opts: { input?: string; timeoutMs?: number } = {}): FreeRun {
  const r = spawnSync(exe, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, input: opts.input ?? '' });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** True while a process with this pid exists (kill(pid, 0); EPERM means it exists but is someone else's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pids of every process whose parent is `ppid`, with their state letter (from /proc/PID/stat). */
export function childrenOf(ppid: number): Array<{ pid: number; state: string; comm: string }> {
  const found: Array<{ pid: number; state: string; comm: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[1]) === ppid) found.push({ pid: Number(name), state: fields[0]!, comm: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return found;
}

/** The processes whose process group is `pgid`, with their state letter (Z: a zombie, already dead). */
export function groupMembers(pgid: number): Array<{ pid: number; state: string }> {
  const found: Array<{ pid: number; state: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) found.push({ pid: Number(name), state: fields[0]! });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

/**
 * After a run: nothing of its process group (pgid = the program's pid) is still running, and the group is soon
 * gone entirely (kill(-pgid, 0) -> ESRCH). The runner SIGKILLs the group before it reports, but a member that was
 * runnable may take a moment to act on it (it can no longer run its own code), hence the short wait for "no live
 * member". Descendants killed with the group are orphans reaped by init, which on some machines only polls (this
 * one's pid 1 reaps every ~2 s), so their zombies may linger that long; they are dead and hold nothing but a pid.
 */
export async function expectGroupGone(pgid: number): Promise<void> {
  const live = () => groupMembers(pgid).filter((m) => m.state !== 'Z');
  await eventually(() => live().length === 0, 1000);
  expect(live(), `live members of process group ${pgid} 1 s after the result`).toEqual([]);
  expect(await eventually(() => !alive(-pgid), 10_000), `process group ${pgid} still exists after 10 s`).toBe(true);
}

/** Waits until `check` returns true, polling every 10 ms, at most `ms`; returns the last answer. */
export async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const MiB = 1024 * 1024;
