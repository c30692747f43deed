/**
 * Pure tests of the rule computation: on an in-memory tree (exact rule sets, and the effect of a plan
 * checked against the policy's meaning for every path) and on a real temp tree through nodeFsView.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessFs, computeLandlockPlan, DEVICE_ALLOWANCES, FILE_ACCESS, isAtOrBelow, isPerProcessProcEntry,
  nodeFsView, OWN_PROC_ACCESS, ownProcLayer, ownProcRule, PlanInvariantError, PlanScanError, READ_ACCESS, resolveAbi,
  SandboxPathError, WRITE_ACCESS,
  type DirEntry, type LandlockPathConfig, type LandlockPlan, type PlanRule, type ResolvedAbi, type SupportedAbi,
} from '../../dist/landlock/index.js';
import { effectiveAccess, MemFs, type TreeSpec } from './memfs.js';

const ABI7 = resolveAbi({ ok: true, version: 7 });
const abi = (v: SupportedAbi): ResolvedAbi => resolveAbi({ ok: true, version: v });

const TREE: TreeSpec = {
  '/etc/passwd': 'file',
  '/usr/bin/cc': 'file',
  '/bin': { link: '/usr/bin' },
  '/a/a2/x': 'file',
  '/a/f.txt': 'file',
  '/a/b/b2/y': 'file',
  '/a/b/c/secret.txt': 'file',
  '/a/b/c/deeper/z': 'file',
  '/a/b/evil': { link: '/a/b/c' }, // a symlink beside the denied directory, pointing at it
  '/a/b/evil2': { link: 'c/secret.txt' },
  '/a/b/sock': 'socket',
  '/w/keep/k': 'file',
  '/w/file.txt': 'file',
  '/w/secret/s': 'file',
  '/w/inner/deep': 'directory',
  '/tmp': 'directory',
  '/home/u/link-to-a-b': { link: '/a/b' },
  '/rootlink': { link: '/' },
  '/dev/null': 'char-device',
  '/dev/zero': 'char-device',
  '/dev/random': 'char-device',
  '/dev/urandom': 'char-device',
  '/dev/full': 'char-device',
  '/dev/sda': 'block-device',
  '/dev/shm': 'directory',
  '/dev/pts/0': 'char-device',
  '/dev/fd': { link: '/proc/self/fd' },
  '/proc/1/cmdline': 'file',
  '/proc/42/status': 'file',
  '/proc/42/task/42/status': 'file',
  '/proc/self': { link: '42' },
  '/proc/thread-self': { link: '42/task/42' },
  '/proc/net': { link: 'self/net' },
  '/proc/cpuinfo': 'file',
  '/proc/sys/kernel/ostype': 'file',
};

function plan(config: Partial<LandlockPathConfig>, view = new MemFs(TREE), at: ResolvedAbi = ABI7): LandlockPlan {
  return computeLandlockPlan({ readDenyPaths: [], writeAllowPaths: [], ...config }, at, view);
}

function rule(p: LandlockPlan, at: string) {
  return p.rules.find((r) => r.path === at);
}

/**
 * What a program gets on `target` from the two layers of a run (Landlock intersects layers: a right the own-/proc
 * layer handles must be granted by both), `extra` being the rules added to the own-/proc layer (its own /proc/PID).
 */
function combinedAccess(policy: LandlockPlan, own: LandlockPlan, target: string, isDirectory: boolean, extra: PlanRule[] = []): bigint {
  const ownPlan = { ...own, rules: [...own.rules, ...extra] };
  return effectiveAccess(policy, target, isDirectory) & (effectiveAccess(ownPlan, target, isDirectory) | ~own.handledAccessFs);
}

const FILE_READ = AccessFs.EXECUTE | AccessFs.READ_FILE;

