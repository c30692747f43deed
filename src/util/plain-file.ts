/**
 * Reading a file a sandboxed program made, with the runner's rights: never through a symlink (O_NOFOLLOW), never a
 * FIFO or a device (it must be a regular file; O_NONBLOCK so that opening a FIFO cannot block), never a hard link to
 * a file elsewhere (one link), only of the given owners, and at most `maxBytes`. Anything else is refused (null),
 * so a program cannot make the runner read /etc/shadow for it, or hang it.
 */
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';

/** The file's bytes, or null with the reason when it is not a plain file of one of `owners` within `maxBytes`. */
export async function readPlainFile(p: string, owners: readonly number[], maxBytes: number): Promise<{ data: Buffer } | { refused: string }> {
  let fh;
  try {
    fh = await open(p, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { refused: code === 'ELOOP' ? 'a symlink' : `cannot open it (${code ?? (e as Error).message})` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { refused: 'not a regular file' };
    if (st.nlink !== 1) return { refused: 'a file with more than one link' };
    if (!owners.includes(st.uid)) return { refused: `owned by uid ${st.uid}` };
    if (st.size > maxBytes) return { refused: `${st.size} bytes, above ${maxBytes}` };
    const data = await fh.readFile();
    return data.length > maxBytes ? { refused: `more than ${maxBytes} bytes` } : { data };
  } finally {
    await fh.close();
  }
}
