/**
 * The numbers of the syscalls this project calls through syscall(2) or recognises in a seccomp notification, per
 * architecture: one table to audit, and the one to extend for a new architecture. Sources:
 * arch/x86/entry/syscalls/syscall_64.tbl (x86_64) and include/uapi/asm-generic/unistd.h (aarch64); every syscall
 * added since Linux 5.1 (openat2, landlock_*) has the same number on both. test/native/syscall-numbers.test.ts
 * checks every entry against the generated tables of src/seccomp/tables.
 */
import { hostArch, type Arch } from './arch.js';

export const SYSCALL_NUMBERS = {
  x86_64: {
    exit: 60, exit_group: 231, setpgid: 109, setsid: 112,
    setgroups: 116, setresuid: 117, getresuid: 118, setresgid: 119, getresgid: 120,
    seccomp: 317, openat2: 437, landlock_create_ruleset: 444, landlock_add_rule: 445, landlock_restrict_self: 446,
  },
  aarch64: {
    exit: 93, exit_group: 94, setpgid: 154, setsid: 157,
    setgroups: 159, setresuid: 147, getresuid: 148, setresgid: 149, getresgid: 150,
    seccomp: 277, openat2: 437, landlock_create_ruleset: 444, landlock_add_rule: 445, landlock_restrict_self: 446,
  },
} as const satisfies Record<Arch, Record<string, number>>;

export type RawSyscall = keyof (typeof SYSCALL_NUMBERS)['x86_64'];

/** The host's number of `name` (throws on an architecture the project does not support). */
export function nr(name: RawSyscall): number {
  return SYSCALL_NUMBERS[hostArch()][name];
}
