/**
 * The /proc parsers of src/engine/procfs.ts on literal text (no kernel), and the readers on this process.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitsMismatch, parseStat, sampleProc, statusKiB, tasksOwnedBy } from '../../dist/engine/procfs.js';

// A /proc/PID/stat line whose comm holds a space and a parenthesis: fields after the LAST ')' are the ones counted.
const STAT = '4242 (a b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 1 0 12345 1000000 200 '
  + '18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';

const STATUS = 'Name:\tsolution\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t  204800 kB\nVmSize:\t  100000 kB\n'
  + 'VmHWM:\t    1536 kB\nVmRSS:\t    1024 kB\nThreads:\t1\n';

const LIMITS = [
  'Limit                     Soft Limit           Hard Limit           Units     ',
  'Max cpu time              3                    3                    seconds   ',
  'Max file size             268435456            268435456            bytes     ',
  'Max processes             1                    1                    processes ',
  'Max open files            64                   128                  files     ',
].join('\n');

describe('parseStat', () => {
  it('reads utime + stime after the last parenthesis', () => {
    expect(parseStat(STAT)).toEqual({ cpuSeconds: 1.75 });
  });
});

describe('status fields', () => {
  it('reads VmHWM, VmPeak and VmRSS in KiB, and 0 for a missing field', () => {
    expect(statusKiB(STATUS, 'VmHWM')).toBe(1536);
    expect(statusKiB(STATUS, 'VmPeak')).toBe(204800);
    expect(statusKiB(STATUS, 'VmRSS')).toBe(1024);
    expect(statusKiB('Name:\tkthread\n', 'VmHWM')).toBe(0);
  });
});

describe('limitsMismatch', () => {
  it('is null when every soft and hard value is the expected one', () => {
    expect(limitsMismatch(LIMITS, { 'Max cpu time': 3, 'Max file size': 268435456, 'Max processes': 1 })).toBeNull();
  });

  it('names the first row whose soft or hard value differs, or that is missing', () => {
    expect(limitsMismatch(LIMITS, { 'Max cpu time': 4 })).toBe('"Max cpu time              3                    3                    seconds" (expected 4)');
    expect(limitsMismatch(LIMITS, { 'Max open files': 64 })).toMatch(/^"Max open files +64 +128 +files" \(expected 64\)$/);
    expect(limitsMismatch(LIMITS, { 'Max stack size': 8388608 })).toBe('"Max stack size missing" (expected 8388608)');
  });
});

describe('readers on this process', () => {
  it('sampleProc sees this process, and null for a pid that does not exist', () => {
    const s = sampleProc(process.pid)!;
    expect(s.hwm).toBeGreaterThan(0);
    expect(s.data).toBeGreaterThan(0);
    expect(s.cpu).toBeGreaterThan(0);
    expect(sampleProc(0x7ffffff0)).toBeNull();
  });

  it('tasksOwnedBy counts this process\'s own threads among its uid\'s tasks', () => {
    expect(tasksOwnedBy(process.getuid!())).toBeGreaterThanOrEqual(1);
    expect(tasksOwnedBy(0xfffffff0)).toBe(0);
  });

  // Another process whose second thread alone dropped to a uid (as another runner's spawner threads do): its
  // leader's Uid line shows root, yet RLIMIT_NPROC counts that thread for the uid, and so must tasksOwnedBy.
  it.skipIf(process.getuid?.() !== 0)('tasksOwnedBy counts a thread of another process that dropped to the uid on its own', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scs-procfs-'));
    try {
      const src = path.join(dir, 't.c');
      fs.writeFileSync(src, '#define _GNU_SOURCE\n#include <pthread.h>\n#include <stdio.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n'
        + 'static void *drop(void *a) { (void)a; if (syscall(SYS_setresuid, 4242424, 4242424, 4242424) != 0) { perror("setresuid"); _exit(1); }\n'
        + '  puts("dropped"); fflush(stdout); pause(); return 0; }\n'
        + 'int main(void) { pthread_t t; pthread_create(&t, 0, drop, 0); pause(); }\n');
      execFileSync('gcc', ['-O2', '-pthread', '-o', path.join(dir, 't'), src]);
      const before = tasksOwnedBy(4242424);
      const child = spawn(path.join(dir, 't'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('dropped')) resolve(); });
          child.on('exit', (code) => reject(new Error(`the probe exited ${code}`)));
        });
        // Control: the leader's Uid line is still root's (a count by Uid lines alone would miss the thread).
        expect(/^Uid:\s+0\s/m.test(fs.readFileSync(`/proc/${child.pid}/status`, 'latin1'))).toBe(true);
        expect(tasksOwnedBy(4242424)).toBe(before + 1);
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
