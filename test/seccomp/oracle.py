#!/usr/bin/python3
"""
The differential oracle: the default judge policy of src/seccomp/default-policy.ts, written again from its
specification (docs/principles.md) with libseccomp, through Debian's python3-seccomp (2.5.4).
Its BPF goes to --out; a JSON report goes to stdout. test/seccomp/oracle.test.ts runs both programs through
the BPF interpreter and compares their actions input by input.

This file deliberately does not read the TypeScript rules: it is an independent second implementation, so a
mistake in a rule's syscall, mask or action shows up as a difference.

libseccomp cannot express some things the way the TypeScript policy does, so they are encoded differently
(but meaning the same thing):
- It refuses a rule whose action equals the default (ALLOW), so "allow X, deny the rest" becomes "deny every
  way of not being X". For a 32-bit value v compared on the low half of an argument:
    v != C            <=>  some bit i of v differs from bit i of C: one MASKED_EQ rule per bit;
    v not in {0, ~0}  <=>  some two adjacent bits of v differ: one MASKED_EQ rule per pair and pattern.
- It cannot put two comparisons on one argument in one rule; the encodings above need only one.
- MASKED_EQ with mask 0xffffffff compares the low half only (the high half against mask 0), which is the
  TypeScript policy's `width: 32`.
- Rules for syscalls its 2.5.4 tables do not know are added by NUMBER. On a non-native architecture
  (aarch64 here) libseccomp translates numbers through the native (x86_64) names, so an unknown number
  cannot be added there at all: those rules are listed as "unexpressible" and the test leaves those
  (arch, nr) inputs to the interpreter table tests.
"""
import argparse
import json
import sys

try:
    import seccomp
except ImportError as e:  # the test reports the skip; this is for running the script by hand
    print(json.dumps({"error": f"python3-seccomp is not installed: {e}"}))
    sys.exit(3)

EPERM = 1
ENOSYS = 38

# Syscalls the default policy denies with EPERM on every architecture that has them.
DENY = [
    # networking
    "socket", "connect", "bind", "listen", "accept", "accept4", "sendmsg", "sendmmsg",
    # namespaces
    "unshare", "setns",
    # mount family
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "open_tree_attr", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "statmount", "listmount",
    # the kernel
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
    "syslog", "acct", "quotactl", "quotactl_fd", "lookup_dcookie", "nfsservctl", "vhangup",
    # attack surface
    "add_key", "request_key", "keyctl", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "fanotify_init", "name_to_handle_at", "open_by_handle_at",
    # System V IPC and POSIX message queues
    "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget", "msgsnd", "msgrcv",
    "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",
    # file metadata
    "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "setxattr", "lsetxattr", "fsetxattr", "setxattrat",
    "removexattr", "lremovexattr", "fremovexattr", "removexattrat", "file_setattr", "utimensat",
    # credentials, identity, clocks
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
    "capset", "sethostname", "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
]
# Denied with EPERM where they exist: x86_64 only.
DENY_X86_ONLY = [
    "chmod", "chown", "lchown", "utime", "utimes", "futimesat", "iopl", "ioperm", "modify_ldt", "uselib", "ustat",
    "sysfs", "_sysctl",
]
# Kernel numbers of syscalls newer than libseccomp 2.5.4's tables (every syscall >= 424 has one number on
# x86_64 and aarch64); checked against the kernel's scripts/syscall.tbl.
NEWER = {"statmount": 457, "listmount": 458, "setxattrat": 463, "removexattrat": 466, "open_tree_attr": 467,
         "file_setattr": 469}

TIOCSTI = 0x5412
TIOCLINUX = 0x541C
CLONE_NEW = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]
SPAWN_FLAGS = 0x4111  # CLONE_VM | CLONE_VFORK | SIGCHLD
LOW32 = 0xFFFFFFFF

ARCHES = {"x86_64": seccomp.Arch.X86_64, "aarch64": seccomp.Arch.AARCH64}


class Builder:
    def __init__(self, arch_name):
        self.arch_name = arch_name
        self.arch = ARCHES[arch_name]
        self.f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        self.f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
        if seccomp.system_arch() != self.arch:
            self.f.remove_arch(seccomp.Arch.NATIVE)
            self.f.add_arch(self.arch)
        self.unexpressible = []
        self.rules = 0

    def known(self, name):
        try:
            return seccomp.resolve_syscall(self.arch, name) >= 0
        except (ValueError, RuntimeError):
            return False

    def add(self, action, name, *args):
        syscall = name if self.known(name) else NEWER.get(name)
        if syscall is None:
            raise SystemExit(f"oracle: {name} is neither in libseccomp's {self.arch_name} table nor in NEWER")
        try:
            self.f.add_rule(action, syscall, *args)
            self.rules += 1
        except RuntimeError as e:
            if isinstance(syscall, int) and seccomp.system_arch() != self.arch:
                self.unexpressible.append({"syscall": name, "nr": syscall, "error": str(e)})
            else:
                raise


def low32_ne(arg, c):
    """Conditions (one per rule) whose OR means: the low 32 bits of `arg` differ from c."""
    return [seccomp.Arg(arg, seccomp.MASKED_EQ, 1 << i, (~c & (1 << i)) & LOW32) for i in range(32)]


def low32_not_0_or_all(arg):
    """Conditions (one per rule) whose OR means: the low 32 bits of `arg` are neither 0 nor 0xffffffff."""
    out = []
    for i in range(31):
        mask = 3 << i
        out.append(seccomp.Arg(arg, seccomp.MASKED_EQ, mask, 1 << i))
        out.append(seccomp.Arg(arg, seccomp.MASKED_EQ, mask, 2 << i))
    return out


def build(arch_name, processes, exit_notify):
    b = Builder(arch_name)
    eperm = seccomp.ERRNO(EPERM)
    for name in DENY:
        b.add(eperm, name)
    if arch_name == "x86_64":
        for name in DENY_X86_ONLY:
            b.add(eperm, name)
    # sendto with a destination address.
    b.add(eperm, "sendto", seccomp.Arg(4, seccomp.NE, 0))
    # ioctl: terminal injection, low 32 bits of the request.
    for cmd in (TIOCSTI, TIOCLINUX):
        b.add(eperm, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, LOW32, cmd))
    # personality: only the query and PER_LINUX.
    for cond in low32_not_0_or_all(0):
        b.add(eperm, "personality", cond)
    # clone3: ENOSYS, so glibc falls back to clone.
    b.add(seccomp.ERRNO(ENOSYS), "clone3")
    if processes == 1:
        for cond in low32_ne(0, SPAWN_FLAGS):
            b.add(eperm, "clone", cond)
        if arch_name == "x86_64":
            b.add(eperm, "fork")
            b.add(eperm, "vfork")
    else:
        for bit in CLONE_NEW:
            b.add(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, bit, bit))
    if exit_notify:
        b.add(seccomp.NOTIFY, "exit_group")
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(ARCHES), required=True)
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--exit-notify", action="store_true")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.processes < 1:
        raise SystemExit("oracle: --processes must be >= 1")
    b = build(a.arch, a.processes, a.exit_notify)
    with open(a.out, "wb") as out:
        b.f.export_bpf(out)
    print(json.dumps({"arch": a.arch, "processes": a.processes, "rules": b.rules,
                      "unexpressible": b.unexpressible}))


if __name__ == "__main__":
    main()
