/**
 * Landlock's user-space ABI as data: constants and the rights each ABI version adds, pinned version by
 * version so that a newer kernel never changes what this code asks for ("don't use all()", rust-landlock).
 *
 * Source of every constant: include/uapi/linux/landlock.h (Linux 6.15+, ABI 7), and the version notes of
 * Documentation/userspace-api/landlock.rst ("Previous limitations"). Values are the same on every
 * architecture. Pure: no syscalls here.
 */
import { Errno } from '../native/errno.js';
import type { AbiVersionAnswer } from '../native/landlock.js';
import { LandlockAbiTooOldError, LandlockDisabledError, LandlockNotCompiledError, LandlockProbeError } from './errors.js';

/** landlock.h: LANDLOCK_ACCESS_FS_* ("Filesystem flags"). */
export const AccessFs = {
  EXECUTE: 1n << 0n,
  WRITE_FILE: 1n << 1n,
  READ_FILE: 1n << 2n,
  READ_DIR: 1n << 3n,
  REMOVE_DIR: 1n << 4n,
  REMOVE_FILE: 1n << 5n,
  MAKE_CHAR: 1n << 6n,
  MAKE_DIR: 1n << 7n,
  MAKE_REG: 1n << 8n,
  MAKE_SOCK: 1n << 9n,
  MAKE_FIFO: 1n << 10n,
  MAKE_BLOCK: 1n << 11n,
  MAKE_SYM: 1n << 12n,
  REFER: 1n << 13n,
  TRUNCATE: 1n << 14n,
  IOCTL_DEV: 1n << 15n,
} as const;
export type AccessFsName = keyof typeof AccessFs;

/** landlock.h: LANDLOCK_ACCESS_NET_* ("Network flags"). */
export const AccessNet = {
  BIND_TCP: 1n << 0n,
  CONNECT_TCP: 1n << 1n,
} as const;
export type AccessNetName = keyof typeof AccessNet;

/** landlock.h: LANDLOCK_SCOPE_* ("Scope flags"). */
export const Scope = {
  ABSTRACT_UNIX_SOCKET: 1n << 0n,
  SIGNAL: 1n << 1n,
} as const;
export type ScopeName = keyof typeof Scope;

/**
 * What the own-/proc layer of a run handles (plan.ts, ownProcLayer): the rights of reading (reading, listing,
 * executing), which it takes away from per-process /proc entries, every other right being the policy layer's; and
 * REFER, which every layer handles whether it says so or not (a link or rename is refused with EXDEV by a layer that
 * does not grant it on both sides), so the layer grants it on every directory and leaves the decision to the policy
 * layer. EXECUTE, READ_FILE and READ_DIR exist since ABI 1, REFER since ABI 2.
 */
export const OWN_PROC_ACCESS = AccessFs.EXECUTE | AccessFs.READ_FILE | AccessFs.READ_DIR | AccessFs.REFER;

export { isSupportedAbi, MIN_SUPPORTED_ABI, NEWEST_KNOWN_ABI, type KnownAbi, type SupportedAbi } from './versions.js';
import { isSupportedAbi, MIN_SUPPORTED_ABI, NEWEST_KNOWN_ABI, type KnownAbi, type SupportedAbi } from './versions.js';

interface AbiAdditions {
  readonly fs: readonly AccessFsName[];
  readonly net: readonly AccessNetName[];
  readonly scopes: readonly ScopeName[];
  /** What else the version brought that this code does not use, for the docs and `doctor`. */
  readonly note?: string;
}

