/**
 * What a plan enforces, in words, for run results and `doctor`. Pure. Never pretends: protections this
 * code knows but the kernel's ABI lacks are listed in `missing`, so the engine can decide (refuse, or run
 * with another layer covering them) instead of the gap being silent.
 */
import {
  abiIntroducing, AccessFs, AccessNet, fsRightsFor, namesOf, netRightsFor, NEWEST_KNOWN_ABI, Scope, scopesFor,
  type AccessFsName, type AccessNetName, type ResolvedAbi, type ScopeName,
} from './abi.js';
import type { LandlockPlan } from './plan.js';

export interface LandlockEnforcement {
  /** The ABI whose rights are enforced. */
  readonly abi: number;
  /** The ABI the kernel reported (may be newer than the newest this code knows). */
  readonly kernelAbi: number;
  /** landlockAbi: the "at most" the caller pinned, or null (the kernel's). */
  readonly pinned: number | null;
  /** Handled filesystem rights (LANDLOCK_ACCESS_FS_* suffixes): denied unless a rule allows them. */
  readonly fsRights: readonly AccessFsName[];
  /** Handled network rights: with no net rule, every such operation is denied. */
  readonly netRights: readonly AccessNetName[];
  /** Scopes (LANDLOCK_SCOPE_* suffixes): IPC the program cannot reach outside its domain. */
  readonly scopes: readonly ScopeName[];
  /** Number of path rules (0 when only the kernel was described). */
  readonly rules: number;
  /** Protections this code uses on newer kernels but which this kernel lacks, one sentence each. */
  readonly missing: readonly string[];
  /** Other facts worth knowing (e.g. a kernel newer than this code). */
  readonly notes: readonly string[];
}

interface Handled {
  readonly abi: number;
  readonly kernelAbi: number;
  readonly pinned: number | null;
  readonly fs: bigint;
  readonly net: bigint;
  readonly scoped: bigint;
}

const SCOPE_WORDS: Record<ScopeName, string> = {
  SIGNAL: 'signal scoping (the program could signal processes outside its Landlock domain, e.g. kill(-1, ...))',
  ABSTRACT_UNIX_SOCKET: 'abstract unix socket scoping (the program could connect to abstract unix sockets '
    + 'outside its Landlock domain)',
};

function describe(h: Handled, rules: number): LandlockEnforcement {
  const newest = NEWEST_KNOWN_ABI;
  const inUse = h.abi === h.kernelAbi ? `kernel has ${h.kernelAbi}` : `ABI ${h.abi} in use, kernel has ${h.kernelAbi}`;
  const missing: string[] = [];
  for (const name of namesOf(AccessFs, fsRightsFor(newest) & ~h.fs)) {
    missing.push(`filesystem right ${name} is not available (needs Landlock ABI ${abiIntroducing('fs', name)}, `
      + `${inUse})`);
  }
  for (const name of namesOf(AccessNet, netRightsFor(newest) & ~h.net)) {
    missing.push(`network right ${name} is not available (needs Landlock ABI ${abiIntroducing('net', name)}, `
      + `${inUse}): TCP ${name === 'BIND_TCP' ? 'bind' : 'connect'} is not restricted by Landlock`);
  }
  for (const name of namesOf(Scope, scopesFor(newest) & ~h.scoped)) {
    missing.push(`${SCOPE_WORDS[name]} is not available (needs Landlock ABI ${abiIntroducing('scopes', name)}, `
      + `${inUse})`);
  }
  const notes: string[] = [];
  if (h.kernelAbi > newest) {
    notes.push(`kernel Landlock ABI ${h.kernelAbi} is newer than the newest this code knows (${newest}); `
      + `the rights of ABI ${newest} are enforced`);
  }
  if (h.pinned !== null) notes.push(`pinned to at most Landlock ABI ${h.pinned} (landlockAbi); the kernel has ${h.kernelAbi}`);
  return {
    abi: h.abi,
    kernelAbi: h.kernelAbi,
    pinned: h.pinned,
    fsRights: namesOf(AccessFs, h.fs),
    netRights: namesOf(AccessNet, h.net),
    scopes: namesOf(Scope, h.scoped),
    rules,
    missing,
    notes,
  };
}

/** What applying `plan` enforces. */
export function enforcementOf(plan: LandlockPlan): LandlockEnforcement {
  return describe({
    abi: plan.abi, kernelAbi: plan.kernelAbi, pinned: plan.pinned, fs: plan.handledAccessFs, net: plan.handledAccessNet, scoped: plan.scoped,
  }, plan.rules.length);
}

/** What any plan would enforce on a kernel with this ABI (no rules counted). */
export function enforcementForAbi(abi: ResolvedAbi): LandlockEnforcement {
  return describe({
    abi: abi.abi, kernelAbi: abi.kernelAbi, pinned: abi.pinned ?? null, fs: fsRightsFor(abi.abi), net: netRightsFor(abi.abi), scoped: scopesFor(abi.abi),
  }, 0);
}
