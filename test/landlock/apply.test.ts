/**
 * Applying a plan (live kernel, always in a throw-away Worker): a plan computed on the main thread works
 * in a worker; a stale or tampered plan fails with its typed error BEFORE restrict_self, leaving the
 * thread unrestricted; applyLandlockPlanTolerating (what a spawner thread uses) leaves out a rule whose path
 * vanished, and only such a rule.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessFs, computeLandlockPlan, detectLandlockAbi, nodeFsView, type FsView, type LandlockEnforcement, type LandlockPlan,
} from '../../dist/landlock/index.js';

interface Reply {
  ok: boolean;
  error: { name: string; message: string; errno: number | null; path: string | null } | null;
  enforcement: LandlockEnforcement | null;
  rules: number;
  /** Whether the worker could still read the denied file afterwards. */
  readable: boolean;
}

function inWorker(data: Record<string, unknown>): Promise<Reply> {
  const worker = new Worker(new URL('../../fixtures/landlock/apply-worker.mjs', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: Reply) => {
      resolve(m);
      void worker.terminate();
    });
  });
}

let root: string;
let n = 0;

/**
 * The machine's /tmp changes all the time (other test files run in parallel), and a plan that denies
 * something under /tmp lists it. For tests about OUR tree going stale, hide the rest of /tmp from the
 * planner: the plan then simply grants nothing there.
 */
function quietTmp(): FsView {
  const tmp = fs.realpathSync(os.tmpdir());
  return {
    realpath: (p) => nodeFsView.realpath(p),
    kind: (p) => nodeFsView.kind(p),
    readdir: (p) => nodeFsView.readdir(p).filter((e) => p !== tmp || path.join(tmp, e.name) === root),
  };
}

