/**
 * Where the gate comes from, and that no program can replace it: a writeAllowPaths entry over the sandbox's own
 * installation is refused before anything runs (a program allowed to write there could rewrite the runner's code
 * or its gate for every later run), and the copy made when the built gate is out of the program's reach is never
 * in a directory the program may write.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { gateBinary } from '../../dist/engine/gate.js';
import { normalizeOptions } from '../../dist/engine/options.js';
import { INSTALL_ROOT } from '../../dist/engine/program.js';
import { compile, expectSucceeded, runFree, scratch, text, type Scratch } from './helpers.js';

const GATE = fileURLToPath(new URL('../../dist/gate/gate', import.meta.url));
const hash = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

let s: Scratch;
let bin: Record<string, string>;

beforeAll(async () => {
  s = scratch('gate');
  bin = await compile(s, ['hostile/write_file']);
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

describe('the gate cannot be replaced by a program', () => {
  it('INSTALL_ROOT is the directory that holds dist/gate/gate', () => {
    expect(fs.realpathSync(path.join(INSTALL_ROOT, 'dist/gate/gate'))).toBe(fs.realpathSync(GATE));
  });

  it('attack: a program given writeAllowPaths over the installation, told to overwrite the gate, never starts', async () => {
    const before = hash(GATE);
    for (const dir of [path.dirname(GATE), INSTALL_ROOT, path.dirname(INSTALL_ROOT)]) {
      const run = runExecutable(bin.write_file!, [GATE, 'tampered'], { config: { writeAllowPaths: [dir] } });
      await expect(run).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'config.writeAllowPaths' });
      await expect(run).rejects.toThrow(/neither inside nor containing the sandbox's installation/);
    }
    expect(hash(GATE)).toBe(before);
  });

  it('control: outside the sandbox the same program overwrites a copy of the gate', () => {
    const copy = path.join(s.dir('copy', { writable: true }), 'gate');
    fs.copyFileSync(GATE, copy);
    const r = runFree(bin.write_file!, [copy, 'tampered']);
    expectSucceeded(r.stdout, 'write');
    expect(fs.readFileSync(copy).subarray(0, 8).toString()).toBe('tampered');
  });

  it('control: in the sandbox it writes a file under a writeAllowPaths entry beside the installation', async () => {
    const w = s.dir('w', { writable: true });
    const target = path.join(w, 'written.txt');
    const r = await runExecutable(bin.write_file!, [target, 'hello'], { config: { writeAllowPaths: [w] } });
    expect(r.status, text(r.stderr)).toBe('OK');
    expectSucceeded(r.stdout, 'write');
    expect(fs.readFileSync(target, 'utf8')).toBe('hello');
  });

  it('with the built gate denied, a run uses a copy made just now, outside it, and still runs', async () => {
    // A fresh temp directory: the copy is made during this run, after the runs before it planned their Landlock
    // rules (a regression: a copy made after the plan was a new entry of a split directory, and not executable).
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = s.dir('tmp');
    try {
      const r = await runExecutable('/bin/echo', ['through the copy'], { config: { readDenyPaths: [path.dirname(GATE)] } });
      expect(r.status, text(r.stderr)).toBe('OK');
      expect(text(r.stdout)).toBe('through the copy\n');
      const copy = gateBinary(normalizeOptions({ config: { readDenyPaths: [path.dirname(GATE)] } }, process.getuid!() === 0));
      expect(copy.startsWith(`${process.env.TMPDIR}/`)).toBe(true);
      expect(hash(copy)).toBe(hash(GATE));
      const st = fs.statSync(path.dirname(copy));
      expect(st.uid).toBe(process.geteuid!());
      expect(st.mode & 0o022).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('attack: the copy would lie under a writeAllowPaths entry of a program running as the runner\'s user: refused', () => {
    const tmp = fs.realpathSync(os.tmpdir());
    // isRoot false: the program would run as the runner's own user, who owns the copy.
    const o = normalizeOptions({ config: { readDenyPaths: [path.dirname(GATE)], writeAllowPaths: [tmp] } }, false);
    expect(() => gateBinary(o)).toThrow(/lies inside --write-allow .*could replace it/);
  });
});
