/**
 * The program's own filter (src/engine/program-filter.ts), installed by the gate's child before the exec: the
 * build's templates equal a live compilation, patching writes the run's process group where the placeholders are,
 * and the rules do what they say at each Landlock ABI class, through the BPF interpreter on both architectures.
 * The live behaviour is test/engine/attacks-signals.test.ts and containment.test.ts, at every pinned ABI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_USER_NOTIF, decode } from '../../dist/bpf/index.js';
import { PROGRAM_VARIANTS, programFilterTemplate, programRules } from '../../dist/engine/program-filter.js';
import { patchProgramFilter, programFilterNotifies, programTemplateKey } from '../../dist/engine/filter-patch.js';
import { AUDIT_ARCH, compile, definePolicy, ALLOW, syscallNumber, type Arch } from '../../dist/seccomp/index.js';
import { encode } from '../../dist/bpf/index.js';

const ARCHES: Arch[] = ['x86_64', 'aarch64'];
const EPERM = (SECCOMP_RET_ERRNO | 1) >>> 0;
type Abi = 3 | 4 | 5 | 6 | 7;

describe('program filter templates', () => {
  const file = JSON.parse(readFileSync(new URL('../../dist/engine/filter-templates.json', import.meta.url), 'utf8')) as
    Record<string, { bytes: string; slots: number; negSlots: number }>;
  for (const arch of ARCHES) {
    for (const [abi, processes] of PROGRAM_VARIANTS) {
      it(`${programTemplateKey(arch, processes, abi)} equals the filter compiled now, and patches to the one compiled for the pgid`, () => {
        const live = programFilterTemplate(processes, abi, arch);
        const built = file[programTemplateKey(arch, processes, abi)]!;
        expect(Buffer.from(built.bytes, 'base64').equals(Buffer.from(live.bytes))).toBe(true);
        expect([built.slots, built.negSlots]).toEqual([live.slots, live.negSlots]);
        const direct = encode(compile(definePolicy({ defaultAction: ALLOW, rules: programRules({ processes, abi, pgid: 4321 }) }), arch).program);
        expect(Buffer.from(patchProgramFilter(live, 4321, abi)).equals(Buffer.from(direct))).toBe(true);
        if (abi < 6) expect([live.slots, live.negSlots]).toEqual([6, 1]);
      });
    }
  }
  it('every ABI from 3 to 7 has a template, and only runs of more processes below ABI 6 notify the gate', () => {
    for (const abi of [3, 4, 5, 6, 7] as Abi[]) {
      for (const processes of [1, 2, 9]) {
        expect(Object.keys(file)).toContain(programTemplateKey('x86_64', processes, abi));
        expect(programFilterNotifies(processes, abi)).toBe(processes > 1 && abi < 6);
      }
    }
  });
  it('patching refuses what is not a process group', () => {
    const t = programFilterTemplate(1, 3);
    for (const bad of [0, 1, -5, 1.5, 0x7ffffff0]) expect(() => patchProgramFilter(t, bad, 3)).toThrow(/not a process group/);
    expect(() => patchProgramFilter({ ...t, slots: t.slots + 1 }, 4321, 3)).toThrow(/slots/);
    // A template that agrees with itself but not with its ABI (stale, or built from other rules) is refused too.
    const none = programFilterTemplate(1, 6);
    expect(() => patchProgramFilter(none, 4321, 5)).toThrow(/slots/);
    expect(() => patchProgramFilter(t, 4321, 7)).toThrow(/slots/);
  });
});

describe('program filter rules, through the interpreter', () => {
  const pgid = 5000;
  for (const arch of ARCHES) {
    const prog = (processes: number, abi: Abi) =>
      decode(patchProgramFilter(programFilterTemplate(processes, abi, arch), pgid, abi));
    const call = (p: ReturnType<typeof prog>, name: string, ...args: Array<number | bigint>) => {
      const nr = syscallNumber(name, arch);
      if (nr === undefined) throw new Error(`${name} on ${arch}`);
      const ret = run(p, { nr, arch: AUDIT_ARCH[arch], args: args.map((a) => BigInt.asUintN(64, BigInt(a))) }) >>> 0;
      const action = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
      return action === SECCOMP_RET_ERRNO ? ret : action;
    };
    it(`${arch}: setsid, setpgid and a socket peer's pidfd refused at every ABI, whatever the processes`, () => {
      for (const abi of [3, 5, 6, 7] as Abi[]) {
        for (const processes of [1, 4]) {
          const p = prog(processes, abi);
          expect(call(p, 'setsid')).toBe(EPERM);
          expect(call(p, 'setpgid', 0, 0)).toBe(EPERM);
          expect(call(p, 'getsockopt', 0, 1 /* SOL_SOCKET */, 77 /* SO_PEERPIDFD */, 0, 0)).toBe(EPERM);
          expect(call(p, 'setsockopt', 0, 1, 76 /* SO_PASSPIDFD */, 0, 4)).toBe(EPERM);
          expect(call(p, 'getsockopt', 0, 1, 17 /* SO_PEERCRED: a pid, which the signal rules check */, 0, 0)).toBe(SECCOMP_RET_ALLOW);
          expect(call(p, 'setsockopt', 0, 1, 16 /* SO_PASSCRED */, 0, 4)).toBe(SECCOMP_RET_ALLOW);
        }
      }
    });
    it(`${arch}: from ABI 6 signals are Landlock's: the filter leaves them alone`, () => {
      for (const processes of [1, 4]) {
        const p = prog(processes, 6);
        expect(call(p, 'kill', 1, 9)).toBe(SECCOMP_RET_ALLOW);
        expect(call(p, 'tgkill', 77, 78, 9)).toBe(SECCOMP_RET_ALLOW);
        expect(call(p, 'ioctl', 3, 0x80045200, 0)).toBe(SECCOMP_RET_ALLOW);
      }
    });
    it(`${arch}: below ABI 6, signals to the group's leader and the group pass; others are refused (one process) or asked (more)`, () => {
      for (const abi of [3, 5] as Abi[]) {
        for (const processes of [1, 4]) {
          const p = prog(processes, abi);
          const other = processes === 1 ? EPERM : SECCOMP_RET_USER_NOTIF;
          expect(call(p, 'kill', 0, 9)).toBe(SECCOMP_RET_ALLOW);
          expect(call(p, 'kill', pgid, 9)).toBe(SECCOMP_RET_ALLOW);
          expect(call(p, 'kill', -pgid, 9)).toBe(SECCOMP_RET_ALLOW);
          expect(call(p, 'kill', -1, 0)).toBe(EPERM);
          expect(call(p, 'kill', 1, 0)).toBe(other);
          expect(call(p, 'kill', -(pgid + 1), 0)).toBe(other);
          // Only the low 32 bits are the pid: garbage above cannot turn a foreign pid into the leader's.
          expect(call(p, 'kill', (0xffffffffn << 32n) | 77n, 9)).toBe(other);
          expect(call(p, 'kill', (0xffffffffn << 32n) | BigInt(pgid), 9)).toBe(SECCOMP_RET_ALLOW);
          for (const name of ['tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_open']) {
            expect(call(p, name, pgid, pgid + 1, 0, 0), name).toBe(SECCOMP_RET_ALLOW); // raise() in a thread of the leader
            expect(call(p, name, 1, 1, 0, 0), name).toBe(other);
            expect(call(p, name, pgid + 1, pgid, 0, 0), name).toBe(other);
          }
          expect(call(p, 'pidfd_send_signal', 3, 9, 0, 0)).toBe(SECCOMP_RET_ALLOW); // only pidfds of its own
        }
      }
    });
    it(`${arch}: below ABI 5 the random driver's ioctls are refused, other ioctls not`, () => {
      for (const abi of [3, 4] as Abi[]) {
        const p = prog(1, abi);
        expect(call(p, 'ioctl', 3, 0x80045200 /* RNDGETENTCNT */, 0)).toBe(EPERM);
        expect(call(p, 'ioctl', 3, 0x5206 /* RNDCLEARPOOL */, 0)).toBe(EPERM);
        expect(call(p, 'ioctl', 1, 0x5401 /* TCGETS */, 0)).toBe(SECCOMP_RET_ALLOW);
      }
      expect(call(prog(1, 5), 'ioctl', 3, 0x80045200, 0)).toBe(SECCOMP_RET_ALLOW);
    });
  }
});
