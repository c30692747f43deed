/**
 * The compile cache: the same source, language (its table entry) and toolchain (the tools' real paths, sizes and
 * mtimes) compile once; later judges copy the artefact from here. Only successful compiles are kept.
 *
 * Where: $SIMPLE_CP_SANDBOX_CACHE, else $XDG_CACHE_HOME/simple-cp-sandbox, else ~/.cache/simple-cp-sandbox; the
 * entries are in its `compile/` directory, one per key (a SHA-256). The directory is the runner's, mode 0700: no
 * program or compiler can read it (it holds other submissions' artefacts, and runs as another user or under a
 * Landlock rule that hides it) nor write to it. A cache directory another user owns, or that others may write, is
 * refused: an artefact planted there would be run as a submission. Clearing it: `rm -rf` the directory.
 *
 * An entry is written in a temporary directory beside it and renamed into place, so a reader sees a whole entry or
 * none; two judges compiling the same source at once both succeed, one of them keeps its entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { chmod, cp, lstat, mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SourceError } from './errors.js';

/** The cache's root directory for this runner (not created). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SIMPLE_CP_SANDBOX_CACHE) return path.resolve(env.SIMPLE_CP_SANDBOX_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'simple-cp-sandbox');
}

/** The cache directory an option names: false for none, else its absolute path (default: defaultCacheDir()). */
export function cacheDirOf(cache: string | false | undefined): string | false {
  return cache === false ? false : path.resolve(cache ?? defaultCacheDir());
}

/** The cache key of a compile: everything its artefact depends on. */
export function cacheKey(parts: Record<string, unknown>, source: Uint8Array): string {
  return createHash('sha256').update(JSON.stringify({ v: 1, ...parts })).update('\0').update(source).digest('hex');
}

async function ownDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new SourceError(`cannot create the compile cache ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): `
      + 'set SIMPLE_CP_SANDBOX_CACHE to a directory of yours, or compile without the cache (--no-cache)', dir, { cause: e });
  }
  const st = await lstat(dir);
  const uid = process.geteuid?.() ?? st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
    throw new SourceError(`refusing the compile cache ${dir}: it must be a directory of this user (uid ${uid}) that `
      + 'no one else can write (chmod 700 it, or set SIMPLE_CP_SANDBOX_CACHE to another directory)', dir);
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

export class CompileCache {
  private constructor(readonly root: string, private readonly entries: string) {}

  /** Opens (creating, 0700) the cache at `root`; refuses one that is not this user's alone. */
  static async open(root: string): Promise<CompileCache> {
    const entries = path.join(root, 'compile');
    await ownDir(root);
    await ownDir(entries);
    return new CompileCache(root, entries);
  }

  /** The entry's directory when `key` is cached, else null. */
  async lookup(key: string): Promise<string | null> {
    const dir = path.join(this.entries, key);
    try {
      const st = await lstat(dir);
      return st.isDirectory() ? dir : null;
    } catch {
      return null;
    }
  }

  /** Stores a copy of `files` (absolute paths) as entry `key`; returns the entry's directory. */
  async store(key: string, files: readonly string[]): Promise<string> {
    const dir = path.join(this.entries, key);
    const tmp = path.join(this.entries, `.tmp-${randomBytes(8).toString('hex')}`);
    await mkdir(tmp, { mode: 0o700 });
    try {
      for (const f of files) await cp(f, path.join(tmp, path.basename(f)), { mode: fsc.COPYFILE_EXCL, preserveTimestamps: false });
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      // Another judge stored the same key meanwhile: its entry is as good as ours.
      if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST') return dir;
      throw e;
    }
    return dir;
  }
}
