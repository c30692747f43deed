/**
 * What enforces each protection of a run at a given Landlock ABI, in words: for `doctor`, the enforcement report and
 * docs/principles.md's table. Pure. Where an older ABI lacks what a newer one gives, the entry names what the engine
 * puts in its place; there is no protection without an enforcer at any supported ABI (3..7), which
 * test/engine/protections.test.ts checks.
 */
import type { SupportedAbi } from '../landlock/abi.js';

export interface Protection {
  /** What the program cannot do. */
  readonly protection: string;
  /** What stops it at this ABI. */
  readonly enforcedBy: string;
  /** The Landlock ABI from which Landlock itself covers it, or null when Landlock never does. */
  readonly landlockFrom: SupportedAbi | null;
}

/** Each protection and what enforces it at Landlock ABI `abi`. */
export function protectionsAt(abi: SupportedAbi): Protection[] {
  const p = (protection: string, landlockFrom: SupportedAbi | null, withIt: string, without = withIt): Protection =>
    ({ protection, landlockFrom, enforcedBy: landlockFrom !== null && abi >= landlockFrom ? withIt : without });
  return [
    p('read denied directories, write outside allowed ones', 3, `Landlock filesystem rights (ABI ${abi})`),
    p('truncate a file it may only read', 3, 'Landlock TRUNCATE'),
    p('read /proc of other processes', 3, 'Landlock: the own-/proc layer'),
    p('connect or bind TCP', 4, 'Landlock CONNECT_TCP/BIND_TCP; seccomp refuses socket(), connect(), bind()',
      'seccomp refuses socket(), connect(), bind() (Landlock\'s TCP rights need ABI 4)'),
    p('ioctl on a device it opens', 5, 'Landlock IOCTL_DEV',
      'the program filter refuses the random driver\'s ioctls, the only ones of the four devices a program opens '
      + '(Landlock IOCTL_DEV needs ABI 5)'),
    p('connect to an abstract unix socket', 6, 'Landlock scope ABSTRACT_UNIX_SOCKET; seccomp refuses socket()',
      'seccomp refuses socket(), so there is no socket to connect (Landlock\'s scope needs ABI 6)'),
    p('signal a process outside its run', 6,
      'Landlock scope SIGNAL (the own-/proc layer holds only the run); seccomp for the spawner thread and the runner',
      'the program filter: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo and pidfd_open reach only the '
      + 'run\'s process group, checked by the gate (Landlock\'s scope needs ABI 6)'),
    p('make itself a file\'s owner (SIGIO/SIGURG to anyone)', null, 'seccomp refuses F_SETOWN, F_SETOWN_EX, FIOSETOWN, SIOCSPGRP'),
    p('leave the process group the runner kills', null, 'the program filter refuses setsid and setpgid'),
    p('ptrace or read the memory of another process', null,
      'seccomp refuses ptrace, process_vm_readv/writev, pidfd_getfd; Landlock\'s ptrace restriction; a non-dumpable runner'),
    p('gain privileges', null, 'no_new_privs; another uid with no capability for a root runner; seccomp refuses the set*id calls'),
  ];
}
