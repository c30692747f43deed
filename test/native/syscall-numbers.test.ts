/**
 * The syscall numbers src/native calls by hand (syscall-numbers.ts) against the generated tables of
 * src/seccomp/tables (from the kernel's own syscall tables): one table to edit for a new architecture, and it must
 * agree with the kernel's.
 */
import { describe, expect, it } from 'vitest';
import { ARCHES, archOf, HOST_ARCH } from '../../dist/native/arch.js';
import { SYSCALL_NUMBERS } from '../../dist/native/syscall-numbers.js';
import { syscallNumber } from '../../dist/seccomp/index.js';

describe('SYSCALL_NUMBERS', () => {
  for (const arch of ARCHES) {
    it(`${arch}: every entry is the kernel's number`, () => {
      const table = SYSCALL_NUMBERS[arch];
      const names = Object.keys(table) as Array<keyof typeof table>;
      expect(names.length).toBeGreaterThan(10);
      for (const name of names) expect(table[name], name).toBe(syscallNumber(name, arch));
    });
  }

  it('both architectures list the same syscalls', () => {
    expect(Object.keys(SYSCALL_NUMBERS.aarch64).sort()).toEqual(Object.keys(SYSCALL_NUMBERS.x86_64).sort());
  });
});

describe('arch', () => {
  it('maps Node\'s names to the kernel\'s, and nothing else', () => {
    expect(archOf('x64')).toBe('x86_64');
    expect(archOf('arm64')).toBe('aarch64');
    expect(archOf('ia32')).toBeNull();
    expect(archOf('riscv64')).toBeNull();
    expect(HOST_ARCH).toBe(archOf(process.arch));
  });
});
