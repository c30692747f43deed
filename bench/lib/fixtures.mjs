// Compiles the bench's C programs (fixtures/bench/*.c, and the tests' fixtures/programs/*.c it shares) into a fresh
// 0755 temporary directory: a root runner's programs run as uid 65534, which must be able to reach and execute them.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
/** Sources under fixtures/; each is compiled to its base name. */
export const PROGRAMS = ['bench/echo', 'bench/cpu', 'bench/pingpong', 'bench/signals', 'programs/maxrss', 'programs/touch_then', 'programs/recurse'];
export const CFLAGS = ['-O2', '-Wall', '-Wextra'];

export function compileFixtures() {
  const dir = mkdtempSync(path.join(tmpdir(), 'scs-bench-'));
  chmodSync(dir, 0o755);
  const bin = {};
  const commands = [];
  for (const source of PROGRAMS) {
    const name = path.basename(source);
    const out = path.join(dir, name);
    const args = [...CFLAGS, '-o', out, path.join(FIXTURES, `${source}.c`)];
    try {
      execFileSync('gcc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`gcc failed for fixtures/${source}.c: ${e.stderr?.toString().trim() || e.message}`);
    }
    chmodSync(out, 0o755);
    bin[name] = out;
    commands.push(`gcc ${CFLAGS.join(' ')} -o $TMP/${name} fixtures/${source}.c`);
  }
  /** A fresh 0755 directory under the temporary one (scratch space for the pool and judge sections). */
  const scratch = (name) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true, mode: 0o755 });
    chmodSync(d, 0o755);
    return d;
  };
  return { dir, bin, commands, scratch, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
