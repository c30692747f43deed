/**
 * Applying a plan to the CALLING THREAD: the part of src/landlock that restricts anything (the syscalls themselves
 * are src/native/landlock.ts). Landlock domains, like no_new_privs, belong to one thread when restrict_self is
 * called without LANDLOCK_RESTRICT_SELF_TSYNC; every process that thread creates afterwards inherits them across
 * execve. Run this inside the Worker that will spawn the programs, never on the main thread.
 *
 * Every call is checked; the first failure throws and nothing is half-applied: the domain only exists
 * once landlock_restrict_self succeeded, which is the last step.
 */
import * as fs from 'node:fs';
import { Errno } from '../native/errno.js';
import { abiVersion, addPathBeneathRule, createRuleset, openPathNoSymlinks, restrictSelf } from '../native/landlock.js';
import { check, close, lastErrno } from '../native/libc.js';
import { prctl, PR_SET_NO_NEW_PRIVS } from '../native/prctl.js';
import {
  fsRightsFor, netRightsFor, OWN_PROC_ACCESS, resolveAbi, rulesetAttrSize, scopesFor, type AbiProbe, type AbiProbeResult,
} from './abi.js';
import { LandlockAbiMismatchError, PlanInvariantError, RulePathChangedError, RulePathOpenError } from './errors.js';
import type { LandlockPlan, PlanRule } from './plan.js';
import { enforcementOf, type LandlockEnforcement } from './report.js';

/** landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the kernel's ABI version or errno. */
export function probeLandlockAbi(): AbiProbeResult {
  return abiVersion();
}

function closeFd(fd: number, what: string): void {
  check('close', close(fd), what);
}

/**
 * Opens a rule's path as an O_PATH descriptor without following any symlink: RESOLVE_NO_SYMLINKS makes a
 * symlink in a directory component fail with ELOOP, O_NOFOLLOW opens a final symlink itself (addRule then
 * refuses it). The plan holds canonical paths, so a symlink found now means the tree changed and the rule
 * could land elsewhere, e.g. on a denied directory.
 */
function openRulePath(path: string): number {
  const ret = openPathNoSymlinks(path);
  if (ret < 0) throw new RulePathOpenError(path, lastErrno());
  return ret;
}

/** The rule's path opened (openRulePath) and checked to be still of the kind the plan says: the fd for its rule. */
function openRule(rule: PlanRule): number {
  const fd = openRulePath(rule.path);
  try {
    // With O_PATH|O_NOFOLLOW a final symlink is opened itself rather than refused; and a file-rights rule
    // on what is now a directory would be accepted by the kernel. Refuse both here.
    const st = fs.fstatSync(fd);
    const found = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'non-directory';
    if (found === 'symlink' || (found === 'directory') !== rule.isDirectory) {
      throw new RulePathChangedError(rule.path, rule.isDirectory, found);
    }
  } catch (e) {
    close(fd); // best effort: the first error is the one to report
    throw e;
  }
  return fd;
}

function addRule(rulesetFd: number, rule: PlanRule): void {
  const fd = openRule(rule);
  let failed = true;
  try {
    addPathBeneathRule(rulesetFd, rule.access, fd, rule.path);
    failed = false;
  } finally {
    // On failure, closing is best effort: the first error is the one to report.
    if (failed) close(fd);
    else closeFd(fd, rule.path);
  }
}

/** A plan must be internally consistent with its own layer and ABI before it reaches the kernel. */
function checkPlanShape(plan: LandlockPlan): void {
  const fs = plan.layer === 'policy' ? fsRightsFor(plan.abi) : OWN_PROC_ACCESS;
  const net = plan.layer === 'policy' ? netRightsFor(plan.abi) : 0n;
  if ((plan.layer !== 'policy' && plan.layer !== 'own-proc') || plan.handledAccessFs !== fs
    || plan.handledAccessNet !== net || plan.scoped !== scopesFor(plan.abi)) {
    throw new PlanInvariantError('(plan)', `handles other rights than its layer (${String(plan.layer)}) at ABI ${plan.abi} defines`);
  }
}

/**
 * A plan whose rule paths are opened once (O_PATH, checked as for one ruleset), for building many rulesets from it:
 * the own-/proc layer is built for every run, and opening its paths each time would be most of the cost. The fds
 * hold the inodes the plan named; a path replaced since is then not granted (a denial, never more access). The
 * owner recomputes the plan when the directories it lists change, and closes the old one.
 */