/** A fresh tree per test: secret/ (denied), keep/, gone/, flip/ and kind.txt beside it. */
function tree(): { dir: string; secretFile: string; plan: LandlockPlan } {
  const dir = path.join(root, `case-${++n}`);
  for (const d of ['secret', 'keep', 'gone', 'flip']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secret/file.txt'), 'secret');
  fs.writeFileSync(path.join(dir, 'kind.txt'), 'a file');
  const plan = computeLandlockPlan(
    { readDenyPaths: [path.join(dir, 'secret')], writeAllowPaths: [] }, detectLandlockAbi(), quietTmp());
  return { dir, secretFile: path.join(dir, 'secret/file.txt'), plan };
}

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-sandbox-landlock-apply-')));
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('applyLandlockPlan', () => {
  it('applies a plan computed on the main thread and sent to a worker', async () => {
    const { plan, secretFile } = tree();
    const r = await inWorker({ mode: 'apply', plan, probe: secretFile });
    expect(r).toMatchObject({ ok: true, readable: false });
    expect(r.enforcement?.rules).toBe(plan.rules.length);
    expect(fs.readFileSync(secretFile, 'utf8')).toBe('secret'); // this thread is untouched
  });

  it('fails on a path that vanished since planning, and restricts nothing', async () => {
    const { dir, plan, secretFile } = tree();
    fs.rmdirSync(path.join(dir, 'gone'));
    const r = await inWorker({ mode: 'apply', plan, probe: secretFile });
    expect(r.error).toMatchObject({ name: 'RulePathOpenError', errno: 2, path: path.join(dir, 'gone') });
    expect(r.error?.message).toMatch(/^openat2 failed: ENOENT .*vanished/);
    expect(r.readable).toBe(true);
  });

  it('fails on a path that became a symlink (here to the denied directory), and restricts nothing', async () => {
    const { dir, plan, secretFile } = tree();
    fs.rmdirSync(path.join(dir, 'flip'));
    fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'flip'));
    const r = await inWorker({ mode: 'apply', plan, probe: secretFile });
    expect(r.error).toMatchObject({ name: 'RulePathChangedError', path: path.join(dir, 'flip') });
    expect(r.error?.message).toMatch(/is now a symlink/);
    expect(r.readable).toBe(true);
  });

  it('fails when a directory above a rule became a symlink (ELOOP), and restricts nothing', async () => {
    const { dir, plan, secretFile } = tree();
    fs.renameSync(dir, `${dir}.moved`);
    fs.symlinkSync(`${dir}.moved`, dir);
    const r = await inWorker({ mode: 'apply', plan, probe: `${dir}.moved/secret/file.txt` });
    expect(r.error).toMatchObject({ name: 'RulePathOpenError', errno: 40, path: path.join(dir, 'flip') });
    expect(r.error?.message).toMatch(/^openat2 failed: ELOOP .*symlink/);
    expect(r.readable).toBe(true);
    expect(fs.readFileSync(secretFile, 'utf8')).toBe('secret');
  });

  it('fails on a file that became a directory, and restricts nothing', async () => {
    const { dir, plan, secretFile } = tree();
    fs.rmSync(path.join(dir, 'kind.txt'));
    fs.mkdirSync(path.join(dir, 'kind.txt'));
    const r = await inWorker({ mode: 'apply', plan, probe: secretFile });
    expect(r.error).toMatchObject({ name: 'RulePathChangedError', path: path.join(dir, 'kind.txt') });
    expect(r.readable).toBe(true);
  });

  it('refuses a plan computed for another ABI than the kernel offers', async () => {
    const { plan, secretFile } = tree();
    const r = await inWorker({ mode: 'apply', plan, probeVersion: plan.abi === 5 ? 6 : 5, probe: secretFile });
    expect(r.error?.name).toBe('LandlockAbiMismatchError');
    expect(r.readable).toBe(true);
  });

  it('refuses a plan whose handled rights do not match its ABI', async () => {
    const { plan, secretFile } = tree();
    const r = await inWorker({ mode: 'apply', plan: { ...plan, handledAccessFs: plan.handledAccessFs & ~AccessFs.TRUNCATE }, probe: secretFile });
    expect(r.error?.name).toBe('PlanInvariantError');
    expect(r.readable).toBe(true);
  });

  it('reports a rule the kernel rejects as SysCallError naming the call, errno and path', async () => {
    const { dir, plan, secretFile } = tree();
    const file = path.join(dir, 'kind.txt');
    // Directory rights on a regular file: the kernel answers EINVAL.
    const bad = { ...plan, rules: plan.rules.map((r) => (r.path === file ? { ...r, access: r.access | AccessFs.READ_DIR } : r)) };
    const r = await inWorker({ mode: 'apply', plan: bad, probe: secretFile });
    expect(r.error).toMatchObject({ name: 'SysCallError', errno: 22 });
    expect(r.error?.message).toBe(`landlock_add_rule failed: EINVAL (${file})`);
    expect(r.readable).toBe(true);
  });
});

describe('applyLandlockPlanTolerating (the spawner thread\'s way)', () => {
  it('leaves out a rule whose path vanished since planning, and restricts the rest', async () => {
    const { dir, plan, secretFile } = tree();
    fs.rmdirSync(path.join(dir, 'gone'));
    const r = await inWorker({ mode: 'tolerant', plan, probe: secretFile });
    expect(r).toMatchObject({ ok: true, readable: false });
    expect(r.enforcement?.rules).toBe(plan.rules.length - 1);
  });

  it('still fails on a writable directory that vanished, restricting nothing', async () => {
    const { dir, secretFile } = tree();
    const keep = path.join(dir, 'keep');
    const plan = computeLandlockPlan(
      { readDenyPaths: [path.join(dir, 'secret')], writeAllowPaths: [keep] }, detectLandlockAbi(), quietTmp());
    fs.rmdirSync(keep);
    const r = await inWorker({ mode: 'tolerant', plan, probe: secretFile });
    expect(r.error).toMatchObject({ name: 'RulePathOpenError', errno: 2, path: keep });
    expect(r.readable).toBe(true);
  });

  it('still fails on a path that became a symlink, restricting nothing', async () => {
    const { dir, plan, secretFile } = tree();
    fs.rmdirSync(path.join(dir, 'flip'));
    fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'flip'));
    const r = await inWorker({ mode: 'tolerant', plan, probe: secretFile });
    expect(r.error).toMatchObject({ name: 'RulePathChangedError', path: path.join(dir, 'flip') });
    expect(r.readable).toBe(true);
  });
});
