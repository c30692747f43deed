/**
 * The program's own seccomp filter: installed by the gate's child on itself as its last step before the exec, on top
 * of the spawner thread's filter (filter.ts), so that it binds the program and everything it starts but not the
 * gate, which must still be able to do what it forbids. It names the run's process group, known only once the
 * gate's child has said its pid, so the runner patches that pid into a template and sends it with its word.
 *
 * At every Landlock ABI:
 *   - setsid and setpgid -> EPERM: nothing the program starts may leave the process group the runner kills
 *     (the gate's child took that group before this filter);
 *   - SO_PEERPIDFD and SO_PASSPIDFD -> EPERM: no pidfd of a socket's peer (found in review: a caller's unix socket
 *     as stdin gave a pidfd of the runner, and pidfd_send_signal reached it below ABI 6);
 * below ABI 6, where Landlock has no signal scope (docs/principles.md, "Below Landlock ABI 6"):
 *   - kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo and pidfd_open reach only the run's own processes:
 *     aimed at the group's leader (the program's first process, whose pid is the group's id, which stays allocated
 *     while the group has a member), at the group (kill(0), kill(-PGID)), allowed here; kill(-1) refused; any other
 *     target is refused with one process, and with more is decided by the gate (USER_NOTIF, src/gate/notify.c);
 * below ABI 5, where Landlock cannot refuse ioctl(2) on the device files a program may open:
 *   - the random driver's ioctls (RND*) -> EPERM: of the four devices a program opens (/dev/null, zero, random,
 *     urandom) only that driver has ioctls at all, and ABI 5 refuses them.
 */
import { definePolicy, compile, hostArch, ERRNO, USER_NOTIF, ALLOW, type Arch, type RuleInput } from '../seccomp/index.js';
import { encode } from '../bpf/index.js';
import type { SupportedAbi } from '../landlock/abi.js';
import { countSlots, NEG_PLACEHOLDER_PGID, PLACEHOLDER_PGID, type ProgramFilterTemplate } from './filter-patch.js';

export interface ProgramFilterOptions {
  processes: number;
  /** The Landlock ABI the run uses (landlockAbi, or the kernel's). */
  abi: SupportedAbi;
  /** The run's process group: the pid of the program's first process. */
  pgid: number;
}

const EPERM = ERRNO(1);
/* include/uapi/asm-generic/socket.h (x86_64 and arm64 alike). */
const SOL_SOCKET = 1;
const SO_PASSPIDFD = 76;
const SO_PEERPIDFD = 77;

/* include/uapi/linux/random.h: _IOR('R', 0x00, int) ... _IO('R', 0x07). */
const RANDOM_IOCTLS: Array<[string, number]> = [
  ['RNDGETENTCNT', 0x80045200], ['RNDADDTOENTCNT', 0x40045201], ['RNDGETPOOL', 0x80085202],
  ['RNDADDENTROPY', 0x40085203], ['RNDZAPENTCNT', 0x5204], ['RNDCLEARPOOL', 0x5206], ['RNDRESEEDCRNG', 0x5207],
];

const arg32 = (arg: number, value: number) => ({ arg, op: 'eq' as const, value, width: 32 as const });

/** What a run below ABI 6 does with a signal aimed elsewhere than its group's leader: refuse, or ask the gate. */
function signalRules(pgid: number, processes: number): RuleInput[] {
  const other = processes === 1 ? EPERM : USER_NOTIF;
  const otherWhy = processes === 1
    ? 'one process: nothing else belongs to the run'
    : 'the gate decides: allowed only when the target is in the run\'s process group';
  const own = 'the run\'s own process group leader (the program\'s first process)';
  const rules: RuleInput[] = [
    { syscall: 'kill', action: ALLOW, when: [arg32(0, 0)], reason: 'kill(0): the caller\'s own group, the run\'s' },
    { syscall: 'kill', action: ALLOW, when: [arg32(0, pgid)], reason: own },
    { syscall: 'kill', action: ALLOW, when: [arg32(0, -pgid)], reason: 'the run\'s process group' },
  ];
  // With one process every other kill is refused anyway; with more, kill(-1) is refused here, not asked.
  if (processes > 1) rules.push({ syscall: 'kill', action: EPERM, when: [arg32(0, -1)], reason: 'kill(-1) would reach every process the uid may signal' });
  for (const syscall of ['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_open']) {
    if (syscall !== 'kill') rules.push({ syscall, action: ALLOW, when: [arg32(0, pgid)], reason: own });
    rules.push({ syscall, action: other, reason: otherWhy });
  }
  return rules;
}

/** The rules of a run's program filter (see the module comment). */
export function programRules(o: ProgramFilterOptions): RuleInput[] {
  const rules: RuleInput[] = [
    { syscall: 'setsid', action: EPERM, reason: 'no new session: the program stays in the group the runner kills' },
    { syscall: 'setpgid', action: EPERM, reason: 'no other process group: the program stays in the group the runner kills' },
    // A unix socket handed to the program (a caller's fd as stdin, say) would give a pidfd of its peer, outside the
    // run: SO_PEERPIDFD directly, SO_PASSPIDFD as SCM_PIDFD with every message received.
    { syscall: 'getsockopt', action: EPERM, when: [arg32(1, SOL_SOCKET), arg32(2, SO_PEERPIDFD)], reason: 'SO_PEERPIDFD: a pidfd of a socket\'s peer, outside the run' },
    { syscall: 'setsockopt', action: EPERM, when: [arg32(1, SOL_SOCKET), arg32(2, SO_PASSPIDFD)], reason: 'SO_PASSPIDFD: a pidfd of each sender, outside the run' },
  ];
  if (o.abi < 6) rules.push(...signalRules(o.pgid, o.processes));
  if (o.abi < 5) {
    for (const [name, cmd] of RANDOM_IOCTLS) {
      rules.push({ syscall: 'ioctl', action: EPERM, when: [arg32(1, cmd)], reason: `${name}: a device ioctl, refused by Landlock from ABI 5` });
    }
  }
  return rules;
}

/** The template of a program filter: the policy with the placeholder for the pgid, compiled and encoded. */
export function programFilterTemplate(processes: number, abi: SupportedAbi, arch: Arch = hostArch()): ProgramFilterTemplate {
  const policy = definePolicy({ defaultAction: ALLOW, rules: programRules({ processes, abi, pgid: PLACEHOLDER_PGID }) });
  const bytes = encode(compile(policy, arch).program);
  return { bytes, slots: countSlots(bytes, PLACEHOLDER_PGID), negSlots: countSlots(bytes, NEG_PLACEHOLDER_PGID) };
}

/** The representative ABI and process count of each template variant (programTemplateKey; scripts/build-filters.mjs). */
export const PROGRAM_VARIANTS: ReadonlyArray<[SupportedAbi, number]> = [[6, 1], [6, 2], [5, 1], [5, 2], [3, 1], [3, 2]];
