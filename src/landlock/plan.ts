/**
 * Turns the user's intent (read-deny / write-allow directories) into Landlock allow rules. Pure: a
 * function of the config, the ABI and an FsView, computed once per policy and reused, so it is
 * deterministic (entries visited in sorted order, rules sorted by path).
 *
 * Landlock only allows: a rule grants rights on a file hierarchy, rules add up along a path, and nothing
 * can be taken back beneath a rule. "Read everything except X" therefore cannot be one rule on "/"; it
 * becomes rules on the siblings of every directory on the way from "/" to X. The walk below grants, on
 * each directory it visits, the rights its whole subtree shares, and only descends (lists the directory
 * and visits the entries) where the subtree is not uniform: above a denied path, at "/" and at the two
 * special trees /dev and /proc. Consequences, all documented in docs/principles.md:
 *  - a directory on the way to a denied one gets no rule: traversable (Landlock does not control path
 *    walks) but not listable, because READ_DIR on it would cover the denied child;
 *  - a writable directory that contains a denied one has no rule itself either, so entries cannot be
 *    created directly in it, only in its existing subdirectories;
 *  - rules bind to the inodes that exist now: entries created later in a split directory get nothing.
 *
 * A run has two layers (docs/principles.md, "/dev and /proc"): the POLICY layer above, in which /proc is readable
 * as a whole (a rule on /proc covers processes that do not exist yet), and the OWN-/PROC layer (ownProcLayer),
 * which handles only reading and hides every per-process /proc entry; the engine adds the program's own
 * /proc/PID to it for each run, once that pid exists. Landlock layers intersect: the program reads its own
 * /proc/PID and no other.
 */
import * as posix from 'node:path/posix';
import {
  AccessFs, fsRightsFor, netRightsFor, OWN_PROC_ACCESS, scopesFor, type ResolvedAbi, type SupportedAbi,
} from './abi.js';

export { OWN_PROC_ACCESS } from './abi.js';
import { PlanInvariantError, PlanScanError, SandboxPathError, type PathListName } from './errors.js';
import { nodeFsView, type DirEntry, type EntryKind, type FsView } from './fsview.js';

/** The user's intent (the original runner's read_deny_paths / write_allow_paths). */
export interface LandlockPathConfig {
  /** Directories whose content the program can neither read, list, execute nor write. */
  readonly readDenyPaths: readonly string[];
  /** Directories where the program may create, write, remove, rename and truncate. */
  readonly writeAllowPaths: readonly string[];
}

/** One landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH) call. */
export interface PlanRule {
  /** Canonical absolute path, opened with O_PATH|O_NOFOLLOW and no symlink in any component. */
  readonly path: string;
  /** LANDLOCK_ACCESS_FS_* bits granted on the hierarchy below `path` (or on the file `path`). */
  readonly access: bigint;
  /** Kind when the plan was computed; applying checks it has not changed. */
  readonly isDirectory: boolean;
  /** Why this rule exists, for `doctor` and for reviewing a plan. */
  readonly why: string;
}

/**
 * Which layer a plan is: the run's policy (every right of the ABI handled), or the own-/proc layer (reading only,
 * per-process /proc entries hidden, the program's own added per run).
 */
export type PlanLayer = 'policy' | 'own-proc';