describe('splitting "read everything but X" into sibling rules', () => {
  it('puts rules on every sibling along the path to a denied directory and on nothing above it', () => {
    const view = new MemFs(TREE);
    const p = plan({ readDenyPaths: ['/a/b/c'] }, view);
    expect(p.rules.map((r) => r.path)).toEqual([
      '/a/a2', '/a/b/b2', '/a/b/sock', '/a/f.txt',
      '/dev/null', '/dev/random', '/dev/urandom', '/dev/zero',
      '/etc', '/home', '/proc', '/tmp', '/usr', '/w',
    ]);
    // Only the directories on the way to the denied one (and /dev) had to be listed: /proc is one rule in this layer.
    expect(view.listed).toEqual(['/', '/a', '/a/b', '/dev']);
    expect(rule(p, '/etc')?.access).toBe(READ_ACCESS);
    expect(rule(p, '/a/a2')?.access).toBe(READ_ACCESS);
    expect(rule(p, '/a/f.txt')).toMatchObject({ access: FILE_READ, isDirectory: false });
    expect(rule(p, '/a/b/b2')?.why).toContain('beside denied /a/b/c');
  });

  it('gives a symlink beside the denied directory no rule, and never lands a rule on or above a denied path', () => {
    const p = plan({ readDenyPaths: ['/a/b/c'] });
    for (const link of ['/a/b/evil', '/a/b/evil2', '/bin', '/home/u/link-to-a-b', '/rootlink']) {
      expect(rule(p, link)).toBeUndefined();
    }
    for (const r of p.rules) {
      expect(isAtOrBelow('/a/b/c', r.path)).toBe(false); // not the denied dir, not an ancestor
      expect(isAtOrBelow(r.path, '/a/b/c')).toBe(false); // not inside it
    }
    expect(effectiveAccess(p, '/a/b/c/secret.txt')).toBe(0n);
    expect(effectiveAccess(p, '/a/b/c/deeper/z')).toBe(0n);
  });

  it('makes ancestors of a denied directory traversable-only: no READ_DIR on /, /a, /a/b', () => {
    const p = plan({ readDenyPaths: ['/a/b/c'] });
    for (const dir of ['/', '/a', '/a/b']) expect(effectiveAccess(p, dir)).toBe(0n);
    expect(effectiveAccess(p, '/a/b/b2/y') & READ_ACCESS).toBe(READ_ACCESS);
  });

  it('treats a deny inside a deny like the outer deny alone', () => {
    const outer = plan({ readDenyPaths: ['/a/b'] });
    const nested = plan({ readDenyPaths: ['/a/b/c', '/a/b'] });
    expect(nested.rules).toEqual(outer.rules);
    expect(nested.readDenyPaths).toEqual(['/a/b', '/a/b/c']);
  });

  it('splits write rules around a deny inside a writable directory, which itself gets no rule', () => {
    const view = new MemFs(TREE);
    const p = plan({ readDenyPaths: ['/w/secret'], writeAllowPaths: ['/w'] }, view);
    const underW = p.rules.filter((r) => isAtOrBelow(r.path, '/w'));
    expect(underW.map((r) => [r.path, r.access])).toEqual([
      ['/w/file.txt', (READ_ACCESS | WRITE_ACCESS) & FILE_ACCESS],
      ['/w/inner', READ_ACCESS | WRITE_ACCESS],
      ['/w/keep', READ_ACCESS | WRITE_ACCESS],
    ]);
    expect(view.listed).toContain('/w');
    expect(effectiveAccess(p, '/w')).toBe(0n); // creating directly in /w would also create in /w/secret
    expect(effectiveAccess(p, '/w/secret/s')).toBe(0n);
  });

  it('grants a writable directory below a uniform readable one only the missing write rights, without listing', () => {
    const view = new MemFs(TREE);
    const p = plan({ writeAllowPaths: ['/usr/bin'] }, view);
    expect(rule(p, '/usr')?.access).toBe(READ_ACCESS);
    expect(rule(p, '/usr/bin')?.access).toBe(WRITE_ACCESS);
    expect(rule(p, '/usr/bin')?.why).toContain('writeAllowPaths entry');
    expect(view.listed).toEqual(['/', '/dev']);
  });

  it('collapses a writable directory inside another into the outer rule', () => {
    const p = plan({ writeAllowPaths: ['/w/inner', '/w'] });
    expect(p.rules.filter((r) => isAtOrBelow(r.path, '/w'))).toEqual([
      { path: '/w', access: READ_ACCESS | WRITE_ACCESS, isDirectory: true, why: 'read+write: writeAllowPaths entry' },
    ]);
  });

  it('lets deny win when a path is both denied and writable, or writable inside a denied one', () => {
    for (const config of [
      { readDenyPaths: ['/w'], writeAllowPaths: ['/w'] },
      { readDenyPaths: ['/w'], writeAllowPaths: ['/w/inner'] },
    ]) {
      const p = plan(config);
      expect(p.rules.filter((r) => isAtOrBelow(r.path, '/w'))).toEqual([]);
      expect(p.rules.some((r) => (r.access & WRITE_ACCESS) !== 0n && !r.path.startsWith('/dev/'))).toBe(false);
    }
  });

  it('resolves symlinked components of the configured paths', () => {
    const viaLink = plan({ readDenyPaths: ['/home/u/link-to-a-b/c'], writeAllowPaths: ['/bin'] });
    const direct = plan({ readDenyPaths: ['/a/b/c'], writeAllowPaths: ['/usr/bin'] });
    expect(viaLink.readDenyPaths).toEqual(['/a/b/c']);
    expect(viaLink.writeAllowPaths).toEqual(['/usr/bin']);
    expect(viaLink.rules).toEqual(direct.rules);
  });

  it('gives non-directories only the rights a file can receive', () => {
    const p = plan({ readDenyPaths: ['/w/secret', '/a/b/c'], writeAllowPaths: ['/w'] });
    const files = p.rules.filter((r) => !r.isDirectory);
    expect(files.map((r) => r.path)).toEqual(
      ['/a/b/sock', '/a/f.txt', '/dev/null', '/dev/random', '/dev/urandom', '/dev/zero', '/w/file.txt']);
    for (const r of files) expect(r.access & ~FILE_ACCESS).toBe(0n);
    expect(rule(p, '/w/file.txt')?.access).toBe(
      AccessFs.EXECUTE | AccessFs.WRITE_FILE | AccessFs.READ_FILE | AccessFs.TRUNCATE | AccessFs.IOCTL_DEV);
  });
});

