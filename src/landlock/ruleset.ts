/**
 * The entry points: probe the kernel (or take a test's simulated answer), compute a plan, describe it.
 * Applying lives in sys.ts (applyLandlockPlan) because it is the only part that restricts anything.
 */
import { resolveAbi, type AbiProbe, type ResolvedAbi } from './abi.js';
import { nodeFsView, type FsView } from './fsview.js';
import { computeLandlockPlan, type LandlockPathConfig, type LandlockPlan } from './plan.js';
import { Errno } from '../native/errno.js';
import { RulePathChangedError, RulePathOpenError } from './errors.js';
import { enforcementForAbi, enforcementOf, type LandlockEnforcement } from './report.js';
import { applyLandlockPlan, probeLandlockAbi } from './sys.js';

export interface LandlockOptions {
  /**
   * Where the kernel's ABI comes from. Default: the landlock_create_ruleset version probe. Tests of
   * fail-closed paths pass e.g. `() => ({ ok: true, version: 2 })` or `() => ({ ok: false, errno: 38 })`.
   */
  readonly probe?: AbiProbe;
  /** The filesystem the rules are computed over. Default: the real one (synchronous node:fs). */
  readonly fs?: FsView;
}

/**
 * The kernel's Landlock ABI as this code will use it. Throws LandlockNotCompiledError (ENOSYS),
 * LandlockDisabledError (EOPNOTSUPP), LandlockAbiTooOldError (ABI < 3) or LandlockProbeError.
 */
export function detectLandlockAbi(probe: AbiProbe = probeLandlockAbi): ResolvedAbi {
  return resolveAbi(probe());
}

/** Probes the kernel and computes the rules for `config`: once per policy, then reused. */
export function planLandlock(config: LandlockPathConfig, options: LandlockOptions = {}): LandlockPlan {
  return computeLandlockPlan(config, detectLandlockAbi(options.probe), options.fs ?? nodeFsView);
}

/**
 * What would be enforced on this kernel, restricting nothing (for `doctor`). With a config, the plan is
 * computed too (validating its paths) and its rules counted.
 */
export function describeLandlock(config?: LandlockPathConfig, options: LandlockOptions = {}): LandlockEnforcement {
  if (config === undefined) return enforcementForAbi(detectLandlockAbi(options.probe));
  return enforcementOf(planLandlock(config, options));
}

export interface RestrictOptions extends LandlockOptions {
  /** How many times to compute and apply before giving up on a tree that keeps changing. Default 3. */
  readonly attempts?: number;
}

/**
 * Computes a fresh plan and restricts the calling thread with it. A directory that had to be listed
 * (e.g. /tmp beside a denied directory in it) can lose an entry between listing and applying; the
 * attempt then fails before restrict_self (nothing is applied) and a new plan is computed. Any other
 * error, or a tree still changing after `attempts`, throws.
 */
export function restrictThisThread(
  config: LandlockPathConfig, options: RestrictOptions = {},
): { plan: LandlockPlan; enforcement: LandlockEnforcement } {
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  for (let i = 1; ; i++) {
    const plan = planLandlock(config, options);
    try {
      const enforcement = applyLandlockPlan(plan, options.probe ? { probe: options.probe } : {});
      return { plan, enforcement };
    } catch (err) {
      const stale = err instanceof RulePathChangedError || (err instanceof RulePathOpenError
        && (err.errno === Errno.ENOENT || err.errno === Errno.ENOTDIR || err.errno === Errno.ELOOP));
      if (!stale || i >= attempts) throw err;
    }
  }
}
