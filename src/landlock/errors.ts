/**
 * One error class per way Landlock setup can fail (after rust-landlock's src/errors.rs). Each says what
 * was attempted and, where a syscall answered, carries its errno. Syscall failures while applying a plan
 * are the shared SysCallError (src/native/libc.ts) or a subclass of it defined here.
 */
import { Errno, errnoName } from '../native/errno.js';
import { SysCallError } from '../native/libc.js';

/** Base class of every error this module throws itself. */
export class LandlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** landlock_create_ruleset answered ENOSYS: the kernel was built without CONFIG_SECURITY_LANDLOCK. */
export class LandlockNotCompiledError extends LandlockError {
  readonly errno = Errno.ENOSYS;
  constructor() {
    super('Landlock is not available: the kernel was built without it (CONFIG_SECURITY_LANDLOCK), '
      + 'landlock_create_ruleset failed with ENOSYS');
  }
}

/** landlock_create_ruleset answered EOPNOTSUPP: Landlock is built in but not enabled at boot. */
export class LandlockDisabledError extends LandlockError {
  readonly errno = Errno.EOPNOTSUPP;
  constructor() {
    super('Landlock is disabled: the kernel supports it but it was not enabled at boot '
      + '(add "landlock" to the lsm= kernel parameter), landlock_create_ruleset failed with EOPNOTSUPP');
  }
}

/** The version probe failed with another errno, or answered something that is not a version. */
export class LandlockProbeError extends LandlockError {
  readonly errno: number | undefined;
  constructor(errno: number | undefined, detail?: string) {
    // EPERM from a query that needs no privilege is a seccomp filter above this process refusing the call: a container
    // runtime's profile that predates Landlock, say.
    const why = errno === 1 ? ' (a seccomp filter above this process refuses the Landlock calls, as an older container '
      + 'runtime\'s default profile does: allow landlock_create_ruleset, landlock_add_rule and landlock_restrict_self)' : '';
    super(`Landlock ABI probe failed: ${detail ?? `landlock_create_ruleset failed with ${errnoName(errno ?? 0)}${why}`}`);
    this.errno = errno;
  }
}

/** The kernel's ABI is older than the first one that gives what a policy needs. */
export class LandlockAbiTooOldError extends LandlockError {
  readonly kernelAbi: number;
  readonly requiredAbi: number;
  constructor(kernelAbi: number, requiredAbi: number) {
    super(`Landlock ABI ${kernelAbi} is too old: ABI ${requiredAbi} (Linux 6.2) is required to deny truncating `
      + 'readable files (LANDLOCK_ACCESS_FS_TRUNCATE)');
    this.kernelAbi = kernelAbi;
    this.requiredAbi = requiredAbi;
  }
}

/** A plan computed for one ABI is being applied on a kernel that offers another one. */
export class LandlockAbiMismatchError extends LandlockError {
  readonly planAbi: number;
  readonly kernelAbi: number;
  constructor(planAbi: number, kernelAbi: number, usable: number) {
    super(`Landlock plan was computed for ABI ${planAbi} but this kernel offers ABI ${kernelAbi} `
      + `(usable: ${usable}); recompute the plan on this kernel`);
    this.planAbi = planAbi;
    this.kernelAbi = kernelAbi;
  }
}

export type PathListName = 'readDenyPaths' | 'writeAllowPaths';
export type PathProblem =
  | 'not-absolute' | 'missing' | 'not-a-directory' | 'inaccessible' | 'denies-root' | 'forbidden-write-location';

/** A configured path cannot be used: names the list, the path and what is wrong with it. */
export class SandboxPathError extends LandlockError {
  readonly list: PathListName;
  readonly path: string;
  readonly problem: PathProblem;
  constructor(list: PathListName, path: string, problem: PathProblem, detail: string) {
    super(`${list}: ${JSON.stringify(path)} ${detail}`);
    this.list = list;
    this.path = path;
    this.problem = problem;
  }
}

/** A directory that must be listed to split a rule around a denied path could not be read. */
export class PlanScanError extends LandlockError {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    super(`cannot list ${JSON.stringify(path)} to compute Landlock rules: ${String((cause as Error)?.message ?? cause)}`);
    this.path = path;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** A computed rule broke an invariant (a bug in the planner; never applied). */
export class PlanInvariantError extends LandlockError {
  readonly path: string;
  constructor(path: string, what: string) {
    super(`internal error: Landlock rule on ${JSON.stringify(path)} ${what}`);
    this.path = path;
  }
}

/**
 * A rule's path could not be opened when applying the plan: it vanished, or a component became a symlink,
 * since the plan was computed. The plan is stale; it must be recomputed, never applied with a rule less.
 */
export class RulePathOpenError extends SysCallError {
  readonly path: string;
  constructor(path: string, errno: number) {
    const what = errno === Errno.ENOENT || errno === Errno.ENOTDIR ? 'vanished since the plan was computed'
      : errno === Errno.ELOOP ? 'now goes through a symlink (never followed)' : 'cannot be opened';
    super('openat2', errno, `rule path ${path} ${what}; recompute the plan`);
    this.name = 'RulePathOpenError';
    this.path = path;
  }
}

/** A rule's path is no longer what it was when the plan was computed (directory, non-directory). */
export class RulePathChangedError extends LandlockError {
  readonly path: string;
  readonly found: 'symlink' | 'directory' | 'non-directory';
  constructor(path: string, expectedDirectory: boolean, found: 'symlink' | 'directory' | 'non-directory') {
    super(`${JSON.stringify(path)} was ${expectedDirectory ? 'a directory' : 'not a directory'} when the plan was `
      + `computed and is now ${found === 'symlink' ? 'a symlink (never followed)' : `a ${found}`}; recompute the plan`);
    this.path = path;
    this.found = found;
  }
}