describe('/dev and /proc', () => {
  it('grants only read on null, zero, random, urandom and write on null; no rule on /dev itself', () => {
    const p = plan({});
    expect(p.rules.filter((r) => isAtOrBelow(r.path, '/dev')).map((r) => [r.path, r.access])).toEqual([
      ['/dev/null', AccessFs.READ_FILE | AccessFs.WRITE_FILE],
      ['/dev/random', AccessFs.READ_FILE],
      ['/dev/urandom', AccessFs.READ_FILE],
      ['/dev/zero', AccessFs.READ_FILE],
    ]);
    expect(Object.keys(DEVICE_ALLOWANCES).sort()).toEqual(['null', 'random', 'urandom', 'zero']);
    for (const other of ['/dev', '/dev/full', '/dev/sda', '/dev/pts/0', '/dev/shm']) expect(effectiveAccess(p, other)).toBe(0n);
  });

  it('skips an allowed device name that is not a character device', () => {
    const p = plan({}, new MemFs({ ...TREE, '/dev/zero': 'file', '/dev/random': { link: '/etc/passwd' } }));
    expect(p.rules.filter((r) => isAtOrBelow(r.path, '/dev')).map((r) => r.path)).toEqual(['/dev/null', '/dev/urandom']);
  });

  it('still gives a writable directory under /dev its rights, and drops every device under a denied /dev', () => {
    expect(rule(plan({ writeAllowPaths: ['/dev/shm'] }), '/dev/shm')?.access).toBe(READ_ACCESS | WRITE_ACCESS);
    expect(plan({ readDenyPaths: ['/dev'] }).rules.filter((r) => isAtOrBelow(r.path, '/dev'))).toEqual([]);
  });

  it('the policy layer reads /proc as a whole: one rule, which covers processes that do not exist yet', () => {
    const p = plan({});
    expect(p.rules.filter((r) => isAtOrBelow(r.path, '/proc')).map((r) => [r.path, r.access])).toEqual([['/proc', READ_ACCESS]]);
    expect(effectiveAccess(p, '/proc/4242/status', false)).toBe(FILE_READ);
  });

  it('the own-/proc layer grants reading everywhere but on /proc entries that are per-process or self / thread-self', () => {
    const view = new MemFs(TREE);
    const own = ownProcLayer(ABI7, view);
    expect(own).toMatchObject({ layer: 'own-proc', handledAccessFs: OWN_PROC_ACCESS, handledAccessNet: 0n });
    expect(own.rules.filter((r) => isAtOrBelow(r.path, '/proc')).map((r) => [r.path, r.access])).toEqual([
      ['/proc/cpuinfo', FILE_READ],
      ['/proc/sys', OWN_PROC_ACCESS],
    ]);
    expect(rule(own, '/etc')?.access).toBe(OWN_PROC_ACCESS);
    expect(view.listed).toEqual(['/', '/dev', '/proc']);
    expect(['1', '42', 'self', 'thread-self'].every(isPerProcessProcEntry)).toBe(true);
    expect(['sys', 'cpuinfo', '1a', 'selfish'].some(isPerProcessProcEntry)).toBe(false);
  });

  it('together, the layers give a program its own /proc/PID and no other process\'s', () => {
    const policy = plan({});
    const own = ownProcLayer(ABI7, new MemFs(TREE));
    const mine = [ownProcRule(42)];
    expect(combinedAccess(policy, own, '/proc/42/status', false, mine)).toBe(AccessFs.READ_FILE);
    expect(combinedAccess(policy, own, '/proc/42/task/42/status', false, mine)).toBe(AccessFs.READ_FILE);
    expect(combinedAccess(policy, own, '/proc/42', true, mine)).toBe(AccessFs.READ_FILE | AccessFs.READ_DIR);
    for (const hidden of ['/proc/1/cmdline', '/proc/42/status']) {
      expect(combinedAccess(policy, own, hidden, false, hidden.startsWith('/proc/42') ? [] : mine)).toBe(0n);
    }
    expect(combinedAccess(policy, own, '/proc', true, mine)).toBe(0n);
    expect(combinedAccess(policy, own, '/proc/cpuinfo', false, mine)).toBe(FILE_READ);
    expect(() => ownProcRule(0)).toThrow(RangeError);
  });
});

