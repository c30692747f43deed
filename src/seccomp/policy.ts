/**
 * A seccomp policy as data: a default action and rules, each naming a syscall, an action, optional argument
 * conditions and a one-line reason. `definePolicy()` validates and normalises a policy once, when it is
 * built; `compile()` (compile.ts) turns a validated policy into a classic-BPF program. Pure: no syscalls.
 *
 * Evaluation order, for one syscall on one architecture (the compiled filter and `evaluatePolicy()` both
 * implement exactly this):
 *   1. its conditional rules, in the order they were given; the first whose conditions ALL hold decides;
 *   2. otherwise its unconditional rule, if it has one;
 *   3. otherwise the policy's default action.
 * Where in the list an unconditional rule appears does not matter. Before any of this the filter checks
 * the architecture (see compile.ts); that prologue is not part of the policy.
 *
 * Architectures: a rule without `onlyOn` applies on every architecture in ARCHES and its syscall must
 * exist on all of them; a syscall that exists on only some (fork, chmod, ... exist on x86_64 only) needs
 * `onlyOn: ['x86_64']`, so a name that is missing somewhere is always a decision written down, never a
 * typo that silently drops a rule.
 *
 * Conditions compare one argument (0..5) of seccomp_data. `width: 64` (the default) compares the whole
 * 64-bit register; `width: 32` compares only its low half, which is what the kernel reads for a C `int`
 * or `unsigned int` parameter (ioctl's cmd, personality's persona, clone's flags as used by the kernel),
 * so garbage a caller leaves in the high half can neither bypass nor trigger a rule. Comparisons are
 * unsigned, as in the kernel's BPF.
 */
import {
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_LOG, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF,
} from '../bpf/index.js';
import { ARCHES, isArch, syscallNumber, type Arch } from './syscalls.js';

/** include/linux/err.h: the kernel clamps SECCOMP_RET_ERRNO data to this. */
export const MAX_ERRNO = 4095;

export type Action =
  | { readonly type: 'ALLOW' }
  | { readonly type: 'ERRNO'; readonly errno: number }
  | { readonly type: 'KILL_PROCESS' }
  | { readonly type: 'TRAP' }
  | { readonly type: 'LOG' }
  | { readonly type: 'USER_NOTIF' };

export const ALLOW: Action = Object.freeze({ type: 'ALLOW' });
export const KILL_PROCESS: Action = Object.freeze({ type: 'KILL_PROCESS' });
export const TRAP: Action = Object.freeze({ type: 'TRAP' });
export const LOG: Action = Object.freeze({ type: 'LOG' });
export const USER_NOTIF: Action = Object.freeze({ type: 'USER_NOTIF' });
export function ERRNO(errno: number): Action {
  return Object.freeze({ type: 'ERRNO', errno });
}

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'masked_eq';
const OPS: readonly CompareOp[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'masked_eq'];

/** One argument comparison as written in a policy. */
export interface ArgConditionInput {
  /** Argument index, 0..5. */
  readonly arg: number;
  readonly op: CompareOp;
  /** The constant compared against (for masked_eq: what `arg & mask` must equal). Negative numbers are two's complement. */
  readonly value: bigint | number;
  /** masked_eq only (and required there). */
  readonly mask?: bigint | number;
  /** 64 (default): the whole argument; 32: its low half only. */
  readonly width?: 32 | 64;
}

/** A condition after definePolicy(): unsigned values of the condition's width, mask always present. */
export interface ArgCondition {
  readonly arg: number;
  readonly op: CompareOp;
  readonly value: bigint;
  /** All ones of the width unless op is masked_eq. */
  readonly mask: bigint;
  readonly width: 32 | 64;
}

export interface RuleInput {
  readonly syscall: string;
  readonly action: Action;
  /** All must hold (AND). Absent or empty: the rule is unconditional. */
  readonly when?: readonly ArgConditionInput[];
  /** One line saying why the rule exists; it appears next to the rule's code in the listing. */
  readonly reason: string;
  /** The architectures the rule applies on (default: all of ARCHES). */
  readonly onlyOn?: readonly Arch[];
}

export interface Rule {
  readonly syscall: string;
  readonly action: Action;
  /** Empty: unconditional. */
  readonly when: readonly ArgCondition[];
  readonly reason: string;
  readonly onlyOn: readonly Arch[];
}

export interface PolicyInput {
  readonly defaultAction: Action;
  readonly rules: readonly RuleInput[];
}

export interface Policy {
  readonly defaultAction: Action;
  readonly rules: readonly Rule[];
}

