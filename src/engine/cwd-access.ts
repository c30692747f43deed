/**
 * Why a gate could not be started with EACCES: the program's user may not enter its working directory. Read from the
 * mode bits of each directory on the way (owner, group, other: as the kernel checks them, without ACLs or
 * supplementary groups), so the message can name the directory instead of only the errno. A hint after the kernel's
 * refusal, never a reason to refuse.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The first directory from / to `dir` (symbolic links resolved) that `uid`:`gid` may not search, or null. */
export function unenterableDir(dir: string, uid: number, gid: number): { dir: string; mode: number; owner: number } | null {
  if (uid === 0) return null;
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return null; // gone or unreadable to the runner: nothing to say
  }
  let at = path.parse(real).root;
  for (const part of ['', ...real.split(path.sep).filter(Boolean)]) {
    at = part === '' ? at : path.join(at, part);
    let st;
    try {
      st = statSync(at);
    } catch {
      return null;
    }
    const bits = st.uid === uid ? (st.mode >> 6) & 7 : st.gid === gid ? (st.mode >> 3) & 7 : st.mode & 7;
    if ((bits & 1) === 0) return { dir: at, mode: st.mode & 0o7777, owner: st.uid };
  }
  return null;
}