/** What each ABI version adds (landlock.rst, "Previous limitations"; kernel where it appeared). */
export const ABI_ADDITIONS: Readonly<Record<KnownAbi, AbiAdditions>> = {
  /* Linux 5.13 */
  1: {
    fs: ['EXECUTE', 'WRITE_FILE', 'READ_FILE', 'READ_DIR', 'REMOVE_DIR', 'REMOVE_FILE', 'MAKE_CHAR', 'MAKE_DIR',
      'MAKE_REG', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_BLOCK', 'MAKE_SYM'],
    net: [],
    scopes: [],
  },
  /* Linux 5.19: reparenting (rename/link across directories) becomes controllable. */
  2: { fs: ['REFER'], net: [], scopes: [] },
  /* Linux 6.2 */
  3: { fs: ['TRUNCATE'], net: [], scopes: [] },
  /* Linux 6.7: struct landlock_ruleset_attr gains handled_access_net. */
  4: { fs: [], net: ['BIND_TCP', 'CONNECT_TCP'], scopes: [] },
  /* Linux 6.10 */
  5: { fs: ['IOCTL_DEV'], net: [], scopes: [] },
  /* Linux 6.12: struct landlock_ruleset_attr gains scoped. */
  6: { fs: [], net: [], scopes: ['ABSTRACT_UNIX_SOCKET', 'SIGNAL'] },
  /* Linux 6.15: no access right, only audit-logging flags for landlock_restrict_self(). */
  7: {
    fs: [], net: [], scopes: [],
    note: 'LANDLOCK_RESTRICT_SELF_LOG_* audit flags (not used: the kernel defaults are kept)',
  },
};

const KNOWN: readonly KnownAbi[] = [1, 2, 3, 4, 5, 6, 7];

function union<N extends string>(table: Readonly<Record<N, bigint>>, names: readonly N[]): bigint {
  let mask = 0n;
  for (const name of names) mask |= table[name];
  return mask;
}

function upTo(abi: KnownAbi): KnownAbi[] {
  return KNOWN.filter((v) => v <= abi);
}

/** Every filesystem right ABI `abi` can handle. */
export function fsRightsFor(abi: KnownAbi): bigint {
  return union(AccessFs, upTo(abi).flatMap((v) => ABI_ADDITIONS[v].fs));
}

/** Every network right ABI `abi` can handle. */
export function netRightsFor(abi: KnownAbi): bigint {
  return union(AccessNet, upTo(abi).flatMap((v) => ABI_ADDITIONS[v].net));
}

/** Every scope ABI `abi` can handle. */
export function scopesFor(abi: KnownAbi): bigint {
  return union(Scope, upTo(abi).flatMap((v) => ABI_ADDITIONS[v].scopes));
}

/** The ABI version that introduced a right, for "needs ABI n" messages. */
export function abiIntroducing(kind: 'fs' | 'net' | 'scopes', name: string): KnownAbi {
  for (const v of KNOWN) if ((ABI_ADDITIONS[v][kind] as readonly string[]).includes(name)) return v;
  throw new Error(`unknown Landlock ${kind} name ${name}`);
}

/** Names of the bits of `mask` in `table`, in bit order. Unknown bits are an error: they would be silent. */
export function namesOf<N extends string>(table: Readonly<Record<N, bigint>>, mask: bigint): N[] {
  const names: N[] = [];
  let known = 0n;
  for (const [name, bit] of Object.entries(table) as [N, bigint][]) {
    known |= bit;
    if ((mask & bit) !== 0n) names.push(name);
  }
  if ((mask & ~known) !== 0n) throw new Error(`unknown Landlock bits 0x${(mask & ~known).toString(16)}`);
  return names;
}

/**
 * sizeof(struct landlock_ruleset_attr) as the given ABI knows it. The kernel accepts a larger struct when
 * the unknown tail is zero, but passing the size of the version in use makes a mismatch an explicit E2BIG
 * instead of relying on that.
 */
export function rulesetAttrSize(abi: KnownAbi): number {
  if (abi >= 6) return 24; // handled_access_fs, handled_access_net, scoped
  if (abi >= 4) return 16; // handled_access_fs, handled_access_net
  return 8; // handled_access_fs
}

/** The answer of landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION). */
export type AbiProbeResult = Readonly<AbiVersionAnswer>;
/** Something that asks the kernel (or a test's simulation of it) for its Landlock ABI version. */
export type AbiProbe = () => AbiProbeResult;

/** The ABI a plan is pinned to: what the kernel reported and what this code will use of it. */
export interface ResolvedAbi {
  /** What the kernel reported; may be newer than this code knows. */
  readonly kernelAbi: number;
  /** min(kernelAbi, NEWEST_KNOWN_ABI, the pin): every right of this version is handled. */
  readonly abi: SupportedAbi;
  /** The caller's "at most" (landlockAbi), or null: the kernel's. */
  readonly pinned?: SupportedAbi | null;
}

/**
 * `resolved` used at most at ABI `atMost` (landlockAbi): the rights and scopes of min(kernel, atMost). Pinning to a
 * newer ABI than the kernel's uses the kernel's; the engine makes up for what an older ABI lacks (docs/principles.md).
 */
export function pinAbi(resolved: ResolvedAbi, atMost: SupportedAbi | null): ResolvedAbi {
  if (atMost === null) return { ...resolved, pinned: null };
  if (!isSupportedAbi(atMost)) throw new RangeError(`a Landlock ABI to pin must be ${MIN_SUPPORTED_ABI}..${NEWEST_KNOWN_ABI}, got ${String(atMost)}`);
  return { kernelAbi: resolved.kernelAbi, abi: Math.min(resolved.abi, atMost) as SupportedAbi, pinned: atMost };
}

/**
 * Turns a probe answer into the ABI to use, or the typed error for why Landlock cannot be used. No
 * best-effort mode: an ABI below 3 cannot deny truncating a readable file, so it is a setup error.
 */
export function resolveAbi(result: AbiProbeResult): ResolvedAbi {
  if (!result.ok) {
    if (result.errno === Errno.ENOSYS) throw new LandlockNotCompiledError();
    if (result.errno === Errno.EOPNOTSUPP) throw new LandlockDisabledError();
    throw new LandlockProbeError(result.errno);
  }
  const v = result.version;
  if (!Number.isInteger(v) || v < 1) throw new LandlockProbeError(undefined, `kernel reported ABI version ${v}`);
  if (v < MIN_SUPPORTED_ABI) throw new LandlockAbiTooOldError(v, MIN_SUPPORTED_ABI);
  return { kernelAbi: v, abi: Math.min(v, NEWEST_KNOWN_ABI) as SupportedAbi };
}
