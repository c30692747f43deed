/**
 * The default judge policy, compiled and run through src/bpf's interpreter on both architectures: every
 * rule, the allowed calls a program needs, the arch/x32 prologue, and the argument cases (ioctl, clone,
 * personality, sendto). Expected results are written out here from the specification, not derived from
 * the policy's own rules.
 */
import { describe, expect, it } from 'vitest';
import { decode, run, type SockFilter } from '../../dist/bpf/index.js';
import {
  AUDIT_ARCH, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, compileDefaultFilter, defaultRules,
  maxSyscallNumber, defaultFilterListing, syscallNumber, syscallTable, type Arch,
} from '../../dist/seccomp/index.js';

const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const USER_NOTIF = 0x7fc00000;
const ARCHES: Arch[] = ['x86_64', 'aarch64'];

/** Denied with EPERM, unconditionally, wherever the syscall exists. */
const DENIED = [
  'socket', 'connect', 'bind', 'listen', 'accept', 'accept4', 'sendmsg', 'sendmmsg',
  'unshare', 'setns',
  'mount', 'umount2', 'pivot_root', 'chroot', 'move_mount', 'open_tree', 'open_tree_attr', 'fsopen', 'fsconfig', 'fsmount',
  'fspick', 'mount_setattr', 'statmount', 'listmount',
  'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff',
  'add_key', 'request_key', 'keyctl', 'bpf', 'perf_event_open', 'userfaultfd', 'io_uring_setup', 'io_uring_enter',
  'io_uring_register',
  'shmget', 'shmat', 'shmdt', 'shmctl', 'semget', 'semop', 'semtimedop', 'semctl', 'msgget', 'msgsnd', 'msgrcv', 'msgctl',
  'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr',
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise',
  'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat', 'setxattr', 'lsetxattr', 'fsetxattr',
  'removexattr', 'lremovexattr', 'fremovexattr', 'setxattrat', 'removexattrat', 'file_setattr', 'utime', 'utimes',
  'utimensat', 'futimesat',
  'iopl', 'ioperm', 'modify_ldt', 'syslog', 'acct', 'quotactl', 'quotactl_fd',
  'setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setfsuid', 'setfsgid', 'setgroups', 'capset',
  'sethostname', 'setdomainname', 'settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex',
  'name_to_handle_at', 'open_by_handle_at', 'fanotify_init', 'lookup_dcookie', 'vhangup', 'uselib', 'ustat', 'sysfs',
  '_sysctl', 'nfsservctl',
];
/** x86_64-only names in DENIED (and the process calls): absent from the aarch64 table. */
const X86_ONLY = ['chmod', 'chown', 'lchown', 'utime', 'utimes', 'futimesat', 'iopl', 'ioperm', 'modify_ldt', 'uselib', 'ustat',
  'sysfs', '_sysctl', 'fork', 'vfork'];
/** Syscalls whose rules look at arguments, or that the process knob controls. */
const SPECIAL = ['sendto', 'ioctl', 'personality', 'clone', 'clone3', 'fork', 'vfork', 'exit_group'];
/** What an ordinary program (any language runtime) needs; none of it may be touched by the policy. */
const ALLOWED = ['read', 'write', 'openat', 'close', 'mmap', 'munmap', 'mprotect', 'brk', 'exit_group', 'exit', 'kill',
  'tgkill', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'futex', 'getpid', 'gettid', 'clock_gettime', 'nanosleep',
  'execve', 'wait4', 'pipe2', 'dup3', 'fcntl', 'lseek', 'getrandom', 'madvise', 'prlimit64', 'sched_yield', 'socketpair',
  'recvfrom', 'recvmsg', 'set_robust_list', 'rseq', 'close_range', 'setsid', 'setpgid', 'chdir', 'newfstatat', 'statx',
  'readlinkat', 'getdents64', 'faccessat2', 'landlock_restrict_self', 'seccomp', 'prctl', 'memfd_create'];