/**
 * The meaning of the policy, path by path, independent of how the planner gets there: compare the
 * rights a Landlock-like union of each layer's rules, intersected over the two layers, gives every path of the tree
 * with what it should be (before the engine adds the program's own /proc/PID).
 */
function expectedAccess(p: string, kind: string, deny: string[], write: string[]): bigint {
  const denied = deny.some((d) => isAtOrBelow(p, d));
  const aboveDenied = p === '/' || deny.some((d) => d !== p && isAtOrBelow(d, p));
  const writable = write.some((w) => isAtOrBelow(p, w));
  const mask = kind === 'directory' ? ~0n : FILE_ACCESS;
  if (denied || aboveDenied) return 0n;
  if (isAtOrBelow(p, '/proc')) {
    const first = p.split('/')[2];
    return p === '/proc' || first === undefined || isPerProcessProcEntry(first) ? 0n : READ_ACCESS & mask;
  }
  if (isAtOrBelow(p, '/dev')) {
    const name = p.slice('/dev/'.length);
    if (kind === 'char-device' && DEVICE_ALLOWANCES[name] !== undefined) return DEVICE_ALLOWANCES[name];
    return writable ? (READ_ACCESS | WRITE_ACCESS) & mask : 0n;
  }
  return (READ_ACCESS | (writable ? WRITE_ACCESS : 0n)) & mask;
}

