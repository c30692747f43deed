/**
 * The entry points: probe the kernel (or take a test's simulated answer), compute a plan, describe it.
 * Applying lives in apply.ts (applyLandlockPlan) because it is the only part that restricts anything.
 */
import { pinAbi, resolveAbi, type AbiProbe, type ResolvedAbi, type SupportedAbi } from './abi.js';
import { nodeFsView, type FsView } from './fsview.js';
import { computeLandlockPlan, type LandlockPathConfig, type LandlockPlan } from './plan.js';
import { enforcementForAbi, enforcementOf, type LandlockEnforcement } from './report.js';
import { probeLandlockAbi } from './apply.js';

export interface LandlockOptions {
  /**
   * Where the kernel's ABI comes from. Default: the landlock_create_ruleset version probe. Tests of
   * fail-closed paths pass e.g. `() => ({ ok: true, version: 2 })` or `() => ({ ok: false, errno: 38 })`.
   */
  readonly probe?: AbiProbe;
  /** The filesystem the rules are computed over. Default: the real one (synchronous node:fs). */
  readonly fs?: FsView;
  /** Use at most this ABI (landlockAbi, 3..7). Default: the kernel's. */
  readonly atMost?: SupportedAbi | null;
}

/**
 * The kernel's Landlock ABI as this code will use it. Throws LandlockNotCompiledError (ENOSYS),
 * LandlockDisabledError (EOPNOTSUPP), LandlockAbiTooOldError (ABI < 3) or LandlockProbeError.
 */
export function detectLandlockAbi(probe: AbiProbe = probeLandlockAbi, atMost: SupportedAbi | null = null): ResolvedAbi {
  return pinAbi(resolveAbi(probe()), atMost);
}

/** Probes the kernel and computes the rules for `config`: once per policy, then reused. */
export function planLandlock(config: LandlockPathConfig, options: LandlockOptions = {}): LandlockPlan {
  return computeLandlockPlan(config, detectLandlockAbi(options.probe, options.atMost ?? null), options.fs ?? nodeFsView);
}

/**
 * What would be enforced on this kernel, restricting nothing (for `doctor`). With a config, the plan is
 * computed too (validating its paths) and its rules counted.
 */
export function describeLandlock(config?: LandlockPathConfig, options: LandlockOptions = {}): LandlockEnforcement {
  if (config === undefined) return enforcementForAbi(detectLandlockAbi(options.probe, options.atMost ?? null));
  return enforcementOf(planLandlock(config, options));
}