const programs = new Map<string, SockFilter[]>();
function program(arch: Arch, processes: number, exitNotify = false): SockFilter[] {
  const key = `${arch}/${processes}/${exitNotify}`;
  let p = programs.get(key);
  if (!p) programs.set(key, (p = decode(compileDefaultFilter({ arch, processes, exitNotify }))));
  return p;
}

function nr(name: string, arch: Arch): number {
  const n = syscallNumber(name, arch);
  if (n === undefined) throw new Error(`${name} does not exist on ${arch}`);
  return n;
}

function call(arch: Arch, name: string, args: bigint[] = [], processes = 1): number {
  return run(program(arch, processes), { arch: AUDIT_ARCH[arch], nr: nr(name, arch), args });
}

const hex = (v: number): string => `0x${v.toString(16)}`;

describe('the default policy covers exactly the specified syscalls', () => {
  it('has a rule for every specified syscall and for nothing else', () => {
    for (const processes of [1, 4]) {
      for (const exitNotify of [false, true]) {
        const named = new Set(defaultRules({ processes, exitNotify }).map((r) => r.syscall));
        const expected = new Set([...DENIED, ...SPECIAL.filter((s) => {
          if (s === 'exit_group') return exitNotify;
          if (s === 'fork' || s === 'vfork') return processes === 1;
          return true;
        })]);
        expect([...named].sort()).toEqual([...expected].sort());
      }
    }
  });

  it('every rule has a one-line reason', () => {
    for (const r of defaultRules({ processes: 1, exitNotify: true })) {
      expect(r.reason.length).toBeGreaterThan(10);
      expect(r.reason).not.toMatch(/\n/);
    }
  });

  it('knows which denied syscalls exist on one architecture only', () => {
    for (const name of X86_ONLY) {
      expect(syscallNumber(name, 'x86_64'), name).toBeTypeOf('number');
      expect(syscallNumber(name, 'aarch64'), name).toBeUndefined();
    }
    for (const name of DENIED.filter((n) => !X86_ONLY.includes(n))) {
      for (const arch of ARCHES) expect(syscallNumber(name, arch), `${name} on ${arch}`).toBeTypeOf('number');
    }
  });
});

