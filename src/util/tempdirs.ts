/**
 * Where the judge and the compiler keep their temporary directories (build and run directories, checker files,
 * an interactor's tout): all under one directory per runner process, `$TMPDIR/scs-NS-PID-XXXXXX` (0711 for a root
 * runner, whose programs must enter the run directories, 0700 otherwise), NS being the inode of the runner's pid
 * namespace. A runner killed with SIGKILL cannot clean up; the next runner does: when it makes its own directory, it
 * removes every `scs-NS-PID-*` of its user, in its own pid namespace, whose PID is no longer running (a runner in
 * another container sharing the temporary directory has other pids, and its directories are left alone). A runner
 * that exits normally removes its own (empty by then) directory.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

let root: string | null = null;

/** The inode of this process's pid namespace (`pid:[N]`), 0 when it cannot be read. */
function pidNamespace(): number {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Removes the directories of this user's runners that are gone; returns what it removed. */
export function sweepStale(tmp = os.tmpdir()): string[] {
  const uid = process.geteuid?.();
  const ns = pidNamespace();
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^scs-(\d+)-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m || Number(m[1]) !== ns || Number(m[2]) === process.pid || running(Number(m[2]))) continue;
    const p = path.join(tmp, name);
    try {
      const st = lstatSync(p);
      if (!st.isDirectory() || st.uid !== uid) continue;
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch { /* another runner swept it */ }
  }
  return removed;
}

/** This process's directory (made, and the stale ones swept, on first use). */
export function processTempRoot(): string {
  if (root !== null) return root;
  sweepStale();
  const dir = mkdtempSync(path.join(os.tmpdir(), `scs-${pidNamespace()}-${process.pid}-`));
  chmodSync(dir, process.geteuid?.() === 0 ? 0o711 : 0o700);
  root = dir;
  process.once('exit', () => { try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ } });
  return dir;
}

/** A fresh directory `KIND-XXXXXX` in this process's directory, with `mode`. */
export async function tempDir(kind: string, mode: number): Promise<string> {
  const dir = await mkdtemp(path.join(processTempRoot(), `${kind}-`));
  chmodSync(dir, mode);
  return dir;
}

