/**
 * Landlock's three syscalls and openat2(2), through syscall(2) (glibc 2.36 wraps none of them). Struct layouts from
 * include/uapi/linux/landlock.h and include/uapi/linux/openat2.h; the rights, ABI versions and what they mean are
 * data in src/landlock/abi.ts, and applying a plan is src/landlock/apply.ts.
 */
import koffi from 'koffi';
import { O_CLOEXEC, O_PATH, oNoFollow } from './fd.js';
import { check, lastErrno, libc, syscall6, syscallP } from './libc.js';
import { nr } from './syscall-numbers.js';

/* include/uapi/linux/fcntl.h */
const AT_FDCWD = -100;
/* include/uapi/linux/openat2.h: refuse every symlink, in any component, including magic links. */
const RESOLVE_NO_SYMLINKS = 0x04n;
/* landlock.h: sys_landlock_create_ruleset() flags; enum landlock_rule_type. */
export const LANDLOCK_CREATE_RULESET_VERSION = 1 << 0;
export const LANDLOCK_RULE_PATH_BENEATH = 1;

/* landlock.h: struct landlock_ruleset_attr, as of ABI 6 (24 bytes, no padding). The size passed to the kernel is
 * the one of the ruleset's ABI. Types are anonymous so they cannot clash with koffi type names declared elsewhere. */
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
/* openat2.h: struct open_how. */
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
const createRulesetFn = libc.func('syscall', 'long',
  ['long', koffi.pointer(landlock_ruleset_attr), 'size_t', 'long']) as (
  nr: number, attr: object, size: number, flags: number) => number | bigint;
const addRuleFn = libc.func('syscall', 'long',
  ['long', 'long', 'long', koffi.pointer(landlock_path_beneath_attr), 'long']) as (
  nr: number, fd: number, type: number, attr: object, flags: number) => number | bigint;
const openat2Fn = libc.func('syscall', 'long', ['long', 'long', 'const char *', koffi.pointer(open_how), 'size_t']) as (
  nr: number, dirfd: number, path: string, how: object, size: number) => number | bigint;

export type AbiVersionAnswer = { ok: true; version: number } | { ok: false; errno: number };

/** landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the kernel's ABI version, or its errno. */
export function abiVersion(): AbiVersionAnswer {
  const ret = Number(syscallP(nr('landlock_create_ruleset'), null, 0, LANDLOCK_CREATE_RULESET_VERSION));
  if (ret < 0) return { ok: false, errno: lastErrno() };
  return { ok: true, version: ret };
}

/** landlock_create_ruleset(attr, size, 0): the ruleset fd; throws SysCallError. */
export function createRuleset(attr: { fs: bigint; net: bigint; scoped: bigint }, size: number): number {
  return check('landlock_create_ruleset', createRulesetFn(nr('landlock_create_ruleset'),
    { handled_access_fs: attr.fs, handled_access_net: attr.net, scoped: attr.scoped }, size, 0));
}

/** landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, { access, parentFd }, 0); throws SysCallError naming `path`. */
export function addPathBeneathRule(rulesetFd: number, access: bigint, parentFd: number, path: string): void {
  check('landlock_add_rule', addRuleFn(nr('landlock_add_rule'), rulesetFd, LANDLOCK_RULE_PATH_BENEATH,
    { allowed_access: access, parent_fd: parentFd }, 0), path);
}

/** landlock_restrict_self(ruleset, 0) on the calling thread (flags 0: ABI 7's audit flags at the kernel defaults). */
export function restrictSelf(rulesetFd: number): void {
  check('landlock_restrict_self', syscall6(nr('landlock_restrict_self'), rulesetFd, 0, 0, 0, 0, 0));
}

/**
 * openat2(AT_FDCWD, path, { O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_NO_SYMLINKS }): an O_PATH fd, or -1 with errno
 * set. A symlink in a directory component fails with ELOOP; a final symlink is opened itself (O_NOFOLLOW).
 */
export function openPathNoSymlinks(path: string): number {
  return Number(openat2Fn(nr('openat2'), AT_FDCWD, path,
    { flags: BigInt(O_PATH | oNoFollow() | O_CLOEXEC), mode: 0n, resolve: RESOLVE_NO_SYMLINKS }, koffi.sizeof(open_how)));
}