export type PolicyErrorCode = 'empty' | 'invalid' | 'unknown-syscall' | 'conflict' | 'duplicate' | 'no-op';

/** A policy that cannot be compiled as written. `ruleIndex` is the offending rule's index in `rules`. */
export class PolicyError extends Error {
  readonly code: PolicyErrorCode;
  readonly ruleIndex: number | undefined;
  readonly syscall: string | undefined;
  constructor(code: PolicyErrorCode, message: string, where?: { ruleIndex?: number; syscall?: string }) {
    super(where?.ruleIndex !== undefined ? `rule ${where.ruleIndex}${where.syscall ? ` (${where.syscall})` : ''}: ${message}` : message);
    this.name = 'PolicyError';
    this.code = code;
    this.ruleIndex = where?.ruleIndex;
    this.syscall = where?.syscall;
  }
}

/** The 32-bit value a filter returns for `action` (SECCOMP_RET_* | data). */
export function actionValue(action: Action): number {
  switch (action.type) {
    case 'ALLOW': return SECCOMP_RET_ALLOW;
    case 'ERRNO': return (SECCOMP_RET_ERRNO | (action.errno & 0xffff)) >>> 0;
    case 'KILL_PROCESS': return SECCOMP_RET_KILL_PROCESS;
    case 'TRAP': return SECCOMP_RET_TRAP;
    case 'LOG': return SECCOMP_RET_LOG;
    case 'USER_NOTIF': return SECCOMP_RET_USER_NOTIF;
  }
}

export function actionName(action: Action): string {
  return action.type === 'ERRNO' ? `ERRNO(${action.errno})` : action.type;
}

export function sameAction(a: Action, b: Action): boolean {
  return a.type === b.type && (a.type !== 'ERRNO' || a.errno === (b as { errno: number }).errno);
}

function validateAction(action: unknown, where: string, at?: { ruleIndex?: number; syscall?: string }): Action {
  const a = action as { type?: unknown; errno?: unknown } | null;
  if (a === null || typeof a !== 'object') throw new PolicyError('invalid', `${where} is not an action: ${String(action)}`, at);
  switch (a.type) {
    case 'ALLOW': return ALLOW;
    case 'KILL_PROCESS': return KILL_PROCESS;
    case 'TRAP': return TRAP;
    case 'LOG': return LOG;
    case 'USER_NOTIF': return USER_NOTIF;
    case 'ERRNO':
      if (typeof a.errno !== 'number' || !Number.isInteger(a.errno) || a.errno < 0 || a.errno > MAX_ERRNO) {
        throw new PolicyError('invalid', `${where}: ERRNO(${String(a.errno)}) is not an errno in 0..${MAX_ERRNO}`, at);
      }
      return ERRNO(a.errno);
    default:
      throw new PolicyError('invalid', `${where}: unknown action type ${JSON.stringify(a.type)}`, at);
  }
}

function toUnsigned(v: unknown, width: 32 | 64, what: string, at: { ruleIndex: number; syscall: string }): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw new PolicyError('invalid', `${what} must be an integer (a bigint, or a number within 2^53), got ${String(v)}`, at);
  const min = -(1n << BigInt(width - 1));
  const max = (1n << BigInt(width)) - 1n;
  if (b < min || b > max) throw new PolicyError('invalid', `${what} ${v} does not fit in ${width} bits`, at);
  return BigInt.asUintN(width, b);
}

function validateCondition(c: ArgConditionInput, at: { ruleIndex: number; syscall: string }): ArgCondition {
  if (c === null || typeof c !== 'object') throw new PolicyError('invalid', `a condition is not an object: ${String(c)}`, at);
  if (!Number.isInteger(c.arg) || c.arg < 0 || c.arg > 5) {
    throw new PolicyError('invalid', `argument index ${String(c.arg)} is not in 0..5`, at);
  }
  if (!OPS.includes(c.op)) throw new PolicyError('invalid', `unknown comparison ${JSON.stringify(c.op)} (expected one of: ${OPS.join(', ')})`, at);
  const width = c.width ?? 64;
  if (width !== 32 && width !== 64) throw new PolicyError('invalid', `width ${String(c.width)} is neither 32 nor 64`, at);
  const all = (1n << BigInt(width)) - 1n;
  const value = toUnsigned(c.value, width, `arg ${c.arg} value`, at);
  let mask = all;
  if (c.op === 'masked_eq') {
    if (c.mask === undefined) throw new PolicyError('invalid', `masked_eq on arg ${c.arg} needs a mask`, at);
    mask = toUnsigned(c.mask, width, `arg ${c.arg} mask`, at);
    if (mask === 0n) throw new PolicyError('invalid', `masked_eq on arg ${c.arg} with mask 0 always holds: make the rule unconditional`, at);
    if ((value & ~mask) !== 0n) {
      throw new PolicyError('invalid', `masked_eq on arg ${c.arg} can never match: value 0x${value.toString(16)} has bits outside mask 0x${mask.toString(16)}`, at);
    }
  } else if (c.mask !== undefined && toUnsigned(c.mask, width, `arg ${c.arg} mask`, at) !== all) {
    // A normalised condition carries an all-ones mask, so a validated policy validates again unchanged.
    throw new PolicyError('invalid', `a mask is only meaningful with masked_eq, not ${c.op}`, at);
  }
  return Object.freeze({ arg: c.arg, op: c.op, value, mask, width });
}

