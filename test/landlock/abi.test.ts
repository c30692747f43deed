/**
 * The ABI table against include/uapi/linux/landlock.h, the probe's typed errors (with a simulated
 * kernel), and the enforcement report, which must say what is missing instead of pretending.
 */
import { describe, expect, it } from 'vitest';
import {
  ABI_ADDITIONS, AccessFs, AccessNet, describeLandlock, detectLandlockAbi, enforcementForAbi, enforcementOf, fsRightsFor,
  LandlockAbiTooOldError, LandlockDisabledError, LandlockError, LandlockNotCompiledError, LandlockProbeError,
  namesOf, netRightsFor, planLandlock, probeLandlockAbi, resolveAbi, rulesetAttrSize, Scope, scopesFor,
  type AbiProbe, type FsView, type KnownAbi,
} from '../../dist/landlock/index.js';
import { MemFs } from './memfs.js';

/** A view that fails the test if the planner touches the filesystem. */
const untouchable: FsView = {
  realpath: () => { throw new Error('the filesystem was read before the ABI was checked'); },
  kind: () => { throw new Error('the filesystem was read before the ABI was checked'); },
  readdir: () => { throw new Error('the filesystem was read before the ABI was checked'); },
};
const someConfig = { readDenyPaths: ['/a'], writeAllowPaths: [] };
const kernel = (version: number): AbiProbe => () => ({ ok: true, version });
const failing = (errno: number): AbiProbe => () => ({ ok: false, errno });

describe('constants of include/uapi/linux/landlock.h', () => {
  it('has every access right at its header bit', () => {
    const header: Record<string, number> = {
      EXECUTE: 0, WRITE_FILE: 1, READ_FILE: 2, READ_DIR: 3, REMOVE_DIR: 4, REMOVE_FILE: 5, MAKE_CHAR: 6, MAKE_DIR: 7,
      MAKE_REG: 8, MAKE_SOCK: 9, MAKE_FIFO: 10, MAKE_BLOCK: 11, MAKE_SYM: 12, REFER: 13, TRUNCATE: 14, IOCTL_DEV: 15,
    };
    expect(Object.fromEntries(Object.entries(AccessFs).map(([k, v]) => [k, v.toString(2).length - 1]))).toEqual(header);
    expect(AccessNet).toEqual({ BIND_TCP: 1n, CONNECT_TCP: 2n });
    expect(Scope).toEqual({ ABSTRACT_UNIX_SOCKET: 1n, SIGNAL: 2n });
  });

  it('pins the rights of each ABI version (never "all bits")', () => {
    const table: Array<[KnownAbi, bigint, bigint, bigint, number]> = [
      [1, 0x1fffn, 0n, 0n, 8],
      [2, 0x3fffn, 0n, 0n, 8],
      [3, 0x7fffn, 0n, 0n, 8],
      [4, 0x7fffn, 0x3n, 0n, 16],
      [5, 0xffffn, 0x3n, 0n, 16],
      [6, 0xffffn, 0x3n, 0x3n, 24],
      [7, 0xffffn, 0x3n, 0x3n, 24],
    ];
    for (const [v, fsBits, net, scopes, attrSize] of table) {
      expect([v, fsRightsFor(v), netRightsFor(v), scopesFor(v), rulesetAttrSize(v)]).toEqual([v, fsBits, net, scopes, attrSize]);
    }
    expect(ABI_ADDITIONS[7]).toMatchObject({ fs: [], net: [], scopes: [] });
  });

  it('names bits in header order and refuses unknown ones', () => {
    expect(namesOf(AccessFs, AccessFs.TRUNCATE | AccessFs.EXECUTE)).toEqual(['EXECUTE', 'TRUNCATE']);
    expect(() => namesOf(Scope, 1n << 5n)).toThrow(/unknown Landlock bits 0x20/);
  });
});

