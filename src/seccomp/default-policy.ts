/**
 * The default policy for judged programs: a deny-list over a default of ALLOW. Denied calls return
 * ERRNO(EPERM), so a program sees an ordinary failed call (and a runtime can report it) instead of dying
 * mid-output. clone3 returns ENOSYS instead: glibc 2.34+ then falls back to clone, whose flags a filter can inspect,
 * where an EPERM would break pthread_create (moby#42680). Why a deny-list, and what it leaves to
 * Landlock, rlimits and the engine: docs/principles.md.
 *
 * Every rule carries its reason; the reasons are the comments of the filter listing.
 */
import { Errno } from '../native/errno.js';
import { ALLOW, ERRNO, USER_NOTIF, definePolicy, type Policy, type RuleInput } from './policy.js';
import type { Arch } from './syscalls.js';

// include/uapi/linux/sched.h
export const CLONE_VM = 0x00000100;
export const CLONE_VFORK = 0x00004000;
export const CLONE_THREAD = 0x00010000;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
/** Only reachable through unshare and clone3: in clone's flags 0x80 is part of the exit signal (CSIGNAL). */
export const CLONE_NEWTIME = 0x00000080;
/** Every CLONE_NEW* flag clone(2) can carry. */
export const CLONE_NEW_MASK = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
/** include/uapi/asm-generic/signal.h */
export const SIGCHLD = 17;
/** glibc's posix_spawn after its clone3 fallback: clone(CLONE_VM | CLONE_VFORK | SIGCHLD). */
export const POSIX_SPAWN_CLONE_FLAGS = CLONE_VM | CLONE_VFORK | SIGCHLD;

// include/uapi/asm-generic/ioctls.h (x86_64 and arm64 both use the generic numbers)
export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;

// include/uapi/linux/personality.h
export const PER_LINUX = 0x0000;
/** personality(0xffffffff) changes nothing and returns the current persona. */
export const PERSONALITY_QUERY = 0xffffffff;

export interface DefaultPolicyOptions {
  /**
   * How many processes (and threads) the program may have, >= 1. 1 (the default): fork, vfork and clone
   * are denied except the single clone the spawner's posix_spawn makes; the engine backs this with
   * RLIMIT_NPROC = 1. More than 1: fork, vfork and clone are allowed, clone without CLONE_NEW* flags.
   */
  readonly processes?: number;
  /**
   * Stop exit_group with SECCOMP_RET_USER_NOTIF, for a runner that reads the program's peak memory at its
   * exit and then lets the call continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Only for a filter installed
   * with a listener that someone answers: without one the kernel fails exit_group with ENOSYS.
   */
  readonly exitNotify?: boolean;
}

const EPERM = ERRNO(Errno.EPERM);
const X86 = ['x86_64'] as const satisfies readonly Arch[];

function deny(syscall: string, reason: string, onlyOn?: readonly Arch[]): RuleInput {
  return onlyOn ? { syscall, action: EPERM, reason, onlyOn } : { syscall, action: EPERM, reason };
}

/** Checks the process knob; the error shows the bad value. */
export function validateProcesses(processes: unknown): number {
  if (typeof processes !== 'number' || !Number.isInteger(processes) || processes < 1) {
    throw new RangeError(`processes must be an integer >= 1, got ${typeof processes === 'number' ? processes : JSON.stringify(processes)}`);
  }
  return processes;
}

