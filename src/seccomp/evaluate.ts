/**
 * The meaning of a compiled filter, written directly over the policy: what the kernel must get back for a
 * given seccomp_data. compile() must agree with this for every input; the tests run both (the compiled
 * program through src/bpf's interpreter) and compare. Pure: no syscalls.
 */
import { KILL_PROCESS, actionValue, conditionHolds, rulesByNumber, type Action, type Policy } from './policy.js';
import { AUDIT_ARCH, X32_SYSCALL_BIT, type Arch } from './syscalls.js';

export interface SyscallInput {
  /** seccomp_data.arch (an AUDIT_ARCH_* value). */
  readonly arch: number;
  /** seccomp_data.nr as the kernel stores it: an int, read by BPF as an unsigned 32-bit word. */
  readonly nr: number;
  /** Up to six arguments; missing ones are 0. */
  readonly args?: readonly bigint[];
}

const cache = new WeakMap<Policy, Map<Arch, ReturnType<typeof rulesByNumber>>>();

function grouped(policy: Policy, arch: Arch): ReturnType<typeof rulesByNumber> {
  let perArch = cache.get(policy);
  if (!perArch) cache.set(policy, (perArch = new Map()));
  let g = perArch.get(arch);
  if (!g) perArch.set(arch, (g = rulesByNumber(policy, arch)));
  return g;
}

/** The action `policy`, compiled for `arch`, takes for `input`. */
export function evaluatePolicyAction(policy: Policy, arch: Arch, input: SyscallInput): Action {
  // The prologue: another architecture's calling convention, or x32's numbering on x86_64, never reaches
  // the rules (see compile.ts).
  if (input.arch >>> 0 !== AUDIT_ARCH[arch]) return KILL_PROCESS;
  const nr = input.nr >>> 0;
  if (arch === 'x86_64' && nr >= X32_SYSCALL_BIT) return KILL_PROCESS;
  const entry = grouped(policy, arch).get(nr);
  if (!entry) return policy.defaultAction;
  for (const rule of entry.conditional) {
    if (rule.when.every((c) => conditionHolds(c, input.args?.[c.arg] ?? 0n))) return rule.action;
  }
  return entry.unconditional?.action ?? policy.defaultAction;
}

/** The 32-bit SECCOMP_RET_* value for `input` (what the filter program returns). */
export function evaluatePolicy(policy: Policy, arch: Arch, input: SyscallInput): number {
  return actionValue(evaluatePolicyAction(policy, arch, input));
}