function conditionKey(c: ArgCondition): string {
  return `${c.arg}:${c.op}:${c.width}:${c.mask.toString(16)}:${c.value.toString(16)}`;
}

/** A key for a rule's condition set that does not depend on the order of its conditions. */
function conditionsKey(when: readonly ArgCondition[]): string {
  return when.map(conditionKey).sort().join('&');
}

/**
 * Validates and normalises a policy. Throws PolicyError (with `code`) for: no rules ('empty'); a malformed
 * action, condition, reason or arch list ('invalid'); a syscall missing on an architecture the rule applies
 * on ('unknown-syscall'); two unconditional rules with different actions for one syscall, or two
 * conditional rules with the same conditions and different actions, the second of which could never
 * match ('conflict'); the same rule twice ('duplicate'); a rule that can never change the outcome: an
 * unconditional rule whose action is the default, or a conditional rule whose action equals what the
 * syscall would get without it and that no later conditional rule depends on ('no-op').
 */
export function definePolicy(input: PolicyInput): Policy {
  if (input === null || typeof input !== 'object') throw new PolicyError('invalid', 'a policy must be an object');
  const defaultAction = validateAction(input.defaultAction, 'defaultAction');
  if (!Array.isArray(input.rules) || input.rules.length === 0) {
    throw new PolicyError('empty', 'the policy has no rules: a filter that only returns its default action is a mistake, not a policy');
  }
  const rules: Rule[] = input.rules.map((r, ruleIndex) => {
    if (r === null || typeof r !== 'object') throw new PolicyError('invalid', `rule ${ruleIndex} is not an object`);
    if (typeof r.syscall !== 'string' || r.syscall === '') throw new PolicyError('invalid', 'the syscall name is missing', { ruleIndex });
    const at = { ruleIndex, syscall: r.syscall };
    const action = validateAction(r.action, 'action', at);
    if (typeof r.reason !== 'string' || r.reason.trim() === '') throw new PolicyError('invalid', 'every rule needs a reason', at);
    if (/[\r\n]/.test(r.reason)) throw new PolicyError('invalid', 'the reason must be one line', at);
    let onlyOn: readonly Arch[] = ARCHES;
    if (r.onlyOn !== undefined) {
      if (!Array.isArray(r.onlyOn) || r.onlyOn.length === 0) throw new PolicyError('invalid', 'onlyOn must list at least one architecture', at);
      for (const a of r.onlyOn) if (!isArch(a)) throw new PolicyError('invalid', `onlyOn names an unknown architecture ${JSON.stringify(a)}`, at);
      if (new Set(r.onlyOn).size !== r.onlyOn.length) throw new PolicyError('invalid', 'onlyOn lists an architecture twice', at);
      onlyOn = Object.freeze(ARCHES.filter((a) => r.onlyOn!.includes(a)));
    }
    for (const arch of onlyOn) {
      if (syscallNumber(r.syscall, arch) === undefined) {
        const elsewhere = ARCHES.filter((a) => syscallNumber(r.syscall, a) !== undefined);
        throw new PolicyError('unknown-syscall', elsewhere.length
          ? `${r.syscall} does not exist on ${arch} (it exists on ${elsewhere.join(', ')}: say so with onlyOn)`
          : `unknown syscall ${JSON.stringify(r.syscall)} (not in the ${ARCHES.join(' or ')} tables)`, at);
      }
    }
    let when: readonly ArgCondition[] = [];
    if (r.when !== undefined) {
      const conditions: readonly ArgConditionInput[] = r.when;
      if (!Array.isArray(conditions)) throw new PolicyError('invalid', 'when must be an array of conditions', at);
      when = Object.freeze(conditions.map((c) => validateCondition(c, at)));
      const keys = when.map(conditionKey);
      if (new Set(keys).size !== keys.length) throw new PolicyError('duplicate', 'the same condition appears twice in one rule', at);
    }
    return Object.freeze({ syscall: r.syscall, action, when, reason: r.reason.trim(), onlyOn });
  });
  for (const arch of ARCHES) checkInteractions(rules, defaultAction, arch);
  return Object.freeze({ defaultAction, rules: Object.freeze(rules) });
}