describe.each(ARCHES)('%s: syscall by syscall', (arch) => {
  it.each(DENIED.filter((n) => arch === 'x86_64' || !X86_ONLY.includes(n)))('%s -> ERRNO(EPERM) with any arguments', (name) => {
    for (const processes of [1, 4]) {
      expect(hex(call(arch, name, [], processes))).toBe(hex(EPERM));
      expect(hex(call(arch, name, [1n, 2n, 3n, 4n, 5n, 6n], processes))).toBe(hex(EPERM));
      expect(hex(call(arch, name, Array(6).fill((1n << 64n) - 1n) as bigint[], processes))).toBe(hex(EPERM));
    }
  });

  it.each(ALLOWED)('%s -> ALLOW', (name) => {
    for (const processes of [1, 4]) {
      expect(hex(call(arch, name, [], processes))).toBe(hex(ALLOW));
      expect(hex(call(arch, name, [0x5412n, 0x5412n, 0x4111n, 0n, 1n, 0n], processes))).toBe(hex(ALLOW));
    }
  });

  it('every other number up to the table maximum + 10 -> ALLOW (arguments zero)', () => {
    const ruled = new Set([...DENIED, ...SPECIAL].map((n) => syscallNumber(n, arch)).filter((n) => n !== undefined));
    let checked = 0;
    for (let n = 0; n <= maxSyscallNumber(arch) + 10; n++) {
      if (ruled.has(n)) continue;
      for (const processes of [1, 4]) {
        expect(hex(run(program(arch, processes), { arch: AUDIT_ARCH[arch], nr: n })), `nr ${n}`).toBe(hex(ALLOW));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('clone3 -> ERRNO(ENOSYS) whatever its arguments, with either knob', () => {
    for (const processes of [1, 4]) {
      expect(hex(call(arch, 'clone3', [], processes))).toBe(hex(ENOSYS));
      expect(hex(call(arch, 'clone3', [0x7fff0000n, 88n], processes))).toBe(hex(ENOSYS));
    }
  });

  it('exit_group -> USER_NOTIF only with exitNotify', () => {
    const p = program(arch, 1, true);
    expect(hex(run(p, { arch: AUDIT_ARCH[arch], nr: nr('exit_group', arch), args: [0n] }))).toBe(hex(USER_NOTIF));
    expect(hex(run(p, { arch: AUDIT_ARCH[arch], nr: nr('socket', arch) }))).toBe(hex(EPERM));
    expect(hex(call(arch, 'exit_group', [0n]))).toBe(hex(ALLOW));
  });

  describe('sendto', () => {
    it('with a NULL destination (send()) -> ALLOW', () => {
      expect(hex(call(arch, 'sendto', [3n, 0x7ffd0000n, 1n, 0n, 0n, 0n]))).toBe(hex(ALLOW));
    });
    it.each([1n, 0x7ffd12345678n, 1n << 32n, (1n << 64n) - 1n, 0x8000000000000000n])('with destination %s -> EPERM', (addr) => {
      expect(hex(call(arch, 'sendto', [3n, 0x7ffd0000n, 1n, 0n, addr, 16n]))).toBe(hex(EPERM));
    });
  });

  describe('ioctl: TIOCSTI and TIOCLINUX on the low 32 bits of the request', () => {
    it.each([
      [0x5412n, EPERM], [0x541cn, EPERM],
      [0xdeadbeef00005412n, EPERM], [0xffffffff00005412n, EPERM], [0x100005412n, EPERM], [0xdeadbeef0000541cn, EPERM],
      [0x5413n, ALLOW], [0xdeadbeef00005413n, ALLOW], [0x5411n, ALLOW], [0x541bn, ALLOW], [0x541dn, ALLOW],
      [0x5412_0000n, ALLOW], [0x15412n, ALLOW], [0n, ALLOW], [0x80045430n, ALLOW],
    ])('request %s', (request, expected) => {
      expect(hex(call(arch, 'ioctl', [0n, request, 0x7ffd0000n]))).toBe(hex(expected));
      expect(hex(call(arch, 'ioctl', [0xffffffffn, request, 0n]))).toBe(hex(expected));
    });
  });

  describe('personality: only the query and PER_LINUX, low 32 bits', () => {
    it.each([
      [0xffffffffn, ALLOW], [0n, ALLOW], [0xdeadbeefffffffffn, ALLOW], [0x100000000n, ALLOW], [(1n << 64n) - 1n, ALLOW],
      [0x0040000n, EPERM], [0x0200000n, EPERM], [1n, EPERM], [8n, EPERM], [0xfffffffen, EPERM], [0x7fffffffn, EPERM],
      [0x80000000n, EPERM], [0xffffffff00040000n, EPERM],
    ])('persona %s', (persona, expected) => {
      expect(hex(call(arch, 'personality', [persona]))).toBe(hex(expected));
      expect(hex(call(arch, 'personality', [persona], 4))).toBe(hex(expected));
    });
  });

  describe('clone flags (the low 32 bits: what the kernel reads)', () => {
    const CLONE_VM = 0x100n, CLONE_FS = 0x200n, CLONE_FILES = 0x400n, CLONE_SIGHAND = 0x800n, CLONE_VFORK = 0x4000n;
    const CLONE_THREAD = 0x10000n, CLONE_SYSVSEM = 0x40000n, CLONE_SETTLS = 0x80000n, CLONE_PARENT_SETTID = 0x100000n;
    const CLONE_CHILD_CLEARTID = 0x200000n, CLONE_CHILD_SETTID = 0x1000000n, SIGCHLD = 17n;
    const THREAD = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS
      | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    const FORK = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;
    const NEW = { NEWNS: 0x20000n, NEWCGROUP: 0x02000000n, NEWUTS: 0x04000000n, NEWIPC: 0x08000000n, NEWUSER: 0x10000000n,
      NEWPID: 0x20000000n, NEWNET: 0x40000000n };
    const GARBAGE = 0xdeadbeef00000000n;

    it('processes 1: posix_spawn\'s exact flags 0x4111 are allowed, also with garbage in the high half', () => {
      expect(hex(call(arch, 'clone', [CLONE_VM | CLONE_VFORK | SIGCHLD]))).toBe(hex(ALLOW));
      expect(hex(call(arch, 'clone', [0x4111n, 0x7ffd0000n, 0n, 0n, 0n]))).toBe(hex(ALLOW));
      expect(hex(call(arch, 'clone', [GARBAGE | 0x4111n]))).toBe(hex(ALLOW));
    });

    it.each([
      ['SIGCHLD alone (fork through clone)', SIGCHLD], ['glibc fork()', FORK], ['a pthread', THREAD],
      ['CLONE_VM|CLONE_VFORK without SIGCHLD', CLONE_VM | CLONE_VFORK], ['0x4111 plus CLONE_THREAD', 0x4111n | CLONE_THREAD],
      ['0x4111 plus CLONE_NEWUSER', 0x4111n | NEW.NEWUSER], ['0x4111 with another exit signal', CLONE_VM | CLONE_VFORK | 10n],
      ['no flags', 0n], ['all low bits', 0xffffffffn],
    ])('processes 1: %s -> EPERM', (_, flags) => {
      expect(hex(call(arch, 'clone', [flags]))).toBe(hex(EPERM));
      expect(hex(call(arch, 'clone', [GARBAGE | flags]))).toBe(hex(EPERM));
    });

    it.each([['a pthread', THREAD], ['glibc fork()', FORK], ['SIGCHLD alone', SIGCHLD], ['vfork flags', 0x4111n], ['no flags', 0n],
      ['CLONE_NEWTIME position (0x80 is an exit signal bit in clone)', 0x80n]])('processes 4: %s -> ALLOW', (_, flags) => {
      expect(hex(call(arch, 'clone', [flags], 4))).toBe(hex(ALLOW));
      expect(hex(call(arch, 'clone', [GARBAGE | flags], 4))).toBe(hex(ALLOW));
    });

    it.each(Object.entries(NEW))('CLONE_%s -> EPERM with either knob, alone, with other flags, with garbage high bits', (_, flag) => {
      for (const processes of [1, 4]) {
        for (const flags of [flag, flag | SIGCHLD, flag | THREAD, flag | FORK, flag | 0x4111n, GARBAGE | flag | SIGCHLD,
          0xffffffff00000000n | flag]) {
          expect(hex(call(arch, 'clone', [flags], processes)), `flags ${hex(Number(flags & 0xffffffffn))}`).toBe(hex(EPERM));
        }
      }
    });

    it('garbage in the high half alone does not look like a namespace flag', () => {
      expect(hex(call(arch, 'clone', [0x7e02000000000000n | THREAD], 4))).toBe(hex(ALLOW));
      expect(hex(call(arch, 'clone', [0x7e02000000000000n | SIGCHLD], 1))).toBe(hex(EPERM));
    });
  });
});

describe('x86_64 process calls', () => {
  it('fork and vfork -> EPERM with processes 1, ALLOW with processes 4', () => {
    for (const name of ['fork', 'vfork']) {
      expect(hex(call('x86_64', name))).toBe(hex(EPERM));
      expect(hex(call('x86_64', name, [], 4))).toBe(hex(ALLOW));
    }
  });
});

describe('the arch prologue', () => {
  const i386Numbers = [359 /* socket */, 102 /* socketcall */, 11 /* execve */, 20 /* getpid */, 1 /* exit */, 0, 435];

  it('x86_64 filter: i386 syscalls (int 0x80) -> KILL_PROCESS, whatever the number', () => {
    for (const processes of [1, 4]) {
      for (let n = 0; n <= 470; n++) {
        expect(run(program('x86_64', processes), { arch: AUDIT_ARCH_I386, nr: n })).toBe(KILL_PROCESS);
      }
      for (const n of i386Numbers) expect(run(program('x86_64', processes), { arch: AUDIT_ARCH_I386, nr: n, args: [2n, 1n, 0n] })).toBe(KILL_PROCESS);
    }
  });

  it('x86_64 filter: x32 numbers (nr | 0x40000000) -> KILL_PROCESS, the whole range', () => {
    for (const processes of [1, 4]) {
      const p = program('x86_64', processes);
      for (const [, n] of syscallTable('x86_64')) expect(run(p, { arch: AUDIT_ARCH_X86_64, nr: 0x40000000 | n })).toBe(KILL_PROCESS);
      for (const n of [0x40000000, 0x40000029 /* socket */, 0x40000000 + 512, 0x40000000 + 547, 0x7fffffff, 0x80000000, 0xffffffff]) {
        expect(run(p, { arch: AUDIT_ARCH_X86_64, nr: n }), hex(n)).toBe(KILL_PROCESS);
      }
    }
  });

  it('x86_64 filter: aarch64 and arm syscalls -> KILL_PROCESS', () => {
    for (const arch of [AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0, 0xffffffff, 0xc000003f, 0x4000003e]) {
      for (const n of [0, 63, 64, 198, 220]) expect(run(program('x86_64', 1), { arch, nr: n })).toBe(KILL_PROCESS);
    }
  });

  it('aarch64 filter: x86_64, i386 and arm compat syscalls -> KILL_PROCESS', () => {
    for (const arch of [AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_ARM, 0, 0xc00000b6]) {
      for (const n of [0, 1, 41, 63, 64, 198, 220, 359]) expect(run(program('aarch64', 1), { arch, nr: n })).toBe(KILL_PROCESS);
    }
  });

  it('aarch64 filter: numbers with bit 30 are not special (no x32 on arm64): the default applies', () => {
    expect(run(program('aarch64', 1), { arch: AUDIT_ARCH_AARCH64, nr: 0x40000000 | 63 })).toBe(ALLOW);
  });

  it('the listing names the prologue and every rule\'s reason', () => {
    const listing = defaultFilterListing({ arch: 'x86_64', processes: 1 });
    expect(listing).toMatch(/prologue: seccomp_data.arch must be AUDIT_ARCH_X86_64/);
    expect(listing).toMatch(/x32 ABI/);
    for (const r of defaultRules({ processes: 1 })) {
      if (r.onlyOn && !r.onlyOn.includes('x86_64')) continue;
      expect(listing, r.syscall).toContain(r.reason);
    }
  });
});

describe('compileDefaultFilter options', () => {
  it('defaults to the host architecture and one process', () => {
    const host: Arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
    expect(compileDefaultFilter()).toEqual(compileDefaultFilter({ arch: host, processes: 1 }));
    expect(compileDefaultFilter({ processes: 2 })).toEqual(compileDefaultFilter({ arch: host, processes: 2 }));
  });

  it.each([0, -1, 1.5, Number.NaN, '2' as unknown as number])('refuses processes = %s', (processes) => {
    expect(() => compileDefaultFilter({ processes })).toThrow(/processes must be an integer >= 1/);
  });

  it('refuses an unknown architecture', () => {
    expect(() => compileDefaultFilter({ arch: 'riscv64' as Arch })).toThrow(/unknown architecture "riscv64"/);
  });

  it('encodes whole sock_filter entries well under the kernel limit', () => {
    for (const arch of ARCHES) {
      const bytes = compileDefaultFilter({ arch, processes: 1 });
      expect(bytes.length % 8).toBe(0);
      expect(bytes.length / 8).toBeLessThan(4096);
      expect(AUDIT_ARCH[arch]).toBe(arch === 'x86_64' ? 0xc000003e : 0xc00000b7);
    }
  });
});
