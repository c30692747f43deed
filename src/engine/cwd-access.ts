/**
 * Why a gate could not be started with EACCES: the program's user may not enter its working directory. Read from the
 * mode bits of each directory on the way (owner, group, other: as the kernel checks them, without ACLs or
 * supplementary groups), so the message can name the directory instead of only the errno.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

/** The first directory from / to `dir` that `uid`:`gid` may not search (x), or null when none is found. */
export function unenterableDir(dir: string, uid: number, gid: number): string | null {
  if (uid === 0) return null;
  let at = path.parse(path.resolve(dir)).root;
  for (const part of ['', ...path.resolve(dir).split(path.sep).filter(Boolean)]) {
    at = part === '' ? at : path.join(at, part);
    let st;
    try {
      st = statSync(at);
    } catch {
      return null; // gone or unreadable to the runner: nothing to say
    }
    const bits = st.uid === uid ? (st.mode >> 6) & 7 : st.gid === gid ? (st.mode >> 3) & 7 : st.mode & 7;
    if ((bits & 1) === 0) return at;
  }
  return null;
}