describe('the effect of every plan over every path', () => {
  it('matches the policy for every deny directory combined with every write directory of the tree', () => {
    const tree = new MemFs(TREE);
    const dirs = tree.paths().filter((p) => p !== '/' && tree.kind(p) === 'directory');
    const writable = dirs.filter((d) => !isAtOrBelow('/dev', d) && !isAtOrBelow(d, '/proc'));
    let checked = 0;
    for (const d of dirs) {
      for (const w of [undefined, ...writable]) {
        const config = { readDenyPaths: [d], writeAllowPaths: w === undefined ? [] : [w] };
        const p = plan(config);
        const own = ownProcLayer(ABI7, tree);
        for (const target of tree.paths()) {
          const want = expectedAccess(target, tree.kind(target)!, config.readDenyPaths, config.writeAllowPaths);
          const got = combinedAccess(p, own, target, tree.kind(target) === 'directory');
          if (got !== want) {
            throw new Error(`deny ${d} write ${w}: ${target} gets 0x${got.toString(16)}, want 0x${want.toString(16)}`);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('configuration errors', () => {
  const cases: Array<[string, Partial<LandlockPathConfig>, string, string]> = [
    ['a missing deny path', { readDenyPaths: ['/nope'] }, 'readDenyPaths', 'missing'],
    ['a missing write path', { writeAllowPaths: ['/w/nope'] }, 'writeAllowPaths', 'missing'],
    ['a file instead of a directory', { readDenyPaths: ['/etc/passwd'] }, 'readDenyPaths', 'not-a-directory'],
    ['a symlink to a file', { writeAllowPaths: ['/a/b/evil2'] }, 'writeAllowPaths', 'not-a-directory'],
    ['denying "/"', { readDenyPaths: ['/'] }, 'readDenyPaths', 'denies-root'],
    ['denying a path that resolves to "/"', { readDenyPaths: ['/a/..'] }, 'readDenyPaths', 'denies-root'],
    ['denying a symlink to "/"', { readDenyPaths: ['/rootlink'] }, 'readDenyPaths', 'denies-root'],
    ['a relative path', { readDenyPaths: ['a/b'] }, 'readDenyPaths', 'not-absolute'],
    ['an empty path', { writeAllowPaths: [''] }, 'writeAllowPaths', 'not-absolute'],
    ['writing "/"', { writeAllowPaths: ['/'] }, 'writeAllowPaths', 'forbidden-write-location'],
    ['writing /dev', { writeAllowPaths: ['/dev'] }, 'writeAllowPaths', 'forbidden-write-location'],
    ['writing inside /proc', { writeAllowPaths: ['/proc/sys'] }, 'writeAllowPaths', 'forbidden-write-location'],
  ];
  for (const [what, config, list, problem] of cases) {
    it(`rejects ${what}`, () => {
      const bad = [...(config.readDenyPaths ?? []), ...(config.writeAllowPaths ?? [])][0]!;
      let caught: unknown;
      try {
        plan(config);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SandboxPathError);
      expect(caught).toMatchObject({ list, problem, path: bad });
      expect((caught as Error).message).toContain(`${list}: ${JSON.stringify(bad)}`);
    });
  }

  it('reports a directory it cannot list with PlanScanError naming it', () => {
    class Unlistable extends MemFs {
      override readdir(p: string): DirEntry[] {
        if (p === '/a/b') throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return super.readdir(p);
      }
    }
    expect(() => plan({ readDenyPaths: ['/a/b/c'] }, new Unlistable(TREE)))
      .toThrow(expect.objectContaining({ name: 'PlanScanError', path: '/a/b', code: 'EACCES' }));
    expect(() => plan({ readDenyPaths: ['/a/b/c'] }, new Unlistable(TREE))).toThrow(PlanScanError);
  });

  it('refuses a plan whose rules break an invariant (here: a view listing an entry twice)', () => {
    class Stuttering extends MemFs {
      override readdir(p: string): DirEntry[] {
        const entries = super.readdir(p);
        return p === '/a' ? [...entries, ...entries] : entries;
      }
    }
    expect(() => plan({ readDenyPaths: ['/a/b/c'] }, new Stuttering(TREE)))
      .toThrow(new PlanInvariantError('/a/a2', 'appears twice'));
  });
});

describe('rights pinned per ABI', () => {
  it('handles exactly the rights of each ABI and never grants an unhandled one', () => {
    const expected: Record<SupportedAbi, [bigint, bigint, bigint]> = {
      3: [0x7fffn, 0n, 0n],
      4: [0x7fffn, 0x3n, 0n],
      5: [0xffffn, 0x3n, 0n],
      6: [0xffffn, 0x3n, 0x3n],
      7: [0xffffn, 0x3n, 0x3n],
    };
    for (const v of [3, 4, 5, 6, 7] as const) {
      const p = plan({ readDenyPaths: ['/a/b/c'], writeAllowPaths: ['/w'] }, new MemFs(TREE), abi(v));
      expect([p.abi, p.handledAccessFs, p.handledAccessNet, p.scoped]).toEqual([v, ...expected[v]]);
      for (const r of p.rules) expect(r.access & ~p.handledAccessFs).toBe(0n);
      expect(rule(p, '/w')?.access).toBe((READ_ACCESS | WRITE_ACCESS) & expected[v][0]);
      expect(((rule(p, '/w')?.access ?? 0n) & AccessFs.IOCTL_DEV) !== 0n).toBe(v >= 5);
      expect(((rule(p, '/w')?.access ?? 0n) & AccessFs.TRUNCATE) !== 0n).toBe(true);
    }
  });
});

describe('determinism', () => {
  it('computes the same sorted plan whatever the readdir order, config order or duplicates', () => {
    const a = plan({ readDenyPaths: ['/a/b/c', '/w/secret'], writeAllowPaths: ['/w', '/dev/shm'] });
    const reversed = new MemFs(TREE);
    reversed.reverse = true;
    const b = plan({ readDenyPaths: ['/w/secret', '/a/b/c', '/a/b/c'], writeAllowPaths: ['/dev/shm', '/w', '/w'] }, reversed);
    expect(b).toEqual(a);
    const paths = a.rules.map((r) => r.path);
    expect(paths).toEqual([...paths].sort());
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('survives structured cloning (the plan is computed once and sent to spawner workers)', () => {
    const a = plan({ readDenyPaths: ['/a/b/c'], writeAllowPaths: ['/w'] });
    expect(structuredClone(a)).toEqual(a);
  });
});

describe('on a real directory tree (nodeFsView)', () => {
  let root: string;

  beforeAll(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-sandbox-landlock-plan-')));
    fs.mkdirSync(path.join(root, 'secret/sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'secret/file.txt'), 'secret');
    fs.mkdirSync(path.join(root, 'public'));
    fs.writeFileSync(path.join(root, 'note.txt'), 'note');
    fs.mkdirSync(path.join(root, 'w'));
    fs.symlinkSync(path.join(root, 'secret'), path.join(root, 'to-secret'));
    fs.symlinkSync(root, path.join(root, 'w/to-root'));
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('resolves a symlinked deny path and puts rules beside it, on the real /dev and /proc too', () => {
    const p = computeLandlockPlan(
      { readDenyPaths: [path.join(root, 'w/to-root/to-secret')], writeAllowPaths: [path.join(root, 'w')] }, ABI7, nodeFsView);
    expect(p.readDenyPaths).toEqual([path.join(root, 'secret')]);
    expect(p.rules.filter((r) => isAtOrBelow(r.path, root)).map((r) => [r.path, r.isDirectory, r.access])).toEqual([
      [path.join(root, 'note.txt'), false, FILE_READ],
      [path.join(root, 'public'), true, READ_ACCESS],
      [path.join(root, 'w'), true, READ_ACCESS | WRITE_ACCESS],
    ]);
    for (const r of p.rules) expect(isAtOrBelow(path.join(root, 'secret'), r.path)).toBe(false);
    expect(rule(p, '/dev/null')?.access).toBe(AccessFs.READ_FILE | AccessFs.WRITE_FILE);
    expect(rule(p, '/proc')?.access).toBe(READ_ACCESS);
    expect(rule(p, '/')).toBeUndefined();
    const own = ownProcLayer(ABI7, nodeFsView);
    expect(rule(own, '/proc/cpuinfo')?.access).toBe(FILE_READ);
    expect(own.rules.some((r) => isAtOrBelow(r.path, `/proc/${process.pid}`) || r.path === '/proc/self' || r.path === '/proc')).toBe(false);
  });

  it('names the configured path that is a file, or missing', () => {
    expect(() => computeLandlockPlan({ readDenyPaths: [path.join(root, 'note.txt')], writeAllowPaths: [] }, ABI7))
      .toThrow(expect.objectContaining({ problem: 'not-a-directory', path: path.join(root, 'note.txt') }));
    expect(() => computeLandlockPlan({ readDenyPaths: [], writeAllowPaths: [path.join(root, 'gone')] }, ABI7))
      .toThrow(expect.objectContaining({ problem: 'missing', list: 'writeAllowPaths' }));
  });
});
