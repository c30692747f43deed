/**
 * What a run has written in its write-allowed directories, for the write limit (RunOptions.writeLimit): the
 * allocated size of every file and directory below them (st_blocks), each counted as at least one 4 KiB block, so
 * that many empty files count too. Symlinks are not followed (lstat). A walk that meets more than MAX_ENTRIES
 * entries stops and reports Infinity: that many files is over any sane limit, and the walk's own cost stays bounded.
 * A directory the runner cannot list (a program's `chmod 0300 d`, for a runner that is not root) is Infinity too:
 * what cannot be counted is over the limit. Files deleted while still open are not seen (their blocks stay in use
 * until they are closed).
 */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

const BLOCK = 4096;
export const MAX_ENTRIES = 200_000;

/** Bytes below `dirs` (not counting the directories themselves), or Infinity past MAX_ENTRIES. */
export function diskUse(dirs: readonly string[]): number {
  let total = 0;
  let entries = 0;
  const stack = [...dirs];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue; // removed meanwhile
      return Infinity; // cannot be counted
    }
    for (const name of names) {
      if (++entries > MAX_ENTRIES) return Infinity;
      const p = path.join(dir, name);
      try {
        const st = lstatSync(p);
        total += Math.max(BLOCK, st.blocks * 512);
        if (st.isDirectory()) stack.push(p);
      } catch { /* gone meanwhile */ }
    }
  }
  return total;
}
