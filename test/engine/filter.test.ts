/**
 * The filter a run installs (src/engine/filter.ts, filter-patch.ts): the build's precompiled templates equal a
 * live compilation, patching replaces exactly the placeholders, and the engine's own rules do what they say,
 * checked through the BPF interpreter on both architectures.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_USER_NOTIF, decode } from '../../dist/bpf/index.js';
import { describeRunFilter, placeholderTid, spawnerFilter, spawnerFilterTemplate } from '../../dist/engine/filter.js';
import { PLACEHOLDER_PID, PLACEHOLDER_TID, patchFilter } from '../../dist/engine/filter-patch.js';
import { AUDIT_ARCH, syscallNumber, type Arch } from '../../dist/seccomp/index.js';

const ARCHES: Arch[] = ['x86_64', 'aarch64'];
const EPERM = (SECCOMP_RET_ERRNO | 1) >>> 0;

describe('precompiled templates (dist/engine/filter-templates.json)', () => {
  const file = JSON.parse(readFileSync(new URL('../../dist/engine/filter-templates.json', import.meta.url), 'utf8')) as
    Record<string, { bytes: string; tidSlots: number; pidSlots: number }>;
  for (const arch of ARCHES) {
    for (const [key, processes] of [['1', 1], ['n', 5]] as const) {
      it(`${arch}/${key} equals the filter compiled now`, () => {
        const live = spawnerFilterTemplate(processes, arch);
        const built = file[`${arch}/${key}`]!;
        expect(Buffer.from(built.bytes, 'base64').equals(Buffer.from(live.bytes))).toBe(true);
        expect([built.tidSlots, built.pidSlots]).toEqual([live.tidSlots, live.pidSlots]);
        expect(live.tidSlots).toBeGreaterThan(0);
        expect(live.pidSlots).toBeGreaterThan(0);
      });
    }
  }
});

describe('patchFilter', () => {
  it('gives exactly the filter compiled with the real pid and tid', () => {
    for (const arch of ARCHES) {
      for (const processes of [1, 3]) {
        const patched = patchFilter(spawnerFilterTemplate(processes, arch), 4321, 8765);
        const direct = spawnerFilter({ processes, runnerPid: 4321, spawnerTid: 8765 }, arch);
        expect(Buffer.from(patched).equals(Buffer.from(direct))).toBe(true);
      }
    }
  });
  it('refuses values that are not pids and a template whose slots do not match', () => {
    const t = spawnerFilterTemplate(1, 'x86_64');
    expect(() => patchFilter(t, 0, 5)).toThrow(/pid/);
    expect(() => patchFilter(t, 5, PLACEHOLDER_TID)).toThrow(/tid/);
    expect(() => patchFilter({ ...t, tidSlots: t.tidSlots + 1 }, 5, 6)).toThrow(/slots/);
    expect(() => patchFilter({ ...t, bytes: spawnerFilter({ processes: 1, runnerPid: 5, spawnerTid: 6 }) }, 5, 6)).toThrow(/slots/);
    expect(PLACEHOLDER_PID).toBeGreaterThan(1 << 22);
  });
});

describe('describeRunFilter (compileSeccompFilter, seccompListing, the CLI)', () => {
  it('defaults to this pid and pid_max for the spawner tid: kill(0), the program\'s own group, stays allowed', () => {
    const f = describeRunFilter({ arch: 'x86_64' });
    expect([f.runnerPid, f.spawnerTid, f.processes]).toEqual([process.pid, placeholderTid(), 1]);
    expect(Buffer.from(f.bytes).equals(Buffer.from(spawnerFilter({ processes: 1, runnerPid: process.pid, spawnerTid: placeholderTid() }, 'x86_64')))).toBe(true);
    const ret = run(decode(f.bytes), { nr: syscallNumber('kill', 'x86_64')!, arch: AUDIT_ARCH.x86_64, args: [0n, 9n] }) >>> 0;
    expect(ret).toBe(SECCOMP_RET_ALLOW);
    expect(f.listing.split('\n')[0]).toBe(`; seccomp filter of a run with processes 1, x86_64: ${f.program.length} instructions`);
    expect(f.listing.trimEnd().split('\n').filter((l) => !l.startsWith(';')).length).toBe(f.bytes.length / 8);
  });
});

describe("the engine's rules, through the interpreter", () => {
  const runner = 1000;
  const tid = 1007;
  for (const arch of ARCHES) {
    const prog = (processes: number) => decode(spawnerFilter({ processes, runnerPid: runner, spawnerTid: tid }, arch));
    const call = (p: ReturnType<typeof prog>, name: string, ...args: Array<number | bigint>) => {
      const nr = syscallNumber(name, arch);
      if (nr === undefined) throw new Error(`${name} on ${arch}`);
      const ret = run(p, { nr, arch: AUDIT_ARCH[arch], args: args.map(BigInt) }) >>> 0;
      // ERRNO keeps its data (the errno); other actions are compared without it.
      const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
      return action === SECCOMP_RET_ERRNO ? ret : action;
    };
    it(`${arch}: no signal or pidfd to the runner or the spawner thread; others (and itself) are fine`, () => {
      const p = prog(1);
      for (const target of [runner, tid]) {
        expect(call(p, 'kill', target, 9)).toBe(EPERM);
        expect(call(p, 'tkill', target, 9)).toBe(EPERM);
        expect(call(p, 'tgkill', target, 1, 9)).toBe(EPERM);
        expect(call(p, 'tgkill', 1, target, 9)).toBe(EPERM);
        expect(call(p, 'rt_sigqueueinfo', target, 9, 0)).toBe(EPERM);
        expect(call(p, 'rt_tgsigqueueinfo', target, 1, 9, 0)).toBe(EPERM);
        expect(call(p, 'pidfd_open', target, 0)).toBe(EPERM);
      }
      // The 32-bit compare sees only the low half, as the kernel's pid_t does.
      expect(call(p, 'kill', (0xffffffffn << 32n) | BigInt(tid), 9)).toBe(EPERM);
      expect(call(p, 'kill', 4242, 0)).toBe(SECCOMP_RET_ALLOW);
      expect(call(p, 'tgkill', 4242, 4243, 6)).toBe(SECCOMP_RET_ALLOW); // raise() in the program
    });
    it(`${arch}: pid-targeted prlimit/scheduling/priority calls only on itself`, () => {
      const p = prog(1);
      expect(call(p, 'prlimit64', runner, 7, 1, 0)).toBe(EPERM);
      expect(call(p, 'prlimit64', 0, 7, 1, 0)).toBe(SECCOMP_RET_ALLOW);
      expect(call(p, 'sched_setaffinity', runner, 8, 1)).toBe(EPERM);
      expect(call(p, 'sched_setaffinity', 0, 8, 1)).toBe(SECCOMP_RET_ALLOW);
      expect(call(p, 'setpriority', 2 /* PRIO_USER */, 0, 19)).toBe(EPERM);
      expect(call(p, 'setpriority', 0, runner, 19)).toBe(EPERM);
      expect(call(p, 'setpriority', 0, 0, 19)).toBe(SECCOMP_RET_ALLOW);
      expect(call(p, 'ioprio_set', 3, 0, 0)).toBe(EPERM);
      expect(call(p, 'ioprio_set', 1, 0, 0)).toBe(SECCOMP_RET_ALLOW);
    });
    it(`${arch}: no file or socket owner (SIGIO); other fcntl and ioctl requests are untouched`, () => {
      const p = prog(1);
      expect(call(p, 'fcntl', 3, 8 /* F_SETOWN */, tid)).toBe(EPERM);
      expect(call(p, 'fcntl', 3, 15 /* F_SETOWN_EX */, 0x7fff0000)).toBe(EPERM);
      expect(call(p, 'ioctl', 3, 0x8901 /* FIOSETOWN */, 0x7fff0000)).toBe(EPERM);
      expect(call(p, 'ioctl', 3, 0x8902 /* SIOCSPGRP */, 0x7fff0000)).toBe(EPERM);
      expect(call(p, 'fcntl', 3, 9 /* F_GETOWN */, 0)).toBe(SECCOMP_RET_ALLOW);
      expect(call(p, 'fcntl', 3, 4 /* F_SETFL */, 0o20000)).toBe(SECCOMP_RET_ALLOW);
      expect(call(p, 'ioctl', 1, 0x5401 /* TCGETS */, 0x7fff0000)).toBe(SECCOMP_RET_ALLOW);
    });
    it(`${arch}: CLONE_PARENT denied; setsid/setpgid left to the program's own filter; exit_group is not stopped`, () => {
      expect(call(prog(4), 'clone', 0x8000 | 17)).toBe(EPERM);
      expect(call(prog(4), 'clone', 17)).toBe(SECCOMP_RET_ALLOW);
      // The spawner's child (POSIX_SPAWN_SETSID) and the gate's child (setpgid) need them; the program's own filter,
      // installed by the gate's child before the exec, refuses both (program-filter.ts).
      expect(call(prog(4), 'setsid')).toBe(SECCOMP_RET_ALLOW);
      expect(call(prog(4), 'setpgid', 0, 0)).toBe(SECCOMP_RET_ALLOW);
      // The gate's clone of the program's process (CLONE_VM | CLONE_VFORK | SIGCHLD) passes with processes 1.
      expect(call(prog(1), 'clone', 0x4111)).toBe(SECCOMP_RET_ALLOW);
      // Peak memory comes from the gate's wait4 now: nothing is stopped at exit.
      expect(call(prog(1), 'exit_group', 0)).toBe(SECCOMP_RET_ALLOW);
      expect(call(prog(4), 'exit_group', 0)).toBe(SECCOMP_RET_ALLOW);
      // Nothing is sent to a listener: the thread installs its filter without one.
      const notifyReturns = (p: ReturnType<typeof prog>) => p.filter((i) => i.code === 0x06 && ((i.k & SECCOMP_RET_ACTION_FULL) >>> 0) === SECCOMP_RET_USER_NOTIF).length;
      expect(notifyReturns(prog(1))).toBe(0);
      expect(notifyReturns(prog(4))).toBe(0);
    });
  }
});
