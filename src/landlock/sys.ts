/**
 * The only file of src/landlock that makes syscalls: the ABI probe, and applying a plan to the CALLING
 * THREAD. Landlock domains, like no_new_privs, belong to one thread when restrict_self is called without
 * LANDLOCK_RESTRICT_SELF_TSYNC; every process that thread creates afterwards inherits them across execve.
 * Run applyLandlockPlan inside the Worker that will spawn the programs, never on the main thread.
 *
 * Every call is checked; the first failure throws and nothing is half-applied: the domain only exists
 * once landlock_restrict_self succeeded, which is the last step.
 */
import * as fs from 'node:fs';
import koffi from 'koffi';
import { check, close, lastErrno, libc, prctl, syscall6, syscallP } from '../native/libc.js';
import {
  fsRightsFor, LANDLOCK_CREATE_RULESET_VERSION, LANDLOCK_RULE_PATH_BENEATH, netRightsFor, resolveAbi, rulesetAttrSize,
  scopesFor, type AbiProbe, type AbiProbeResult,
} from './abi.js';
import { LandlockAbiMismatchError, PlanInvariantError, RulePathChangedError, RulePathOpenError } from './errors.js';
import type { LandlockPlan, PlanRule } from './plan.js';
import { enforcementOf, type LandlockEnforcement } from './report.js';

/* Syscall numbers: the same on x86_64 (arch/x86/entry/syscalls/syscall_64.tbl) and aarch64
 * (include/uapi/asm-generic/unistd.h), as for every syscall added since 5.1. */
const NR_openat2 = 437;
const NR_landlock_create_ruleset = 444;
const NR_landlock_add_rule = 445;
const NR_landlock_restrict_self = 446;

/* include/uapi/linux/prctl.h */
const PR_SET_NO_NEW_PRIVS = 38;
/* include/uapi/linux/fcntl.h */
const AT_FDCWD = -100;
/* include/uapi/linux/openat2.h: refuse every symlink, in any component, including magic links. */
const RESOLVE_NO_SYMLINKS = 0x04n;

/* Open flags: include/uapi/asm-generic/fcntl.h, where arm64 overrides O_NOFOLLOW
 * (arch/arm64/include/uapi/asm/fcntl.h). */
const O_PATH = 0o10000000n;
const O_CLOEXEC = 0o2000000n;
function oNofollow(): bigint {
  if (process.arch === 'x64') return 0o400000n;
  if (process.arch === 'arm64') return 0o100000n;
  throw new Error(`Landlock shim: unsupported architecture ${process.arch} (x64 and arm64 only)`);
}

/* include/uapi/linux/landlock.h: struct landlock_ruleset_attr, as of ABI 6 (24 bytes, no padding). The
 * size passed to the kernel is the one of the plan's ABI (rulesetAttrSize). Types are anonymous so they
 * cannot clash with koffi type names declared elsewhere in the process. */
const landlock_ruleset_attr = koffi.struct({
  handled_access_fs: 'uint64_t',
  handled_access_net: 'uint64_t',
  scoped: 'uint64_t',
});
/* landlock.h: struct landlock_path_beneath_attr is __attribute__((packed)): 12 bytes, parent_fd at 8. */
const landlock_path_beneath_attr = koffi.pack({
  allowed_access: 'uint64_t',
  parent_fd: 'int32_t',
});
/* include/uapi/linux/openat2.h: struct open_how. */
const open_how = koffi.struct({
  flags: 'uint64_t',
  mode: 'uint64_t',
  resolve: 'uint64_t',
});
if (koffi.sizeof(landlock_ruleset_attr) !== 24 || koffi.sizeof(landlock_path_beneath_attr) !== 12
  || koffi.sizeof(open_how) !== 24) {
  throw new Error('Landlock shim: struct layouts do not match include/uapi/linux/landlock.h and openat2.h');
}

