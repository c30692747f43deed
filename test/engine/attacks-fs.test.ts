/**
 * Filesystem attacks on the real kernel, through the public API: reading a denied directory, writing outside
 * the writable ones, truncating a readable file, and moving or linking a denied file to where it would be
 * readable. Every target is 0666 (directories 0777), so plain permissions never refuse: Landlock does. Each attack
 * has a positive control: the same fixture run without the sandbox, or the allowed variant run inside it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, type RunOptions } from '../../dist/engine/index.js';
import { compile, expectDenied, expectSucceeded, outcome, runFree, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
let secret: string;
let secretFile: string;
let ro: string;
let roFile: string;
let w: string;
let opts: RunOptions;

beforeAll(async () => {
  s = scratch('fs');
  bin = await compile(s, ['hostile/read_file', 'hostile/write_file', 'hostile/truncate_file', 'hostile/link_denied',
    'hostile/symlink_denied', 'hostile/chmod_file']);
  secret = s.dir('secret', { writable: true });
  s.dir('secret/sub', { writable: true });
  secretFile = s.file('secret/secret.txt', 'top secret');
  s.file('secret/sub/deep.txt', 'deeper secret');
  ro = s.dir('ro', { writable: true }); // 0777, but not in writeAllowPaths: only Landlock refuses writes here
  roFile = s.file('ro/readonly.txt', 'keep me');
  w = s.dir('w', { writable: true });
  s.dir('w/sub/deeper', { writable: true });
  opts = { config: { readDenyPaths: [secret], writeAllowPaths: [w] } };
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

describe('reading', () => {
  it('a file in config.readDenyPaths: readable unsandboxed, EACCES in the sandbox (Landlock, no READ_FILE rule)', async () => {
    const free = runFree(bin.read_file!, [secretFile]);
    expect(free.stdout).toContain('content: top secret');

    const r = await runExecutable(bin.read_file!, [secretFile], opts);
    expectDenied(r, `open(${secretFile},O_RDONLY)`, 'EACCES');
    expect(text(r.stdout)).not.toContain('top secret');
  });

  it('a file deeper below a denied directory is denied too', async () => {
    const deep = path.join(secret, 'sub/deep.txt');
    const r = await runExecutable(bin.read_file!, [deep], opts);
    expectDenied(r, `open(${deep},O_RDONLY)`, 'EACCES');
  });

  it('control: a file outside the denied directories is readable in the sandbox', async () => {
    const r = await runExecutable(bin.read_file!, [roFile], opts);
    expect(r.status).toBe('OK');
    expectSucceeded(r.stdout, `open(${roFile},O_RDONLY)`);
    expect(text(r.stdout)).toContain('content: keep me');
  });
});

describe('a denied directory beside a changing one', () => {
  it('files coming and going next to the denied directory (like /tmp) do not fail runs', async () => {
    // The plan lists every directory on the way to a denied one and makes a rule per entry; an entry that
    // vanishes before a new spawner thread applies the plan must not turn into a SandboxSetupError.
    let n = 0;
    const churn = setInterval(() => {
      const f = path.join(s.root, `churn-${n++}`);
      fs.writeFileSync(f, 'x');
      setTimeout(() => fs.rmSync(f, { force: true }), 20);
    }, 3);
    try {
      for (let i = 0; i < 8; i++) {
        await shutdown(); // a new spawner thread applies the plan each time
        const r = await runExecutable(bin.read_file!, [roFile], opts);
        expect(text(r.stdout)).toContain('content: keep me');
      }
    } finally {
      clearInterval(churn);
    }
    expect(n).toBeGreaterThan(10);
  });

  it('a directory created beside the denied one after earlier runs is readable in later runs', async () => {
    // readDenyPaths denies those directories only; everything else stays readable (types.ts), including what
    // appears after the policy was first used. Entries of a directory on the way to a denied one are the case
    // where Landlock needs a rule per entry, made when the plan is computed.
    const before = await runExecutable(bin.read_file!, [roFile], opts);
    expect(before.status).toBe('OK');
    s.dir('late');
    const lateFile = s.file('late/file.txt', 'late content');
    const control = await runExecutable(bin.read_file!, [lateFile]); // no config: readable
    expect(text(control.stdout)).toContain('content: late content');

    const r = await runExecutable(bin.read_file!, [lateFile], opts);
    expectSucceeded(r.stdout, `open(${lateFile},O_RDONLY)`);
    expect(text(r.stdout)).toContain('content: late content');
  });
});

describe('writing', () => {
  for (const dir of [os.tmpdir(), '/var/tmp', '/dev/shm']) {
    it(`restrictive default (original runner): with no config, creating a file in ${dir} fails (Landlock)`, async () => {
      const target = path.join(dir, `cp-sandbox-engine-probe-${process.pid}-${Date.now()}`);
      try {
        const free = runFree(bin.write_file!, [target, 'free']);
        expectSucceeded(free.stdout, `open(${target},O_WRONLY|O_CREAT)`);
        fs.rmSync(target);

        const r = await runExecutable(bin.write_file!, [target, 'escaped']);
        expectDenied(r, `open(${target},O_WRONLY|O_CREAT)`, 'EACCES');
        expect(fs.existsSync(target)).toBe(false);
      } finally {
        fs.rmSync(target, { force: true });
      }
    });
  }

  it('write denied (original runner): creating a file in a 0777 directory outside writeAllowPaths fails', async () => {
    const target = path.join(ro, 'new.txt');
    const r = await runExecutable(bin.write_file!, [target, 'escaped'], opts);
    expectDenied(r, `open(${target},O_WRONLY|O_CREAT)`, 'EACCES');
    expect(fs.existsSync(target)).toBe(false);
  });

  it('overwriting a readable 0666 file outside writeAllowPaths fails; the file is unchanged', async () => {
    const r = await runExecutable(bin.write_file!, [roFile, 'overwritten'], opts);
    expectDenied(r, `open(${roFile},O_WRONLY|O_CREAT)`, 'EACCES');
    expect(fs.readFileSync(roFile, 'utf8')).toBe('keep me');
  });

  it('truncating a readable file (truncate(2), open O_RDONLY|O_TRUNC) fails: Landlock TRUNCATE (ABI 3)', async () => {
    const r = await runExecutable(bin.truncate_file!, [roFile], opts);
    expectDenied(r, 'truncate(file,0)', 'EACCES');
    expectDenied(r, 'open(file,O_RDONLY|O_TRUNC)', 'EACCES');
    expect(fs.readFileSync(roFile, 'utf8')).toBe('keep me');
  });

  it('control: truncating a file under writeAllowPaths works in the sandbox', async () => {
    const mine = s.file('w/truncate-me.txt', 'some content');
    const r = await runExecutable(bin.truncate_file!, [mine], opts);
    expect(outcome(r.stdout, 'truncate(file,0)')).toBe('0');
    expectSucceeded(r.stdout, 'open(file,O_RDONLY|O_TRUNC)');
    expect(fs.readFileSync(mine, 'utf8')).toBe('');
  });

  it('write allowed under an allowed directory (original runner): a new file, also two levels down', async () => {
    for (const rel of ['w/new.txt', 'w/sub/deeper/new.txt']) {
      const target = path.join(s.root, rel);
      const r = await runExecutable(bin.write_file!, [target, `written ${rel}`], opts);
      expect(r.status, text(r.stdout)).toBe('OK');
      expectSucceeded(r.stdout, `open(${target},O_WRONLY|O_CREAT)`);
      expect(fs.readFileSync(target, 'utf8')).toBe(`written ${rel}`);
    }
  });
});

describe('metadata', () => {
  it('chmod 04777 of a file in the writable directory: works unsandboxed, EPERM in the sandbox (seccomp)', async () => {
    const free = s.file('w/chmod-free.txt', 'x', 0o644);
    expect(outcome(runFree(bin.chmod_file!, [free]).stdout, 'chmod(file,04777)')).toBe('0');
    expect(fs.statSync(free).mode & 0o7777).toBe(0o4777);

    const mine = s.file('w/chmod-me.txt', 'x', 0o666);
    const r = await runExecutable(bin.chmod_file!, [mine], opts);
    expectDenied(r, 'chmod(file,04777)', 'EPERM');
    expect(fs.statSync(mine).mode & 0o7777).toBe(0o666);
  });
});

describe('links and renames', () => {
  it('hard-linking a denied file into the writable directory: works unsandboxed, refused in the sandbox (Landlock)', async () => {
    const freeDst = path.join(w, 'free-link.txt');
    const free = runFree(bin.link_denied!, ['link', secretFile, freeDst]);
    expect(outcome(free.stdout, 'link(src,dst)')).toBe('0');
    expect(free.stdout).toContain('content: top secret');
    fs.rmSync(freeDst);

    const dst = path.join(w, 'stolen-link.txt');
    const r = await runExecutable(bin.link_denied!, ['link', secretFile, dst], opts);
    expect(r.status).toBe('OK');
    // EACCES: the source lies where the program has no right at all; EXDEV: REFER refuses a link that would
    // give the file more rights than it has where it is. Either way the link must not exist.
    expect(outcome(r.stdout, 'link(src,dst)')).toMatch(/^-1 (EACCES|EXDEV)$/);
    expect(fs.existsSync(dst)).toBe(false);
    expect(text(r.stdout)).not.toContain('top secret');
  });

  it('renaming a denied file into the writable directory is refused; the file stays where it was', async () => {
    const dst = path.join(w, 'stolen-rename.txt');
    const r = await runExecutable(bin.link_denied!, ['rename', secretFile, dst], opts);
    expect(r.status).toBe('OK');
    expect(outcome(r.stdout, 'rename(src,dst)')).toMatch(/^-1 (EACCES|EXDEV)$/);
    expect(fs.existsSync(dst)).toBe(false);
    expect(fs.readFileSync(secretFile, 'utf8')).toBe('top secret');
  });

  it('control: linking and renaming inside the writable directory work in the sandbox', async () => {
    const own = s.file('w/own.txt', 'mine');
    const linked = path.join(w, 'own-link.txt');
    const r1 = await runExecutable(bin.link_denied!, ['link', own, linked], opts);
    expect(outcome(r1.stdout, 'link(src,dst)')).toBe('0');
    expect(text(r1.stdout)).toContain('content: mine');
    const moved = path.join(w, 'sub/own-moved.txt');
    const r2 = await runExecutable(bin.link_denied!, ['rename', linked, moved], opts);
    expect(outcome(r2.stdout, 'rename(src,dst)')).toBe('0');
    expect(fs.readFileSync(moved, 'utf8')).toBe('mine');
  });

  it('a symlink in the writable directory to a denied file: the link is made, opening through it is EACCES', async () => {
    const link = path.join(w, 'to-secret');
    const r = await runExecutable(bin.symlink_denied!, [secretFile, link], opts);
    expect(outcome(r.stdout, 'symlink(target,link)')).toBe('0');
    expectDenied(r, 'open(link,O_RDONLY)', 'EACCES');
    expect(text(r.stdout)).not.toContain('top secret');
  });

  it('control: a symlink in the writable directory to a readable file can be read through', async () => {
    const link = path.join(w, 'to-readonly');
    const r = await runExecutable(bin.symlink_denied!, [roFile, link], opts);
    expect(outcome(r.stdout, 'symlink(target,link)')).toBe('0');
    expectSucceeded(r.stdout, 'open(link,O_RDONLY)');
    expect(text(r.stdout)).toContain('content: keep me');
  });
});