/** Conflicts, duplicates and no-ops among the rules that apply on `arch`. */
function checkInteractions(rules: readonly Rule[], defaultAction: Action, arch: Arch): void {
  const bySyscall = new Map<string, number[]>();
  rules.forEach((r, i) => {
    if (!r.onlyOn.includes(arch)) return;
    const list = bySyscall.get(r.syscall) ?? [];
    list.push(i);
    bySyscall.set(r.syscall, list);
  });
  for (const [syscall, indexes] of bySyscall) {
    const unconditional = indexes.filter((i) => rules[i]!.when.length === 0);
    const conditional = indexes.filter((i) => rules[i]!.when.length > 0);
    if (unconditional.length > 1) {
      const [a, b] = [rules[unconditional[0]!]!, rules[unconditional[1]!]!];
      throw sameAction(a.action, b.action)
        ? new PolicyError('duplicate', `a second unconditional rule for ${syscall} (the first is rule ${unconditional[0]})`, { ruleIndex: unconditional[1]!, syscall })
        : new PolicyError('conflict', `unconditional rules for ${syscall} disagree: ${actionName(a.action)} (rule ${unconditional[0]}) and ${actionName(b.action)}`, { ruleIndex: unconditional[1]!, syscall });
    }
    const fallback = unconditional.length ? rules[unconditional[0]!]!.action : defaultAction;
    if (unconditional.length && sameAction(fallback, defaultAction)) {
      throw new PolicyError('no-op', `the unconditional rule returns ${actionName(fallback)}, which is already the default action`, { ruleIndex: unconditional[0]!, syscall });
    }
    const seen = new Map<string, number>();
    conditional.forEach((i, k) => {
      const rule = rules[i]!;
      const key = conditionsKey(rule.when);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw sameAction(rules[earlier]!.action, rule.action)
          ? new PolicyError('duplicate', `the same conditions as rule ${earlier}, with the same action`, { ruleIndex: i, syscall })
          : new PolicyError('conflict', `the same conditions as rule ${earlier} with another action: this rule could never match`, { ruleIndex: i, syscall });
      }
      seen.set(key, i);
      const laterDiffers = conditional.slice(k + 1).some((j) => !sameAction(rules[j]!.action, fallback));
      if (sameAction(rule.action, fallback) && !laterDiffers) {
        throw new PolicyError('no-op', `returns ${actionName(rule.action)}, which ${syscall} gets anyway when the rule does not match`, { ruleIndex: i, syscall });
      }
    });
  }
}

/** The rules of `policy` that apply on `arch`, grouped by syscall number (conditional ones in order). */
export function rulesByNumber(policy: Policy, arch: Arch): Map<number, { syscall: string; conditional: Rule[]; unconditional: Rule | undefined }> {
  const out = new Map<number, { syscall: string; conditional: Rule[]; unconditional: Rule | undefined }>();
  for (const rule of policy.rules) {
    if (!rule.onlyOn.includes(arch)) continue;
    const nr = syscallNumber(rule.syscall, arch);
    if (nr === undefined) throw new PolicyError('unknown-syscall', `${rule.syscall} does not exist on ${arch}`, { syscall: rule.syscall });
    const entry = out.get(nr) ?? { syscall: rule.syscall, conditional: [], unconditional: undefined };
    if (rule.when.length) entry.conditional.push(rule);
    else entry.unconditional = rule;
    out.set(nr, entry);
  }
  return out;
}

/** Whether `c` holds for the 64-bit argument value `arg`. */
export function conditionHolds(c: ArgCondition, arg: bigint): boolean {
  const a = BigInt.asUintN(c.width, arg) & c.mask;
  switch (c.op) {
    case 'eq': case 'masked_eq': return a === c.value;
    case 'ne': return a !== c.value;
    case 'gt': return a > c.value;
    case 'ge': return a >= c.value;
    case 'lt': return a < c.value;
    case 'le': return a <= c.value;
  }
}