export interface PreparedPlan {
  readonly plan: LandlockPlan;
  /** A new ruleset fd with the plan's rules, restricting nothing; the caller closes it (addLandlockRules adds more). */
  build(): number;
  /** Closes the rule fds; build() then throws. */
  close(): void;
}

export function prepareLandlockPlan(plan: LandlockPlan): PreparedPlan {
  checkPlanShape(plan);
  const fds: number[] = [];
  try {
    for (const rule of plan.rules) fds.push(openRule(rule));
  } catch (e) {
    for (const fd of fds) close(fd);
    throw e;
  }
  let open = true;
  return {
    plan,
    build() {
      if (!open) throw new PlanInvariantError('(plan)', 'built after it was closed');
      const rulesetFd = createRuleset({ fs: plan.handledAccessFs, net: plan.handledAccessNet, scoped: plan.scoped },
        rulesetAttrSize(plan.abi));
      try {
        plan.rules.forEach((rule, i) => addPathBeneathRule(rulesetFd, rule.access, fds[i]!, rule.path));
      } catch (e) {
        close(rulesetFd);
        throw e;
      }
      return rulesetFd;
    },
    close() {
      if (!open) return;
      open = false;
      for (const fd of fds.splice(0)) closeFd(fd, 'rule fd');
    },
  };
}

/** Adds `rules` (opened now, checked as for a plan's) to a ruleset not yet enforced: a run's own /proc/PID rule. */
export function addLandlockRules(rulesetFd: number, rules: readonly PlanRule[]): void {
  for (const rule of rules) addRule(rulesetFd, rule);
}

export interface ApplyOptions {
  /** Where the kernel's ABI comes from; tests inject a simulated answer. Default: probeLandlockAbi. */
  readonly probe?: AbiProbe;
}

/**
 * Restricts the calling thread with `plan`: create the ruleset, add every rule, set no_new_privs, then
 * landlock_restrict_self. Irreversible for this thread. Throws LandlockAbiMismatchError when the plan was
 * computed for another ABI than this kernel's, RulePathOpenError / RulePathChangedError when the tree
 * changed since, and SysCallError (call name, errno, path) for any failed call.
 */
export function applyLandlockPlan(plan: LandlockPlan, options: ApplyOptions = {}): LandlockEnforcement {
  const kernel = resolveAbi((options.probe ?? probeLandlockAbi)());
  // A plan pinned below the kernel's ABI (landlockAbi) handles fewer rights, which any newer kernel enforces; one
  // computed for more than this kernel offers would be refused or, worse, half understood.
  if (plan.abi > kernel.abi || plan.kernelAbi !== kernel.kernelAbi) throw new LandlockAbiMismatchError(plan.abi, kernel.kernelAbi, kernel.abi);
  const prepared = prepareLandlockPlan(plan);
  let rulesetFd: number;
  try {
    rulesetFd = prepared.build();
  } finally {
    prepared.close();
  }
  let failed = true;
  try {
    // Required by restrict_self without CAP_SYS_ADMIN; set in every case so that nothing spawned from this
    // thread gains privileges through a setuid or file-capability binary, whatever the caller's own
    // capabilities. Per thread, like the domain; if restrict_self then fails, only no_new_privs remains.
    check('prctl(PR_SET_NO_NEW_PRIVS)', prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    restrictSelf(rulesetFd);
    failed = false;
  } finally {
    if (failed) close(rulesetFd);
    else closeFd(rulesetFd, 'ruleset fd');
  }
  return enforcementOf(plan);
}

/**
 * applyLandlockPlan, leaving out a rule whose path has VANISHED since the plan was computed (entries come and go
 * next to a denied directory in a busy /tmp). That only denies more: the entry is gone, and one created later under
 * that name gets no rule. Every failure is thrown before landlock_restrict_self, so the thread is still
 * unrestricted when it tries again without the rule. A configured writable directory that vanished, a path that
 * became a symlink or changed kind, and every other failure stay errors. A spawner thread applies its plan this
 * way: it does not load the planner, so it cannot compute a fresh plan itself.
 */
export function applyLandlockPlanTolerating(plan: LandlockPlan, options: ApplyOptions = {}): LandlockEnforcement {
  for (;;) {
    try {
      return applyLandlockPlan(plan, options);
    } catch (e) {
      const vanished = e instanceof RulePathOpenError && (e.errno === Errno.ENOENT || e.errno === Errno.ENOTDIR);
      const path = (e as RulePathOpenError).path;
      if (!vanished || plan.writeAllowPaths.includes(path) || !plan.rules.some((r) => r.path === path)) throw e;
      plan = { ...plan, rules: plan.rules.filter((r) => r.path !== path) };
    }
  }
}