/** Everything needed to restrict a thread, as plain data (structured-clonable to a Worker). */
export interface LandlockPlan {
  readonly layer: PlanLayer;
  /** The ABI the rights are pinned to (the kernel's, capped at the newest this code knows and at landlockAbi). */
  readonly abi: SupportedAbi;
  /** What the kernel reported when the plan was computed. */
  readonly kernelAbi: number;
  /** landlockAbi, the caller's "at most", or null (the kernel's). */
  readonly pinned: SupportedAbi | null;
  /** struct landlock_ruleset_attr.handled_access_fs: every fs right of `abi` (the policy), READ_FILE | READ_DIR (own-proc). */
  readonly handledAccessFs: bigint;
  /** .handled_access_net: BIND_TCP | CONNECT_TCP from ABI 4, with no net rule, so all TCP is denied (the policy; 0 for own-proc). */
  readonly handledAccessNet: bigint;
  /** .scoped: ABSTRACT_UNIX_SOCKET | SIGNAL from ABI 6. */
  readonly scoped: bigint;
  /** The configured paths, resolved to canonical directories, sorted and deduplicated. */
  readonly readDenyPaths: readonly string[];
  readonly writeAllowPaths: readonly string[];
  readonly rules: readonly PlanRule[];
}

/** Rights of "readable": open files for reading, list directories, execute. */
export const READ_ACCESS = AccessFs.EXECUTE | AccessFs.READ_FILE | AccessFs.READ_DIR;

/** Every write-like right: granted only below writeAllowPaths. */
export const WRITE_ACCESS = AccessFs.WRITE_FILE | AccessFs.REMOVE_DIR | AccessFs.REMOVE_FILE | AccessFs.MAKE_CHAR
  | AccessFs.MAKE_DIR | AccessFs.MAKE_REG | AccessFs.MAKE_SOCK | AccessFs.MAKE_FIFO | AccessFs.MAKE_BLOCK
  | AccessFs.MAKE_SYM | AccessFs.REFER | AccessFs.TRUNCATE | AccessFs.IOCTL_DEV;

/**
 * landlock.h: "A file can only receive these access rights". The kernel rejects (EINVAL) a rule on a
 * non-directory with any other bit.
 */
export const FILE_ACCESS = AccessFs.EXECUTE | AccessFs.WRITE_FILE | AccessFs.READ_FILE | AccessFs.TRUNCATE
  | AccessFs.IOCTL_DEV;

export const DEV_ROOT = '/dev';
export const PROC_ROOT = '/proc';

/**
 * The only device nodes a program gets, and only when they are character devices: the ones the C and
 * C++ runtimes, shells and random-number libraries open. No IOCTL_DEV: isatty() on /dev/null then fails
 * with EACCES instead of ENOTTY, which every caller treats as "not a terminal".
 */
export const DEVICE_ALLOWANCES: Readonly<Record<string, bigint>> = {
  null: AccessFs.READ_FILE | AccessFs.WRITE_FILE,
  zero: AccessFs.READ_FILE,
  random: AccessFs.READ_FILE,
  urandom: AccessFs.READ_FILE,
};

/**
 * /proc entries that lead to processes: the numeric per-process directories and the self / thread-self
 * symlinks. The own-/proc layer hides them, so that the program reads no other process's /proc files, in
 * particular not the runner's cmdline (world-readable and not covered by Landlock's ptrace restriction); the
 * engine then adds the program's own /proc/PID.
 */
export function isPerProcessProcEntry(name: string): boolean {
  return /^[0-9]+$/.test(name) || name === 'self' || name === 'thread-self';
}

/** `p` equals `ancestor` or lies below it (both canonical). */
export function isAtOrBelow(p: string, ancestor: string): boolean {
  return ancestor === '/' || p === ancestor || p.startsWith(`${ancestor}/`);
}