/* Integer arguments are declared `long`: glibc's syscall() reads every argument as a long. */
const sys_landlock_create_ruleset = libc.func('syscall', 'long',
  ['long', koffi.pointer(landlock_ruleset_attr), 'size_t', 'long']);
const sys_landlock_add_rule = libc.func('syscall', 'long',
  ['long', 'long', 'long', koffi.pointer(landlock_path_beneath_attr), 'long']);
const sys_openat2 = libc.func('syscall', 'long', ['long', 'long', 'const char *', koffi.pointer(open_how), 'size_t']);

/** landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the kernel's ABI version or errno. */
export function probeLandlockAbi(): AbiProbeResult {
  const ret = Number(syscallP(NR_landlock_create_ruleset, null, 0, LANDLOCK_CREATE_RULESET_VERSION));
  if (ret < 0) return { ok: false, errno: lastErrno() };
  return { ok: true, version: ret };
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
  const ret = Number(sys_openat2(NR_openat2, AT_FDCWD, path,
    { flags: O_PATH | oNofollow() | O_CLOEXEC, mode: 0n, resolve: RESOLVE_NO_SYMLINKS }, koffi.sizeof(open_how)));
  if (ret < 0) throw new RulePathOpenError(path, lastErrno());
  return ret;
}

function addRule(rulesetFd: number, rule: PlanRule): void {
  const fd = openRulePath(rule.path);
  let failed = true;
  try {
    // With O_PATH|O_NOFOLLOW a final symlink is opened itself rather than refused; and a file-rights rule
    // on what is now a directory would be accepted by the kernel. Refuse both here.
    const st = fs.fstatSync(fd);
    const found = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'non-directory';
    if (found === 'symlink' || (found === 'directory') !== rule.isDirectory) {
      throw new RulePathChangedError(rule.path, rule.isDirectory, found);
    }
    check('landlock_add_rule', sys_landlock_add_rule(NR_landlock_add_rule, rulesetFd, LANDLOCK_RULE_PATH_BENEATH,
      { allowed_access: rule.access, parent_fd: fd }, 0), rule.path);
    failed = false;
  } finally {
    // On failure, closing is best effort: the first error is the one to report.
    if (failed) close(fd);
    else closeFd(fd, rule.path);
  }
}

/** A plan must be internally consistent with its own ABI before it reaches the kernel. */
function checkPlanShape(plan: LandlockPlan): void {
  if (plan.handledAccessFs !== fsRightsFor(plan.abi) || plan.handledAccessNet !== netRightsFor(plan.abi)
    || plan.scoped !== scopesFor(plan.abi)) {
    throw new PlanInvariantError('(plan)', `handles other rights than ABI ${plan.abi} defines`);
  }
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
  if (kernel.abi !== plan.abi) throw new LandlockAbiMismatchError(plan.abi, kernel.kernelAbi, kernel.abi);
  checkPlanShape(plan);

  const rulesetFd = check('landlock_create_ruleset', sys_landlock_create_ruleset(NR_landlock_create_ruleset,
    { handled_access_fs: plan.handledAccessFs, handled_access_net: plan.handledAccessNet, scoped: plan.scoped },
    rulesetAttrSize(plan.abi), 0));
  let failed = true;
  try {
    for (const rule of plan.rules) addRule(rulesetFd, rule);
    // Required by restrict_self without CAP_SYS_ADMIN; set in every case so that nothing spawned from this
    // thread gains privileges through a setuid or file-capability binary, whatever the caller's own
    // capabilities. Per thread, like the domain; if restrict_self then fails, only no_new_privs remains.
    check('prctl(PR_SET_NO_NEW_PRIVS)', prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    // Flags 0: ABI 7's audit flags stay at the kernel defaults.
    check('landlock_restrict_self', syscall6(NR_landlock_restrict_self, rulesetFd, 0, 0, 0, 0, 0));
    failed = false;
  } finally {
    if (failed) close(rulesetFd);
    else closeFd(rulesetFd, 'ruleset fd');
  }
  return enforcementOf(plan);
}
