/**
 * Architectures a filter can be compiled for, their audit tokens, and syscall name <-> number lookups over
 * the generated tables (src/seccomp/tables, from scripts/gen-syscalls.mjs). Pure: no syscalls.
 */
import { ARCHES, type Arch } from '../native/arch.js';
import { AARCH64_SYSCALLS } from './tables/aarch64.js';
import { X86_64_SYSCALLS } from './tables/x86_64.js';

export { ARCHES, hostArch, type Arch } from '../native/arch.js';

// include/uapi/linux/audit.h: AUDIT_ARCH_* = EM_* | __AUDIT_ARCH_64BIT (0x80000000) | __AUDIT_ARCH_LE (0x40000000).
/** EM_X86_64 (62) | 64BIT | LE. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** EM_AARCH64 (183) | 64BIT | LE. */
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** EM_386 (3) | LE: what `int 0x80` on x86_64 reports. */
export const AUDIT_ARCH_I386 = 0x40000003;
/** EM_ARM (40) | LE: 32-bit compat tasks on arm64. */
export const AUDIT_ARCH_ARM = 0x40000028;

/** arch/x86/include/uapi/asm/unistd.h: x32 syscalls arrive as AUDIT_ARCH_X86_64 with this bit set in nr. */
export const X32_SYSCALL_BIT = 0x40000000;

export const AUDIT_ARCH: Readonly<Record<Arch, number>> = Object.freeze({
  x86_64: AUDIT_ARCH_X86_64,
  aarch64: AUDIT_ARCH_AARCH64,
});

const TABLES: Readonly<Record<Arch, Readonly<Record<string, number>>>> = Object.freeze({
  x86_64: X86_64_SYSCALLS,
  aarch64: AARCH64_SYSCALLS,
});

const REVERSE: Readonly<Record<Arch, ReadonlyMap<number, string>>> = Object.freeze({
  x86_64: new Map(Object.entries(X86_64_SYSCALLS).map(([n, nr]) => [nr, n])),
  aarch64: new Map(Object.entries(AARCH64_SYSCALLS).map(([n, nr]) => [nr, n])),
});

export function isArch(value: unknown): value is Arch {
  return value === 'x86_64' || value === 'aarch64';
}

function assertArch(arch: unknown): asserts arch is Arch {
  if (!isArch(arch)) throw new RangeError(`unknown architecture ${JSON.stringify(arch)} (expected one of: ${ARCHES.join(', ')})`);
}

/** The number of `name` on `arch`, or undefined when the syscall does not exist there. */
export function syscallNumber(name: string, arch: Arch): number | undefined {
  assertArch(arch);
  const table = TABLES[arch];
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The name of syscall `nr` on `arch`, or undefined for an unassigned number. */
export function syscallName(nr: number, arch: Arch): string | undefined {
  assertArch(arch);
  return REVERSE[arch].get(nr);
}

/** Every (name, number) of `arch`, sorted by number. */
export function syscallTable(arch: Arch): ReadonlyArray<readonly [string, number]> {
  assertArch(arch);
  return Object.entries(TABLES[arch]).sort((a, b) => a[1] - b[1]);
}

/** The highest syscall number in the table of `arch`. */
export function maxSyscallNumber(arch: Arch): number {
  assertArch(arch);
  return Math.max(...Object.values(TABLES[arch]));
}