function isBelow(p: string, ancestor: string): boolean {
  return p !== ancestor && isAtOrBelow(p, ancestor);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND_WORDS: Record<EntryKind, string> = {
  directory: 'a directory', file: 'a regular file', symlink: 'a symlink', 'char-device': 'a character device',
  'block-device': 'a block device', fifo: 'a FIFO', socket: 'a socket', other: 'not a directory',
};

/** Validates and canonicalises one configured list; every problem is an error naming the path. */
function resolvePaths(list: PathListName, paths: readonly string[], view: FsView): string[] {
  if (!Array.isArray(paths)) throw new TypeError(`${list} must be an array of paths`);
  const out = new Set<string>();
  for (const p of paths) {
    if (typeof p !== 'string' || p.length === 0 || p.includes('\0') || !posix.isAbsolute(p)) {
      throw new SandboxPathError(list, String(p), 'not-absolute', 'is not an absolute path');
    }
    let real: string | null;
    try {
      real = view.realpath(p);
    } catch (err) {
      throw new SandboxPathError(list, p, 'inaccessible', `cannot be resolved: ${(err as Error).message}`);
    }
    if (real === null) throw new SandboxPathError(list, p, 'missing', 'does not exist');
    const kind = view.kind(real);
    if (kind === null) throw new SandboxPathError(list, p, 'missing', 'does not exist');
    if (kind !== 'directory') {
      throw new SandboxPathError(list, p, 'not-a-directory',
        `is ${KIND_WORDS[kind]}${real !== p ? ` (resolved to ${real})` : ''}, not a directory`);
    }
    if (list === 'readDenyPaths' && real === '/') {
      throw new SandboxPathError(list, p, 'denies-root', `resolves to "/": denying the root would deny everything`);
    }
    if (list === 'writeAllowPaths') {
      for (const special of [DEV_ROOT, PROC_ROOT]) {
        if (isAtOrBelow(special, real)) {
          throw new SandboxPathError(list, p, 'forbidden-write-location',
            `resolves to ${real}, which contains ${special}: it would make ${special === DEV_ROOT
              ? 'every device node' : 'every process\'s /proc files'} writable`);
        }
      }
      if (isBelow(real, PROC_ROOT)) {
        throw new SandboxPathError(list, p, 'forbidden-write-location', `resolves to ${real}, inside /proc`);
      }
    }
    out.add(real);
  }
  return [...out].sort(byCodeUnits);
}

function label(access: bigint): string {
  const r = (access & READ_ACCESS) !== 0n;
  const w = (access & WRITE_ACCESS) !== 0n;
  return r && w ? 'read+write' : w ? 'write' : 'read';
}

class Walk {
  readonly rules: PlanRule[] = [];

  constructor(
    private readonly deny: readonly string[],
    private readonly write: readonly string[],
    private readonly handledFs: bigint,
    private readonly view: FsView,
    /** The own-/proc layer: /proc is always split and its per-process entries get no rule. */
    private readonly hideProcesses: boolean,
  ) {}

  denied(p: string): boolean {
    return this.deny.some((d) => isAtOrBelow(p, d));
  }

  /** Ancestors of a denied path: no rule may land on them, since it would cover the denied path. */
  denyBelow(p: string): boolean {
    return this.deny.some((d) => isBelow(d, p));
  }

  writableRoot(p: string): string | undefined {
    return this.write.find((w) => isAtOrBelow(p, w));
  }

  /** Rights the whole subtree at `p` wants when nothing below it is special. */
  base(p: string): bigint {
    // The own-/proc layer grants everything it handles wherever it has a rule (the policy layer decides).
    if (this.hideProcesses) return this.handledFs;
    const writable = this.writableRoot(p) !== undefined;
    let access: bigint;
    if (isBelow(p, PROC_ROOT)) access = READ_ACCESS; // writeAllowPaths cannot reach into /proc
    else if (isBelow(p, DEV_ROOT)) access = writable ? READ_ACCESS | WRITE_ACCESS : 0n; // devices: allowances only
    else access = READ_ACCESS | (writable ? WRITE_ACCESS : 0n);
    return access & this.handledFs;
  }

  /** Why `p` gets the rights of its zone; `context` says why its parent was listed. */
  reason(p: string, context: string): string {
    const w = this.writableRoot(p);
    if (w === p) return 'writeAllowPaths entry';
    if (w !== undefined) return `inside writeAllowPaths entry ${w}, ${context}`;
    return context;
  }

  emit(path: string, access: bigint, isDirectory: boolean, why: string): void {
    const granted = isDirectory ? access : access & FILE_ACCESS;
    if (granted === 0n) return;
    this.rules.push({ path, access: granted, isDirectory, why: `${label(granted)}: ${why}` });
  }

  /** Why a directory had to be listed instead of getting one rule. */
  splitCause(p: string): string {
    const causes: string[] = [];
    const denied = this.deny.filter((d) => isBelow(d, p));
    if (denied.length > 0) causes.push(`beside denied ${denied.join(', ')}`);
    if (p === '/') causes.push(this.hideProcesses ? '/dev and /proc are handled apart' : '/dev is handled apart');
    if (p === DEV_ROOT) causes.push('/dev gets no blanket rule');
    return `entry of ${p} (${causes.join('; ')})`;
  }

  visitDir(p: string, context: string): void {
    if (p === '/' || p === DEV_ROOT || (p === PROC_ROOT && this.hideProcesses) || this.denyBelow(p)) {
      this.split(p);
      return;
    }
    const access = this.base(p);
    this.emit(p, access, true, this.reason(p, context));
    if (this.writableRoot(p) !== undefined) return;
    // Writable directories below a uniform one need only the rights it lacks, and no listing.
    const below = this.write.filter((w) => isBelow(w, p));
    const outermost = below.filter((w) => !below.some((o) => o !== w && isBelow(w, o)));
    for (const w of outermost) this.emit(w, this.base(w) & ~access, true, 'writeAllowPaths entry');
  }

  split(p: string): void {
    let entries: DirEntry[];
    try {
      entries = this.view.readdir(p);
    } catch (err) {
      throw new PlanScanError(p, err);
    }
    const cause = p === PROC_ROOT && this.hideProcesses ? 'entry of /proc that is not per-process' : this.splitCause(p);
    for (const e of [...entries].sort((a, b) => byCodeUnits(a.name, b.name))) {
      const c = p === '/' ? `/${e.name}` : `${p}/${e.name}`;
      // Per-process entries listed now are the processes of now: a split /proc never names them (the policy
      // layer splits /proc only around a denied path in it; the program's own /proc/PID is then not readable).
      if (p === PROC_ROOT && isPerProcessProcEntry(e.name)) continue;
      // A symlink gets no rule and is not followed: it could point at a denied path, and its target is
      // governed by the rules of wherever it lives.
      if (e.kind === 'symlink') continue;
      if (this.denied(c)) continue;
      if (p === DEV_ROOT && e.kind !== 'directory') {
        const allowance = DEVICE_ALLOWANCES[e.name];
        if (allowance !== undefined && e.kind === 'char-device') {
          this.emit(c, allowance & this.handledFs, false, 'device node a normal program needs');
        }
        continue;
      }
      if (e.kind === 'directory') this.visitDir(c, cause);
      else this.emit(c, this.base(c), false, this.reason(c, cause));
    }
  }

  /** Defence in depth: a rule that could cover a denied path is a bug, caught before anything runs. */
  check(): void {
    const seen = new Set<string>();
    for (const r of this.rules) {
      if (seen.has(r.path)) throw new PlanInvariantError(r.path, 'appears twice');
      seen.add(r.path);
      if (this.denied(r.path)) throw new PlanInvariantError(r.path, 'lies in a denied path');
      if (this.denyBelow(r.path)) throw new PlanInvariantError(r.path, 'would cover a denied path');
      if (r.access === 0n || (r.access & ~this.handledFs) !== 0n) {
        throw new PlanInvariantError(r.path, 'grants no right or a right the ruleset does not handle');
      }
      if (!r.isDirectory && (r.access & ~FILE_ACCESS) !== 0n) {
        throw new PlanInvariantError(r.path, 'grants directory rights on a non-directory');
      }
      const device = isBelow(r.path, DEV_ROOT) ? DEVICE_ALLOWANCES[r.path.slice(DEV_ROOT.length + 1)] : undefined;
      // The own-/proc layer handles no write right but REFER, and leaves every write to the policy layer.
      const mayWrite = this.hideProcesses ? this.handledFs : this.writableRoot(r.path) !== undefined ? WRITE_ACCESS : device ?? 0n;
      if ((r.access & WRITE_ACCESS & ~mayWrite) !== 0n) {
        throw new PlanInvariantError(r.path, 'grants write rights outside writeAllowPaths');
      }
      if (isBelow(r.path, PROC_ROOT) && isPerProcessProcEntry(r.path.slice(PROC_ROOT.length + 1).split('/')[0] ?? '')) {
        throw new PlanInvariantError(r.path, 'names a per-process /proc entry');
      }
      if (this.hideProcesses && isAtOrBelow(PROC_ROOT, r.path)) {
        throw new PlanInvariantError(r.path, 'covers every per-process /proc entry in the own-/proc layer');
      }
    }
  }
}

function plan(layer: PlanLayer, config: LandlockPathConfig, abi: ResolvedAbi, view: FsView): LandlockPlan {
  const readDenyPaths = resolvePaths('readDenyPaths', config.readDenyPaths, view);
  const writeAllowPaths = resolvePaths('writeAllowPaths', config.writeAllowPaths, view);
  const handledAccessFs = layer === 'policy' ? fsRightsFor(abi.abi) : OWN_PROC_ACCESS;
  // Deny wins everywhere: a writable path at or inside a denied one is simply never reached by the walk.
  // A deny inside another deny changes nothing; keeping only the outermost keeps the `why`s identical.
  const outermostDeny = readDenyPaths.filter((d) => !readDenyPaths.some((o) => o !== d && isAtOrBelow(d, o)));
  const walk = new Walk(outermostDeny, writeAllowPaths, handledAccessFs, view, layer === 'own-proc');
  if (view.kind('/') !== 'directory') throw new PlanScanError('/', new Error('"/" is not a directory in this view'));
  walk.visitDir('/', '');
  walk.check();
  const rules = [...walk.rules].sort((a, b) => byCodeUnits(a.path, b.path));
  return {
    layer,
    abi: abi.abi,
    kernelAbi: abi.kernelAbi,
    pinned: abi.pinned ?? null,
    handledAccessFs,
    handledAccessNet: layer === 'policy' ? netRightsFor(abi.abi) : 0n,
    scoped: scopesFor(abi.abi),
    readDenyPaths,
    writeAllowPaths,
    rules,
  };
}

/**
 * Computes the rules for `config` on the kernel ABI `abi` (from resolveAbi) over the filesystem `view`: the run's
 * policy layer. Throws SandboxPathError for a bad configured path and PlanScanError when a directory cannot be
 * listed.
 */
export function computeLandlockPlan(config: LandlockPathConfig, abi: ResolvedAbi, view: FsView = nodeFsView): LandlockPlan {
  return plan('policy', config, abi, view);
}

/**
 * The own-/proc layer's rules (without the program's /proc/PID, which the engine adds for each run): everything
 * readable but the per-process /proc entries. Its scopes are the ABI's too, so that a program cannot signal out of
 * this layer either: the gate (src/gate/gate.c), which stays in the policy layer only, is outside it.
 */
export function ownProcLayer(abi: ResolvedAbi, view: FsView = nodeFsView): LandlockPlan {
  return plan('own-proc', { readDenyPaths: [], writeAllowPaths: [] }, abi, view);
}

/** The rule the engine adds to the own-/proc layer for the program whose pid is `pid`. */
export function ownProcRule(pid: number): PlanRule {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`not a pid: ${pid}`);
  return { path: `${PROC_ROOT}/${pid}`, access: AccessFs.READ_FILE | AccessFs.READ_DIR, isDirectory: true,
    why: 'read: the program\'s own /proc/PID' };
}
