/**
 * The first step of a run, before anything is set up: which file runs, in which directory, and whether the
 * program's user may execute it and write where it was allowed to. Errors here are the caller's
 * (InvalidOptionError, ProgramNotFoundError, ProgramNotExecutableError: CLI exits 125, 127, 126), never setup errors.
 */
import { accessSync, closeSync, constants as fsc, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAtOrBelow } from '../landlock/plan.js';
import { InvalidOptionError, ProgramNotExecutableError, ProgramNotFoundError } from './errors.js';
import type { Normalized } from './options.js';

/** The permission bits a mode grants `uid`/`gid` (no supplementary groups: the sandbox clears them). */
export const EXECUTE = 0o1;
export const WRITE = 0o2;
export const READ = 0o4;

/**
 * Whether the mode bits of `st` grant `want` (READ, WRITE, EXECUTE, or'ed) to `uid`/`gid`: the owner's bits for
 * the owner, else the group's for the group, else the others'. ACLs are not consulted.
 */
export function modeAllows(st: Pick<Stats, 'uid' | 'gid' | 'mode'>, uid: number, gid: number, want: number): boolean {
  const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
  return ((st.mode >> shift) & want) === want;
}

/**
 * Whether `uid`/`gid` (no supplementary groups: the sandbox clears them) may `want` (READ, EXECUTE...) `file` under
 * the mode bits, every directory on the way searchable included. ACLs are not consulted.
 */
export function reachableBy(file: string, uid: number, gid: number, want: number): boolean {
  try {
    if (!modeAllows(statSync(file), uid, gid, want)) return false;
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if (!modeAllows(statSync(dir), uid, gid, EXECUTE)) return false;
      if (dir === path.dirname(dir)) return true;
    }
  } catch {
    return false;
  }
}

/** The absolute path of `file`: relative to `cwd` when it has a slash, else looked up in the runner's PATH. */
function locate(file: string, cwd: string): string {
  if (file.includes('/')) return path.resolve(cwd, file);
  // No slash: search the runner's PATH, as env(1) and timeout(1) do.
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = path.resolve(dir || '.', file);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch { /* not here */ }
  }
  throw new ProgramNotFoundError(file);
}

/** The program to exec: an existing, executable ELF binary or `#!` script. */
export function resolveProgram(file: string, cwd: string): string {
  if (typeof file !== 'string' || file === '') throw new InvalidOptionError('path', file, 'a program path');
  const full = locate(file, cwd);
  let st;
  try {
    st = statSync(full);
  } catch {
    throw new ProgramNotFoundError(file);
  }
  if (!st.isFile()) throw new ProgramNotExecutableError(file, st.isDirectory() ? 'it is a directory' : 'not a regular file');
  try {
    accessSync(full, fsc.X_OK);
  } catch {
    throw new ProgramNotExecutableError(file, 'no execute permission');
  }
  if ((st.mode & 0o111) === 0) throw new ProgramNotExecutableError(file, 'no execute bit set');
  // execve refuses anything but a binary format or a #! script (ENOEXEC), and a POSIX shell answers that by
  // running the file as a shell script itself: the gate must never do that with, say, a data file.
  const head = Buffer.alloc(4);
  let n = 0;
  try {
    const fd = openSync(full, 'r');
    try { n = readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
  } catch {
    throw new ProgramNotExecutableError(file, 'not readable');
  }
  const elf = n === 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  const script = n >= 2 && head[0] === 0x23 && head[1] === 0x21; // "#!"
  if (!elf && !script) throw new ProgramNotExecutableError(file, 'neither an ELF binary nor a #! script');
  return full;
}

/** The sandbox's own installation (the directory holding dist/): its code and its gate. */
export const INSTALL_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/**
 * A write-allow path must neither contain nor lie inside the sandbox's installation: a program allowed to write
 * there (as the runner's own user, or as a user the files let write) could rewrite the runner's code or its gate,
 * and every later run with it. Refused whoever the program runs as, so the rule does not depend on file modes.
 */
let installReal: string | null = null;

function checkInstallNotWritable(o: Normalized): void {
  if (installReal === null) {
    try { installReal = realpathSync(INSTALL_ROOT); } catch { installReal = INSTALL_ROOT; }
  }
  const install = installReal;
  for (const dir of o.writeAllowPaths) {
    let real: string;
    try { real = realpathSync(dir); } catch { continue; } // the Landlock plan reports missing paths
    if (isAtOrBelow(install, real) || isAtOrBelow(real, install)) {
      throw new InvalidOptionError('config.writeAllowPaths', dir,
        `a directory neither inside nor containing the sandbox's installation (${install}): the program could rewrite `
        + 'the runner and its gate');
    }
  }
}

/**
 * The working directory must be a directory, the program must resolve, and a root runner's program user must be
 * able to execute it and to write the directories it is allowed to write (the kernel would refuse it later, as a
 * confusing RE), and no write-allow path may contain or lie inside the sandbox. Returns the program's absolute path.
 */
export function checkProgram(o: Normalized, file: string): string {
  let cwdStat;
  try { cwdStat = statSync(o.cwd); } catch { throw new InvalidOptionError('cwd', o.cwd, 'an existing directory'); }
  if (!cwdStat.isDirectory()) throw new InvalidOptionError('cwd', o.cwd, 'a directory');
  const program = resolveProgram(file, o.cwd);
  checkInstallNotWritable(o);
  if (o.uid !== null && o.gid !== null) {
    if (!modeAllows(statSync(program), o.uid, o.gid, EXECUTE)) throw new ProgramNotExecutableError(file, `not executable by uid ${o.uid}`);
    for (const dir of o.writeAllowPaths) {
      let ds;
      try { ds = statSync(dir); } catch { continue; } // the Landlock plan reports missing paths
      if (!modeAllows(ds, o.uid, o.gid, WRITE | EXECUTE)) {
        throw new InvalidOptionError('config.writeAllowPaths', dir,
          `a directory uid ${o.uid} / gid ${o.gid} can write: the program runs as that user (chown or chmod the directory, or choose uid/gid)`);
      }
    }
  }
  return program;
}
