/**
 * seccomp: syscall tables, policies as data, the policy compiler, the default policy for judged programs,
 * and the installer. Everything but installSeccompFilter is pure. See docs/principles.md.
 */
import { disassemble, encode } from '../bpf/index.js';
import { compile } from './compile.js';
import { defaultPolicy, validateProcesses } from './default-policy.js';
import { hostArch, isArch, type Arch } from './syscalls.js';

export { compile } from './compile.js';
export type { CompiledFilter } from './compile.js';
export {
  CLONE_NEW_MASK, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER,
  CLONE_NEWUTS, CLONE_THREAD, CLONE_VFORK, CLONE_VM, PER_LINUX, PERSONALITY_QUERY, POSIX_SPAWN_CLONE_FLAGS, SIGCHLD,
  TIOCLINUX, TIOCSTI, defaultPolicy, defaultRules,
} from './default-policy.js';
export type { DefaultPolicyOptions } from './default-policy.js';
export { evaluatePolicy, evaluatePolicyAction } from './evaluate.js';
export type { SyscallInput } from './evaluate.js';
export type { InstallOptions } from './install.js';
export {
  SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_SET_MODE_FILTER, SeccompInstallError,
  installSeccompFilter,
} from './install.js';
export {
  ALLOW, ERRNO, KILL_PROCESS, LOG, MAX_ERRNO, PolicyError, TRAP, USER_NOTIF, actionName, actionValue, conditionHolds,
  definePolicy, sameAction,
} from './policy.js';
export type {
  Action, ArgCondition, ArgConditionInput, CompareOp, Policy, PolicyErrorCode, PolicyInput, Rule, RuleInput,
} from './policy.js';
export {
  ARCHES, AUDIT_ARCH, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT, hostArch, isArch,
  maxSyscallNumber, syscallName, syscallNumber, syscallTable,
} from './syscalls.js';
export type { Arch } from './syscalls.js';

export interface SeccompFilterOptions {
  /** Target architecture; default: the host's (process.arch x64 -> x86_64, arm64 -> aarch64). */
  readonly arch?: Arch;
  /** The process knob of the default policy (integer >= 1, default 1). */
  readonly processes?: number;
  /** Stop exit_group with USER_NOTIF for a peak-memory reader (see DefaultPolicyOptions.exitNotify). */
  readonly exitNotify?: boolean;
}

function compileDefault(opts: SeccompFilterOptions) {
  if (opts.arch !== undefined && !isArch(opts.arch)) {
    throw new RangeError(`unknown architecture ${JSON.stringify(opts.arch)} (expected x86_64 or aarch64)`);
  }
  const arch = opts.arch ?? hostArch();
  const processes = validateProcesses(opts.processes ?? 1);
  const policy = defaultPolicy({ processes, exitNotify: opts.exitNotify ?? false });
  return { arch, processes, compiled: compile(policy, arch) };
}

/** The default policy compiled for `opts.arch`, as the encoded sock_filter array the kernel takes. */
export function compileDefaultFilter(opts: SeccompFilterOptions = {}): Uint8Array {
  return encode(compileDefault(opts).compiled.program);
}

/** The same program as compileDefaultFilter(opts), disassembled, each rule's code annotated with its reason. */
export function defaultFilterListing(opts: SeccompFilterOptions = {}): string {
  const { arch, processes, compiled } = compileDefault(opts);
  const header = `; seccomp filter: default policy, ${arch}, processes ${processes}${opts.exitNotify ? ', exitNotify' : ''}, `
    + `${compiled.program.length} instructions\n`;
  return header + disassemble(compiled.program, { seccomp: true, comments: compiled.comments });
}