/** The rules of the default policy, in listing order. */
export function defaultRules(options: DefaultPolicyOptions = {}): RuleInput[] {
  const processes = validateProcesses(options.processes ?? 1);
  const rules: RuleInput[] = [
    // Networking. Landlock's network rights cover TCP bind/connect only; these close UDP, raw, netlink,
    // AF_UNIX paths and every other family. socketpair stays: it makes a connected AF_UNIX pair and no more.
    deny('socket', 'creates sockets of any family (network, netlink, packet, unix): a judged program talks only through its streams'),
    deny('connect', 'connects a socket to an address'),
    deny('bind', 'binds a socket to an address'),
    deny('listen', 'accepts incoming connections'),
    deny('accept', 'accepts incoming connections'),
    deny('accept4', 'accepts incoming connections'),
    deny('sendmsg', 'its msghdr (in memory, out of a filter\'s reach) can carry a destination address'),
    deny('sendmmsg', 'its mmsghdrs (in memory, out of a filter\'s reach) can carry destination addresses'),
    { syscall: 'sendto', action: EPERM, when: [{ arg: 4, op: 'ne', value: 0 }],
      reason: 'a non-NULL destination address (arg 4) sends a datagram; send() is sendto(..., NULL, 0) and stays' },

    // Namespaces: a new user namespace hands out capabilities inside it, the others detach the program
    // from what the runner measures and limits.
    deny('unshare', 'moves the caller into new namespaces (CLONE_NEWUSER gives capabilities within them)'),
    deny('setns', 'joins another namespace'),

    // The mount family (any of it is an escape route once a namespace grants CAP_SYS_ADMIN).
    deny('mount', 'changes the mount table'),
    deny('umount2', 'changes the mount table'),
    deny('pivot_root', 'changes the root mount'),
    deny('chroot', 'changes the root directory'),
    deny('move_mount', 'new mount API: attaches a mount'),
    deny('open_tree', 'new mount API: clones a mount tree'),
    deny('open_tree_attr', 'new mount API: clones a mount tree with new attributes'),
    deny('fsopen', 'new mount API: creates a filesystem context'),
    deny('fsconfig', 'new mount API: configures a filesystem context'),
    deny('fsmount', 'new mount API: creates a mount'),
    deny('fspick', 'new mount API: reconfigures a mounted filesystem'),
    deny('mount_setattr', 'changes mount attributes'),
    deny('statmount', 'reads the mount table (sources, options, mount points): nothing a judged program needs to see'),
    deny('listmount', 'enumerates the mount table: nothing a judged program needs to see'),

    // The kernel itself.
    deny('init_module', 'loads a kernel module'),
    deny('finit_module', 'loads a kernel module'),
    deny('delete_module', 'unloads a kernel module'),
    deny('kexec_load', 'loads a new kernel'),
    deny('kexec_file_load', 'loads a new kernel'),
    deny('reboot', 'reboots or halts the machine'),
    deny('swapon', 'changes swap devices'),
    deny('swapoff', 'changes swap devices'),
    deny('syslog', 'reads or clears the kernel log'),
    deny('acct', 'switches process accounting'),
    deny('quotactl', 'manipulates disk quotas'),
    deny('quotactl_fd', 'manipulates disk quotas'),
    deny('lookup_dcookie', 'profiling interface that resolves kernel directory entries'),
    deny('nfsservctl', 'NFS server control (removed in Linux 3.1)'),
    deny('vhangup', 'hangs up the controlling terminal'),

    // Large kernel attack surface no judged program needs.
    deny('add_key', 'kernel keyrings: shared with the runner\'s user'),
    deny('request_key', 'kernel keyrings: shared with the runner\'s user'),
    deny('keyctl', 'kernel keyrings: shared with the runner\'s user'),
    deny('bpf', 'loads eBPF programs and maps'),
    deny('perf_event_open', 'performance counters: side channels and a large attack surface'),
    deny('userfaultfd', 'user-handled page faults widen kernel race windows'),
    deny('io_uring_setup', 'io_uring performs I/O outside this filter\'s view'),
    deny('io_uring_enter', 'io_uring performs I/O outside this filter\'s view'),
    deny('io_uring_register', 'io_uring performs I/O outside this filter\'s view'),
    deny('fanotify_init', 'filesystem-wide event monitoring'),
    deny('name_to_handle_at', 'file handles bypass path-based access checks'),
    deny('open_by_handle_at', 'file handles bypass path-based access checks'),

    // System V IPC and POSIX message queues: kernel objects that outlive the process that made them, charged to no
    // process (a 64 MiB shm segment, touched and detached, stays after the run, outside its memory limit), and
    // shared by every process of the uid on the machine, so concurrent or later runs could pass data through them.
    deny('shmget', 'System V shared memory: outlives the run, outside its memory limit; shared by the uid'),
    deny('shmat', 'System V shared memory: outlives the run, outside its memory limit; shared by the uid'),
    deny('shmdt', 'System V shared memory: outlives the run, outside its memory limit; shared by the uid'),
    deny('shmctl', 'System V shared memory: outlives the run, outside its memory limit; shared by the uid'),
    deny('semget', 'System V semaphores: outlive the run; shared by the uid'),
    deny('semop', 'System V semaphores: outlive the run; shared by the uid'),
    deny('semtimedop', 'System V semaphores: outlive the run; shared by the uid'),
    deny('semctl', 'System V semaphores: outlive the run; shared by the uid'),
    deny('msgget', 'System V message queues: outlive the run; shared by the uid'),
    deny('msgsnd', 'System V message queues: outlive the run; shared by the uid'),
    deny('msgrcv', 'System V message queues: outlive the run; shared by the uid'),
    deny('msgctl', 'System V message queues: outlive the run; shared by the uid'),
    deny('mq_open', 'POSIX message queues: outlive the run; shared by the uid'),
    deny('mq_unlink', 'POSIX message queues: outlive the run; shared by the uid'),
    deny('mq_timedsend', 'POSIX message queues: outlive the run; shared by the uid'),
    deny('mq_timedreceive', 'POSIX message queues: outlive the run; shared by the uid'),
    deny('mq_notify', 'POSIX message queues: outlive the run; shared by the uid'),
    deny('mq_getsetattr', 'POSIX message queues: outlive the run; shared by the uid'),

    // Other processes.
    deny('ptrace', 'inspects and controls other processes'),
    deny('process_vm_readv', 'reads another process\'s memory'),
    deny('process_vm_writev', 'writes another process\'s memory'),
    deny('kcmp', 'compares kernel objects of other processes'),
    deny('pidfd_getfd', 'copies a file descriptor out of another process'),
    deny('process_madvise', 'acts on another process\'s memory'),

    // File metadata: a program may write where Landlock lets it, not change modes, owners, times or xattrs.
    deny('chmod', 'changes file modes', X86),
    deny('fchmod', 'changes file modes'),
    deny('fchmodat', 'changes file modes'),
    deny('fchmodat2', 'changes file modes'),
    deny('chown', 'changes file owners', X86),
    deny('fchown', 'changes file owners'),
    deny('lchown', 'changes file owners', X86),
    deny('fchownat', 'changes file owners'),
    deny('setxattr', 'changes extended attributes'),
    deny('lsetxattr', 'changes extended attributes'),
    deny('fsetxattr', 'changes extended attributes'),
    deny('setxattrat', 'changes extended attributes'),
    deny('removexattr', 'changes extended attributes'),
    deny('lremovexattr', 'changes extended attributes'),
    deny('fremovexattr', 'changes extended attributes'),
    deny('removexattrat', 'changes extended attributes'),
    deny('file_setattr', 'changes inode flags and project ids (FS_IOC_FSSETXATTR as a syscall)'),
    deny('utime', 'changes file times', X86),
    deny('utimes', 'changes file times', X86),
    deny('futimesat', 'changes file times', X86),
    deny('utimensat', 'changes file times'),

    // Credentials, identity and the machine's clocks.
    deny('setuid', 'changes user ids'),
    deny('setgid', 'changes group ids'),
    deny('setreuid', 'changes user ids'),
    deny('setregid', 'changes group ids'),
    deny('setresuid', 'changes user ids'),
    deny('setresgid', 'changes group ids'),
    deny('setfsuid', 'changes the filesystem user id'),
    deny('setfsgid', 'changes the filesystem group id'),
    deny('setgroups', 'changes supplementary groups'),
    deny('capset', 'changes capabilities'),
    deny('sethostname', 'changes the host name'),
    deny('setdomainname', 'changes the NIS domain name'),
    deny('settimeofday', 'sets the system clock'),
    deny('clock_settime', 'sets a system clock'),
    deny('clock_adjtime', 'adjusts a system clock'),
    deny('adjtimex', 'adjusts the system clock'),

    // personality: the query and PER_LINUX are harmless (runtimes call them); other personas change how
    // the kernel treats the process, e.g. ADDR_NO_RANDOMIZE turns off ASLR for what it executes next.
    { syscall: 'personality', action: ALLOW, when: [{ arg: 0, op: 'eq', value: PERSONALITY_QUERY, width: 32 }],
      reason: 'personality(0xffffffff) only reads the current persona' },
    { syscall: 'personality', action: ALLOW, when: [{ arg: 0, op: 'eq', value: PER_LINUX, width: 32 }],
      reason: 'personality(PER_LINUX) sets the persona every process already has' },
    deny('personality', 'other personas change kernel behaviour, e.g. ADDR_NO_RANDOMIZE disables ASLR'),

    // Terminal injection. The kernel reads ioctl's cmd as unsigned int: compare the low 32 bits only.
    { syscall: 'ioctl', action: EPERM, when: [{ arg: 1, op: 'eq', value: TIOCSTI, width: 32 }],
      reason: 'TIOCSTI pushes bytes into a terminal\'s input queue: keystrokes typed into the shell that started the run' },
    { syscall: 'ioctl', action: EPERM, when: [{ arg: 1, op: 'eq', value: TIOCLINUX, width: 32 }],
      reason: 'TIOCLINUX can paste the console selection into its input queue' },

    // x86 legacy.
    deny('iopl', 'raises the I/O privilege level', X86),
    deny('ioperm', 'grants access to I/O ports', X86),
    deny('modify_ldt', 'changes the local descriptor table (a history of kernel bugs)', X86),
    deny('uselib', 'loads an a.out library', X86),
    deny('ustat', 'obsolete filesystem statistics call', X86),
    deny('sysfs', 'obsolete filesystem type query', X86),
    deny('_sysctl', 'obsolete sysctl interface', X86),

    // Processes and threads.
    { syscall: 'clone3', action: ERRNO(Errno.ENOSYS),
      reason: 'its flags are in memory a filter cannot read; ENOSYS makes glibc 2.34+ fall back to clone, whose flags it can' },
  ];

  if (processes === 1) {
    rules.push(
      { syscall: 'clone', action: ALLOW, when: [{ arg: 0, op: 'eq', value: POSIX_SPAWN_CLONE_FLAGS, width: 32 }],
        reason: 'posix_spawn\'s clone(CLONE_VM|CLONE_VFORK|SIGCHLD) for the spawner; RLIMIT_NPROC = 1 stops the program using it' },
      deny('clone', 'no new processes or threads with processes: 1'),
      deny('fork', 'no new processes with processes: 1', X86),
      deny('vfork', 'no new processes with processes: 1', X86),
    );
  } else {
    rules.push(
      { syscall: 'clone', action: ALLOW, when: [{ arg: 0, op: 'masked_eq', mask: CLONE_NEW_MASK, value: 0, width: 32 }],
        reason: 'a new process or thread without CLONE_NEW* flags' },
      deny('clone', 'CLONE_NEW* flags create namespaces'),
    );
  }

  if (options.exitNotify) {
    rules.push({ syscall: 'exit_group', action: USER_NOTIF,
      reason: 'the runner reads the program\'s peak memory while it is stopped here, then lets the call continue' });
  }
  return rules;
}

/** The default policy for judged programs (see defaultRules). */
export function defaultPolicy(options: DefaultPolicyOptions = {}): Policy {
  return definePolicy({ defaultAction: ALLOW, rules: defaultRules(options) });
}
