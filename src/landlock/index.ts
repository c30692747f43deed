/**
 * Landlock: the user's read-deny / write-allow directories as allow rules, plus network denial and IPC
 * scoping, applied to the calling thread. See docs/principles.md.
 */
export {
  ABI_ADDITIONS, AccessFs, AccessNet, Scope, MIN_SUPPORTED_ABI, NEWEST_KNOWN_ABI, abiIntroducing, fsRightsFor,
  isSupportedAbi, namesOf, netRightsFor, pinAbi, resolveAbi, rulesetAttrSize, scopesFor,
} from './abi.js';
export type {
  AbiProbe, AbiProbeResult, AccessFsName, AccessNetName, KnownAbi, ResolvedAbi, ScopeName, SupportedAbi,
} from './abi.js';
export {
  LandlockAbiMismatchError, LandlockAbiTooOldError, LandlockDisabledError, LandlockError, LandlockNotCompiledError,
  LandlockProbeError, PlanInvariantError, PlanScanError, RulePathChangedError, RulePathOpenError, SandboxPathError,
} from './errors.js';
export type { PathListName, PathProblem } from './errors.js';
export { nodeFsView } from './fsview.js';
export type { DirEntry, EntryKind, FsView } from './fsview.js';
export {
  computeLandlockPlan, DEV_ROOT, DEVICE_ALLOWANCES, FILE_ACCESS, isAtOrBelow, isPerProcessProcEntry, OWN_PROC_ACCESS,
  ownProcLayer, ownProcRule, PROC_ROOT, READ_ACCESS, WRITE_ACCESS,
} from './plan.js';
export type { LandlockPathConfig, LandlockPlan, PlanLayer, PlanRule } from './plan.js';
export { enforcementForAbi, enforcementOf } from './report.js';
export type { LandlockEnforcement } from './report.js';
export { describeLandlock, detectLandlockAbi, planLandlock } from './ruleset.js';
export type { LandlockOptions } from './ruleset.js';
export {
  addLandlockRules, applyLandlockPlan, applyLandlockPlanTolerating, prepareLandlockPlan, probeLandlockAbi,
} from './apply.js';
export type { ApplyOptions, PreparedPlan } from './apply.js';
export { LANDLOCK_CREATE_RULESET_VERSION, LANDLOCK_RULE_PATH_BENEATH } from '../native/landlock.js';
