/**
 * The original Python runner's five tested behaviours, through the CLI: restrictive defaults (no writing, e.g. to
 * /tmp, and no network), a write outside --allow-write denied, a write under an --allow-write directory allowed,
 * a read under --deny-read denied, and a timeout that kills the whole process group (exit 124).
 *
 * Each attack is also run without the sandbox first (a control), so a denial is known to come from the sandbox
 * and not from the file modes or a missing server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, cli, cliJson, gone, removeDir, tempDir, type Fixtures } from './helpers.js';

let fx: Fixtures;
let scratch: string;
beforeAll(() => {
  fx = buildFixtures();
  scratch = tempDir('policy', 0o777);
});
afterAll(() => {
  removeDir(fx.dir);
  removeDir(scratch);
});

/** A 0777 directory (writable by whatever uid the program runs as), so only the sandbox can deny a write. */
function openDir(...parts: string[]): string {
  const dir = path.join(scratch, ...parts);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  return dir;
}

/** Control: the attack succeeds without the sandbox (as the same uid the sandbox would use when root). */
function control(args: string[]): number | null {
  return spawnSync(args[0]!, args.slice(1), { stdio: 'ignore' }).status;
}

describe('restrictive defaults', () => {
  it('denies writing anywhere, /tmp included', async () => {
    const target = path.join(openDir('defaults'), 'file');
    expect(control([fx.path('write_file'), target])).toBe(0);
    execFileSync('rm', ['-f', target]);
    const r = await cli([fx.path('write_file'), target]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.toString()).toMatch(/write_file: open\(.*\): E(ACCES|PERM)/);
    expect(existsSync(target)).toBe(false);

    const inTmp = `/tmp/scs-cli-default-${process.pid}`;
    const t = await cli([fx.path('write_file'), inTmp]);
    expect(t.code).not.toBe(0);
    expect(existsSync(inTmp)).toBe(false);
  });

  it('denies network connections', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((server.address() as net.AddressInfo).port);
      expect(control([fx.path('tcp_connect'), port])).toBe(0);
      const r = await cli([fx.path('tcp_connect'), port]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.toString()).toMatch(/tcp_connect: (socket|connect): E[A-Z]+/);
    } finally {
      server.close();
    }
  });
});

describe('filesystem policy', () => {
  it('denies a write outside the --allow-write directories', async () => {
    const allowed = openDir('w1', 'allowed');
    const other = openDir('w1', 'other');
    const target = path.join(other, 'file');
    const r = await cli(['--allow-write', allowed, fx.path('write_file'), target]);
    expect(r.code).not.toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  it('allows a write under an --allow-write directory, subdirectories included', async () => {
    const allowed = openDir('w2', 'allowed');
    const sub = openDir('w2', 'allowed', 'sub');
    for (const target of [path.join(allowed, 'top'), path.join(sub, 'deeper')]) {
      const r = await cli(['--allow-write', allowed, fx.path('write_file'), target]);
      expect(r.stderr.toString()).toBe('');
      expect(r.code).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe('written\n');
    }
  });

  it('takes --allow-write relative to the CLI\'s working directory', async () => {
    const parent = openDir('w3');
    openDir('w3', 'rel');
    const r = await cli(['--allow-write', 'rel', fx.path('write_file'), path.join(parent, 'rel', 'file')], { cwd: parent });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(parent, 'rel', 'file'), 'utf8')).toBe('written\n');
  });

  it('denies reading under a --deny-read directory, and only there', async () => {
    const denied = openDir('r1', 'private');
    const secret = path.join(denied, 'secret.txt');
    writeFileSync(secret, 'top secret\n');
    chmodSync(secret, 0o644);
    const visible = path.join(openDir('r1', 'public'), 'open.txt');
    writeFileSync(visible, 'public\n');
    chmodSync(visible, 0o644);
    expect(control([fx.path('read_file'), secret])).toBe(0);

    const r = await cli(['--deny-read', denied, fx.path('read_file'), secret]);
    expect(r.code).not.toBe(0);
    expect(r.stdout.toString()).not.toContain('top secret');
    expect(r.stderr.toString()).toMatch(/read_file: open\(.*\): E(ACCES|PERM)/);

    const ok = await cli(['--deny-read', denied, fx.path('read_file'), visible]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toBe('public\n');
  });
});

describe('timeout', () => {
  it('kills the whole process group and exits 124', async () => {
    const { run, json } = await cliJson(['--processes', '32', '--timeout', '0.5', fx.path('group_sleep.sh')]);
    expect(run.code).toBe(124);
    expect(json).toMatchObject({ status: 'TLE', limit: 'wall', timedOut: true });
    const sleeper = Number(json.stdout.trim());
    expect(Number.isInteger(sleeper) && sleeper > 0).toBe(true);
    expect(await gone(sleeper)).toBe(true);

    const plain = await cli(['--processes', '32', '--timeout', '0.5', fx.path('group_sleep.sh')]);
    expect(plain.code).toBe(124);
    expect(await gone(Number(plain.stdout.toString().trim()))).toBe(true);
  });
});
