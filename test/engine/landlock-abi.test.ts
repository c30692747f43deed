/**
 * landlockAbi (and its default, SIMPLE_CP_SANDBOX_LANDLOCK_ABI): a run uses at most that Landlock ABI, reports it,
 * and gets what the engine adds in place of what the older ABI lacks; bad values are refused, naming the option or
 * the variable. What each protection is enforced by at each ABI is data (protections.ts): nothing is left without
 * an enforcer. The attacks themselves run at every pinned ABI in scripts/test-abis.sh.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { detectLandlockAbi } from '../../dist/landlock/index.js';
import { protectionsAt } from '../../dist/engine/protections.js';
import { text } from './helpers.js';

const kernel = detectLandlockAbi().abi;
const ENV = 'SIMPLE_CP_SANDBOX_LANDLOCK_ABI';
const saved = process.env[ENV];

afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
});
afterAll(async () => { await shutdown(); });

describe('landlockAbi', () => {
  for (const abi of [3, 4, 5, 6, 7] as const) {
    it(`landlockAbi ${abi}: the run uses ABI ${abi} at most, with that ABI's rights and scopes, and reports the pin`, async () => {
      delete process.env[ENV];
      const r = await runExecutable('/bin/sh', ['-c', 'echo ran'], { landlockAbi: abi });
      expect(r.status, text(r.stderr)).toBe('OK');
      expect(text(r.stdout)).toBe('ran\n');
      const l = r.enforced!.landlock;
      expect(l).toMatchObject({ abi: Math.min(abi, kernel), kernelAbi: kernel, pinned: abi });
      expect(l.fsRights.includes('IOCTL_DEV')).toBe(l.abi >= 5);
      expect(l.netRights.length > 0).toBe(l.abi >= 4);
      expect(l.scopes).toEqual(l.abi >= 6 ? ['ABSTRACT_UNIX_SOCKET', 'SIGNAL'] : []);
      // The program's own filter grows by the rules that replace what the ABI lacks.
      expect(r.enforced!.seccomp.programInstructions).toBeGreaterThan(l.abi >= 6 ? 2 : 30);
    });
  }

  it('the environment variable is the default; the option wins over it', async () => {
    process.env[ENV] = '4';
    const byEnv = await runExecutable('/bin/true');
    expect(byEnv.enforced!.landlock).toMatchObject({ abi: Math.min(4, kernel), pinned: 4 });
    const byOption = await runExecutable('/bin/true', [], { landlockAbi: 5 });
    expect(byOption.enforced!.landlock).toMatchObject({ abi: Math.min(5, kernel), pinned: 5 });
    delete process.env[ENV];
    const none = await runExecutable('/bin/true');
    expect(none.enforced!.landlock).toMatchObject({ abi: kernel, pinned: null });
  });

  it('refuses values outside 3..7, naming the option, and a bad environment value, naming the variable', async () => {
    for (const bad of [2, 8, 4.5, '4', null]) {
      await expect(runExecutable('/bin/true', [], { landlockAbi: bad as number })).rejects
        .toMatchObject({ name: 'InvalidOptionError', option: 'landlockAbi' });
    }
    for (const bad of ['2', 'seven', '9']) {
      process.env[ENV] = bad;
      const run = runExecutable('/bin/true');
      await expect(run).rejects.toMatchObject({ name: 'InvalidOptionError', option: ENV });
      await expect(run).rejects.toThrow(/from 3 to 7/);
    }
  });
});

describe('what enforces each protection (protections.ts)', () => {
  it('every protection has an enforcer at every supported ABI, and what Landlock lacks names its replacement', () => {
    const names = protectionsAt(7).map((p) => p.protection);
    for (const abi of [3, 4, 5, 6, 7] as const) {
      const ps = protectionsAt(abi);
      expect(ps.map((p) => p.protection)).toEqual(names);
      for (const p of ps) {
        expect(p.enforcedBy.length, p.protection).toBeGreaterThan(10);
        if (p.landlockFrom !== null && abi < p.landlockFrom) {
          expect(p.enforcedBy, `${p.protection} at ABI ${abi}`).toMatch(/seccomp|program filter/);
          expect(p.enforcedBy).toMatch(new RegExp(`needs? ABI ${p.landlockFrom}\\)$`));
        }
      }
    }
    const signals = (abi: 3 | 6) => protectionsAt(abi).find((p) => p.protection.startsWith('signal'))!.enforcedBy;
    expect(signals(3)).toMatch(/the program filter: kill, tkill, tgkill/);
    expect(signals(6)).toMatch(/Landlock scope SIGNAL/);
  });
});
