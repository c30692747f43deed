/**
 * The generated syscall tables: they match what scripts/gen-syscalls.mjs makes from the installed headers,
 * they hold the numbers the kernel uses (anchors checked by hand against arch/x86/entry/syscalls/syscall_64.tbl
 * and include/uapi/asm-generic/unistd.h), and the generator refuses a supplement that contradicts a header.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxSyscallNumber, syscallName, syscallNumber, syscallTable, type Arch } from '../../dist/seccomp/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GENERATOR = path.join(ROOT, 'scripts/gen-syscalls.mjs');
const HEADERS = ['x86_64-linux-gnu/asm/unistd_64.h', 'asm-generic/unistd.h', 'linux/version.h'];
const haveHeaders = HEADERS.slice(0, 2).every((h) => fs.existsSync(path.join('/usr/include', h)));
if (!haveHeaders) console.log('tables.test: the generator tests are skipped: /usr/include lacks the kernel UAPI headers (apt-get install linux-libc-dev)');

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

function gen(args: string[]) {
  return spawnSync(process.execPath, [GENERATOR, ...args], { encoding: 'utf8' });
}

/** A copy of the installed headers, with `extra` appended to the x86_64 one. */
function includeDirWith(extra: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-syscalls-'));
  temps.push(dir);
  for (const h of HEADERS) {
    const src = path.join('/usr/include', h);
    if (!fs.existsSync(src)) continue;
    fs.mkdirSync(path.dirname(path.join(dir, h)), { recursive: true });
    fs.copyFileSync(src, path.join(dir, h));
  }
  fs.appendFileSync(path.join(dir, HEADERS[0]!), extra);
  return dir;
}

describe.skipIf(!haveHeaders)('scripts/gen-syscalls.mjs', () => {
  it('reproduces the committed tables from the installed headers (--check)', () => {
    const r = gen(['--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses a supplement entry whose name the headers number differently', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-out-'));
    temps.push(out);
    const r = gen(['--include-dir', includeDirWith('#define __NR_fchmodat2 500\n'), '--out-dir', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/supplement fchmodat2 = 452 \(Linux 6\.6\) collides with the x86_64 header's fchmodat2 = 500/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('refuses a supplement entry whose number the headers give another name', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-out-'));
    temps.push(out);
    const r = gen(['--include-dir', includeDirWith('#define __NR_something_else 457\n'), '--out-dir', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/supplement statmount = 457 \(Linux 6\.8\) collides with the x86_64 header's something_else = 457/);
  });

  it('accepts and reports a supplement entry the headers already carry identically', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-out-'));
    temps.push(out);
    const r = gen(['--include-dir', includeDirWith('#define __NR_cachestat 451\n'), '--out-dir', out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/x86_64 headers already define cachestat = 451; the supplement entry is redundant/);
    const x86 = fs.readFileSync(path.join(out, 'x86_64.ts'), 'utf8');
    expect(x86).toMatch(/^ {2}cachestat: +451,$/m);
    expect(x86).toMatch(/^\/\/ GENERATED FILE, do not edit/);
  });
});

describe('the tables', () => {
  const anchors: Record<Arch, Record<string, number>> = {
    x86_64: { read: 0, write: 1, ioctl: 16, socket: 41, sendto: 44, clone: 56, fork: 57, vfork: 58, personality: 135,
      _sysctl: 156, seccomp: 317, uretprobe: 335, uprobe: 336, pidfd_send_signal: 424, clone3: 435, set_mempolicy_home_node: 450,
      cachestat: 451, fchmodat2: 452, map_shadow_stack: 453, statmount: 457, mseal: 462, open_tree_attr: 467, file_setattr: 469 },
    aarch64: { io_setup: 0, ioctl: 29, renameat: 38, openat: 56, close: 57, fstat: 80, personality: 92, exit_group: 94,
      socket: 198, sendto: 206, clone: 220, seccomp: 277, clone3: 435, memfd_secret: 447, statmount: 457, listmount: 458,
      setxattrat: 463, removexattrat: 466, file_getattr: 468, file_setattr: 469 },
  };

  it.each(Object.entries(anchors))('%s: anchor numbers', (arch, expected) => {
    for (const [name, nr] of Object.entries(expected)) {
      expect(syscallNumber(name, arch as Arch), name).toBe(nr);
      expect(syscallName(nr, arch as Arch), String(nr)).toBe(name);
    }
  });

  it('aarch64 has no legacy calls and no 32-bit variants', () => {
    for (const name of ['fork', 'vfork', 'open', 'stat', 'chmod', 'fcntl64', 'mmap2', 'clock_gettime64', 'uretprobe', 'arch_specific_syscall', 'syscalls']) {
      expect(syscallNumber(name, 'aarch64'), name).toBeUndefined();
    }
    expect(syscallNumber('syscalls', 'x86_64')).toBeUndefined();
  });

  it.each(['x86_64', 'aarch64'] as const)('%s: names and numbers are one-to-one, sorted, and up to Linux 6.18 (469)', (arch) => {
    const table = syscallTable(arch);
    expect(new Set(table.map(([, n]) => n)).size).toBe(table.length);
    for (const [name, nr] of table) expect(syscallName(nr, arch)).toBe(name);
    expect(table.map(([, n]) => n)).toEqual([...table.map(([, n]) => n)].sort((a, b) => a - b));
    expect(maxSyscallNumber(arch)).toBe(469);
    expect(syscallName(470, arch)).toBeUndefined();
  });

  it('every syscall numbered >= 424 has the same number on both architectures', () => {
    const arm = new Map(syscallTable('aarch64'));
    let shared = 0;
    for (const [name, nr] of syscallTable('x86_64')) {
      if (nr < 424) continue;
      expect(arm.get(name), name).toBe(nr);
      shared++;
    }
    expect(shared).toBe(469 - 424 + 1);
  });

  it('answers undefined for unknown names and numbers, and refuses unknown architectures', () => {
    expect(syscallNumber('nope', 'x86_64')).toBeUndefined();
    expect(syscallNumber('constructor', 'x86_64')).toBeUndefined();
    expect(syscallName(-1, 'x86_64')).toBeUndefined();
    expect(() => syscallNumber('read', 'i386' as Arch)).toThrow(/unknown architecture "i386"/);
  });
});
