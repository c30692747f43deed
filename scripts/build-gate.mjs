// Part of `npm run build`: compiles the gate (src/gate/gate.c and notify.c), the first process of every run, into dist/gate/gate,
// static (its exec opens no library; its address space, which the program's peak-memory figure starts from, stays
// small). Needs a C compiler: $CC, else cc. Without one the build fails here, naming what to install, and no run
// can start (the engine refuses to run without its gate).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = ['gate.c', 'notify.c'].map((f) => fileURLToPath(new URL(`../src/gate/${f}`, import.meta.url)));
const outDir = fileURLToPath(new URL('../dist/gate/', import.meta.url));
const out = `${outDir}gate`;
const cc = process.env.CC || 'cc';
mkdirSync(outDir, { recursive: true });
try {
  execFileSync(cc, ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', out, ...src], { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (e) {
  const why = e.code === 'ENOENT' ? `no C compiler (${cc}) was found` : `${cc} failed`;
  process.stderr.write(`build-gate: ${why}. The gate is compiled at build time: install gcc and the static C library `
    + '(Debian: apt-get install gcc libc6-dev), or set CC.\n');
  process.exit(1);
}
chmodSync(out, 0o755);
