/**
 * The write limit (RunOptions.writeLimit, --write-limit): a program that fills its allowed directory with many
 * files, each under RLIMIT_FSIZE, is stopped once the total it added passes the limit (OLE, limit 'disk'); the
 * control shows the same program writing far more without it; many empty files count too; what was there before
 * the run does not count. C programs compiled at test time.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { diskUse } from '../../dist/engine/diskuse.js';
import { MiB, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let filler: string;

beforeAll(() => {
  s = scratch('write-limit');
  const src = path.join(s.dir('src'), 'fill.c');
  // fill DIR SIZE [MAX]: files DIR/fN of SIZE bytes (0: empty files), until something fails or MAX files; prints how many.
  fs.writeFileSync(src, '#include <fcntl.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n'
    + 'static char buf[1 << 20];\nint main(int argc, char **argv) { long size = atol(argv[2]); long max = argc > 3 ? atol(argv[3]) : -1;\n'
    + '  long n = 0; memset(buf, 7, sizeof buf);\n'
    + '  for (;; n++) { if (n == max) return 0; char p[4096]; snprintf(p, sizeof p, "%s/f%ld", argv[1], n);\n'
    + '    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644); if (fd < 0) break;\n'
    + '    for (long left = size; left > 0; left -= sizeof buf) if (write(fd, buf, left < (long)sizeof buf ? left : (long)sizeof buf) < 0) break;\n'
    + '    close(fd); printf("%ld\\n", n); fflush(stdout); }\n  perror("open"); return 1; }\n');
  filler = path.join(s.dir('bin'), 'fill');
  execFileSync('gcc', ['-O2', '-o', filler, src]);
  fs.chmodSync(filler, 0o755);
});
afterAll(async () => {
  await shutdown();
  s?.remove();
});

function writable(name: string): string {
  const d = s.dir(name);
  fs.chmodSync(d, 0o777);
  return d;
}

describe('the write limit', () => {
  it('control: under a higher limit, the same program writes 96 files of 1 MiB, each within RLIMIT_FSIZE', async () => {
    const d = writable('control');
    const r = await runExecutable(filler, [d, String(MiB), '96'], { timeout: 10, config: { writeAllowPaths: [d] }, writeLimit: 1024 * MiB });
    expect(r.status, text(r.stderr)).toBe('OK');
    expect(diskUse([d])).toBeGreaterThanOrEqual(96 * MiB);
  });

  it('many 1 MiB files: stopped past 16 MiB in all, OLE with limit disk', async () => {
    const d = writable('files');
    const r = await runExecutable(filler, [d, String(MiB)], { timeout: 10, config: { writeAllowPaths: [d] }, writeLimit: 16 * MiB });
    expect(r).toMatchObject({ status: 'OLE', limit: 'disk', signal: 'SIGKILL' });
    const used = diskUse([d]);
    console.log(`written before the kill: ${(used / MiB).toFixed(1)} MiB for a limit of 16 MiB`);
    expect(used).toBeGreaterThan(16 * MiB);
    expect(used).toBeLessThan(16 * MiB + 512 * MiB);
  });

  it('many empty files count too (4 KiB each)', async () => {
    const d = writable('empty');
    const r = await runExecutable(filler, [d, '0'], { timeout: 10, config: { writeAllowPaths: [d] }, writeLimit: 4 * MiB });
    expect(r).toMatchObject({ status: 'OLE', limit: 'disk' });
    expect(fs.readdirSync(d).length).toBeGreaterThan(1024);
  });

  it('what the directory held before the run does not count', async () => {
    const d = writable('before');
    fs.writeFileSync(path.join(d, 'old'), Buffer.alloc(8 * MiB, 1));
    const r = await runExecutable('/bin/sh', ['-c', `echo hi > ${d}/new`], { config: { writeAllowPaths: [d] }, writeLimit: MiB });
    expect(r.status, text(r.stderr)).toBe('OK');
  });

  it('what is written just before the program exits is counted too (a last count at the end)', async () => {
    const d = writable('burst');
    const r = await runExecutable(filler, [d, String(MiB), '8'], { timeout: 10, config: { writeAllowPaths: [d] }, writeLimit: 4 * MiB });
    expect(r).toMatchObject({ status: 'OLE', limit: 'disk' });
  });

  it('a program cannot hide files from the count by making a directory unlistable: chmod is refused', async () => {
    const d = writable('hidden');
    const script = `mkdir ${d}/d && chmod 300 ${d}/d && exec ${filler} ${d}/d ${MiB}`;
    const r = await runExecutable('/bin/sh', ['-c', script], { timeout: 10, processes: 4, config: { writeAllowPaths: [d] }, writeLimit: 8 * MiB });
    expect(r.status).toBe('RE');
    expect(text(r.stderr)).toMatch(/chmod: .*Operation not permitted/);
    // And a directory the runner cannot list counts as over any limit (for a runner that is not root: init's fds).
    if (process.geteuid?.() !== 0) expect(diskUse(['/proc/1/fd'])).toBe(Infinity);
  });

  it('is an option like the others: a bad value is refused', async () => {
    await expect(runExecutable('/bin/true', [], { writeLimit: -1 })).rejects.toThrow(/writeLimit/);
  });
});