describe('ABI probe results', () => {
  it('maps ENOSYS, EOPNOTSUPP and ABI < 3 to distinct typed errors before reading the filesystem', () => {
    const cases: Array<[AbiProbe, new (...a: never[]) => LandlockError, Record<string, unknown>]> = [
      [failing(38), LandlockNotCompiledError, { errno: 38 }],
      [failing(95), LandlockDisabledError, { errno: 95 }],
      [failing(1), LandlockProbeError, { errno: 1 }],
      [kernel(2), LandlockAbiTooOldError, { kernelAbi: 2, requiredAbi: 3 }],
      [kernel(1), LandlockAbiTooOldError, { kernelAbi: 1, requiredAbi: 3 }],
      [kernel(0), LandlockProbeError, {}],
    ];
    for (const [probe, type, props] of cases) {
      let caught: unknown;
      try {
        planLandlock(someConfig, { probe, fs: untouchable });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(type);
      expect(caught).toBeInstanceOf(LandlockError);
      expect(caught).toMatchObject(props);
    }
    expect(() => detectLandlockAbi(failing(38))).toThrow(/CONFIG_SECURITY_LANDLOCK/);
    expect(() => detectLandlockAbi(failing(95))).toThrow(/lsm=/);
    expect(() => detectLandlockAbi(kernel(2))).toThrow(/TRUNCATE/);
  });

  it('uses a kernel newer than this code as the newest known ABI, and says so', () => {
    expect(resolveAbi({ ok: true, version: 9 })).toEqual({ kernelAbi: 9, abi: 7 });
    const report = describeLandlock(undefined, { probe: kernel(9) });
    expect(report).toMatchObject({ abi: 7, kernelAbi: 9, missing: [], rules: 0 });
    expect(report.notes.join('\n')).toMatch(/ABI 9 is newer .* \(7\)/);
  });

  it('reads the running kernel: a version this code accepts, or one of the typed errors', () => {
    const result = probeLandlockAbi();
    if (result.ok) {
      expect(Number.isInteger(result.version) && result.version >= 1).toBe(true);
    } else {
      expect([38, 95]).toContain(result.errno);
    }
  });
});

describe('enforcement report', () => {
  it('says on ABI 3..5 that signal and abstract-socket scoping are not available', () => {
    for (const v of [3, 4, 5]) {
      const r = enforcementForAbi(resolveAbi({ ok: true, version: v }));
      expect(r.scopes).toEqual([]);
      const missing = r.missing.join('\n');
      expect(missing).toMatch(/signal scoping .*\(needs Landlock ABI 6, kernel has \d\)/);
      expect(missing).toMatch(/abstract unix socket scoping .*\(needs Landlock ABI 6,/);
    }
    expect(enforcementForAbi(resolveAbi({ ok: true, version: 3 })).missing).toHaveLength(5); // IOCTL_DEV, 2 net, 2 scopes
    expect(enforcementForAbi(resolveAbi({ ok: true, version: 5 })).missing).toHaveLength(2);
  });

  it('lists every handled right by name on ABI 7, with nothing missing', () => {
    expect(enforcementForAbi(resolveAbi({ ok: true, version: 7 }))).toEqual({
      abi: 7,
      kernelAbi: 7,
      pinned: null,
      fsRights: ['EXECUTE', 'WRITE_FILE', 'READ_FILE', 'READ_DIR', 'REMOVE_DIR', 'REMOVE_FILE', 'MAKE_CHAR', 'MAKE_DIR',
        'MAKE_REG', 'MAKE_SOCK', 'MAKE_FIFO', 'MAKE_BLOCK', 'MAKE_SYM', 'REFER', 'TRUNCATE', 'IOCTL_DEV'],
      netRights: ['BIND_TCP', 'CONNECT_TCP'],
      scopes: ['ABSTRACT_UNIX_SOCKET', 'SIGNAL'],
      rules: 0,
      missing: [],
      notes: [],
    });
  });

  it('counts the rules of a plan, computed with an injected kernel and filesystem', () => {
    const view = new MemFs({ '/a/x': 'directory', '/b/y': 'file', '/dev/null': 'char-device', '/proc/7/status': 'file' });
    const plan = planLandlock({ readDenyPaths: ['/a'], writeAllowPaths: [] }, { probe: kernel(4), fs: view });
    // /proc is one rule of the policy layer (the own-/proc layer, added per run, hides what is per-process).
    expect(plan.rules.map((r) => r.path)).toEqual(['/b', '/dev/null', '/proc']);
    const report = enforcementOf(plan);
    expect(report).toMatchObject({ abi: 4, kernelAbi: 4, rules: 3, netRights: ['BIND_TCP', 'CONNECT_TCP'], scopes: [] });
    expect(describeLandlock({ readDenyPaths: ['/a'], writeAllowPaths: [] }, { probe: kernel(4), fs: view })).toEqual(report);
  });
});
