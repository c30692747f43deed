/**
 * The planner's only window on the filesystem. Rule computation is a pure function of a config, an ABI
 * and an FsView; tests pass an in-memory view, the runner passes nodeFsView (synchronous node:fs, no
 * Landlock syscalls: reading the tree is ordinary file access).
 */
import * as fs from 'node:fs';

/** What a directory entry is, without following a final symlink. */
export type EntryKind = 'directory' | 'file' | 'symlink' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'other';

export interface DirEntry {
  readonly name: string;
  readonly kind: EntryKind;
}

export interface FsView {
  /**
   * The canonical absolute path with every symlink resolved, or null when the path or one of its
   * components does not exist. Other failures (EACCES, ELOOP) throw an Error with a `code`.
   */
  realpath(path: string): string | null;
  /** What `path` is without following a final symlink, or null when it does not exist. */
  kind(path: string): EntryKind | null;
  /** The entries of a directory (not "." or ".."), with their kinds; throws when it cannot be listed. */
  readdir(path: string): DirEntry[];
}

function kindOf(e: fs.Dirent | fs.Stats): EntryKind {
  if (e.isSymbolicLink()) return 'symlink';
  if (e.isDirectory()) return 'directory';
  if (e.isFile()) return 'file';
  if (e.isCharacterDevice()) return 'char-device';
  if (e.isBlockDevice()) return 'block-device';
  if (e.isFIFO()) return 'fifo';
  if (e.isSocket()) return 'socket';
  return 'other';
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The real filesystem through synchronous node:fs. */
export const nodeFsView: FsView = {
  realpath(path) {
    try {
      return fs.realpathSync.native(path);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  },
  kind(path) {
    try {
      const st = fs.lstatSync(path, { throwIfNoEntry: false });
      return st ? kindOf(st) : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  },
  readdir(path) {
    // Node resolves DT_UNKNOWN entries with lstat, so every kind is exact.
    return fs.readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOf(d) }));
  },
};
