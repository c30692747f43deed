/**
 * An in-memory FsView for the planner's pure tests, and a tiny model of how Landlock combines path
 * rules, to check a plan's effect rather than its shape.
 */
import { FILE_ACCESS, type DirEntry, type EntryKind, type FsView, type LandlockPlan } from '../../dist/landlock/index.js';

/** A tree: absolute path -> kind, or { link: target } for a symlink. Parent directories are implied. */
export type TreeSpec = Record<string, Exclude<EntryKind, 'symlink'> | { link: string }>;

interface Node {
  kind: EntryKind;
  link?: string;
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export class MemFs implements FsView {
  readonly nodes = new Map<string, Node>([['/', { kind: 'directory' }]]);
  /** Paths readdir was called on, in order: shows what the planner had to list. */
  readonly listed: string[] = [];
  /** Reverse the order readdir returns entries in, to check the plan does not depend on it. */
  reverse = false;

  constructor(spec: TreeSpec) {
    for (const [path, what] of Object.entries(spec)) {
      for (let p = parentOf(path); !this.nodes.has(p); p = parentOf(p)) this.nodes.set(p, { kind: 'directory' });
      this.nodes.set(path, typeof what === 'string' ? { kind: what } : { kind: 'symlink', link: what.link });
    }
    // Implied parents above may have been added after a deeper path; make sure every ancestor exists.
    for (const p of [...this.nodes.keys()]) {
      for (let q = parentOf(p); q !== '/'; q = parentOf(q)) if (!this.nodes.has(q)) this.nodes.set(q, { kind: 'directory' });
    }
  }

  realpath(path: string): string | null {
    let hops = 0;
    let resolved = '/';
    const pending = path.split('/').filter((c) => c !== '' && c !== '.');
    while (pending.length > 0) {
      const c = pending.shift()!;
      if (c === '..') {
        resolved = parentOf(resolved);
        continue;
      }
      const next = join(resolved, c);
      const node = this.nodes.get(next);
      if (node === undefined) return null;
      if (node.kind === 'symlink') {
        if (++hops > 40) throw Object.assign(new Error(`ELOOP: ${path}`), { code: 'ELOOP' });
        const target = node.link!;
        pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
        if (target.startsWith('/')) resolved = '/';
        continue;
      }
      if (pending.length > 0 && node.kind !== 'directory') return null; // ENOTDIR
      resolved = next;
    }
    return resolved;
  }

  kind(path: string): EntryKind | null {
    return this.nodes.get(path)?.kind ?? null;
  }

  readdir(path: string): DirEntry[] {
    this.listed.push(path);
    const node = this.nodes.get(path);
    if (node?.kind !== 'directory') throw Object.assign(new Error(`ENOTDIR: ${path}`), { code: 'ENOTDIR' });
    const out: DirEntry[] = [];
    for (const [p, n] of this.nodes) {
      if (p !== '/' && parentOf(p) === path) out.push({ name: p.slice(path === '/' ? 1 : path.length + 1), kind: n.kind });
    }
    return this.reverse ? out.reverse() : out;
  }

  /** Every path of the tree that is not a symlink (symlinks get no rule and are resolved by the kernel). */
  paths(): string[] {
    return [...this.nodes].filter(([, n]) => n.kind !== 'symlink').map(([p]) => p);
  }
}

function atOrBelow(p: string, ancestor: string): boolean {
  return ancestor === '/' || p === ancestor || p.startsWith(`${ancestor}/`);
}

/**
 * The rights Landlock grants on `path` (canonical): the union of the rules on the path itself and on
 * every ancestor directory (security/landlock/fs.c walks up the path collecting rule layers).
 */
export function effectiveAccess(plan: LandlockPlan, path: string, isDirectory = true): bigint {
  let access = 0n;
  for (const r of plan.rules) if (atOrBelow(path, r.path)) access |= r.access;
  // Directory rights inherited from a parent's rule mean nothing on a file (landlock.h: a file can only
  // receive EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV).
  return isDirectory ? access : access & FILE_ACCESS;
}
