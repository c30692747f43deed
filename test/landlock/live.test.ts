/**
 * Live kernel tests: a Worker restricts ITSELF with a plan, then spawns small C programs and shell from
 * that thread (they inherit its Landlock domain). Each C program (fixtures/landlock/*.c, compiled at test
 * time) tries one attack and exits with the errno it got; every attack is first run unsandboxed from the
 * main thread as a control, so a denial is known to come from the sandbox.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectLandlockAbi, type LandlockEnforcement } from '../../dist/landlock/index.js';

const EPERM = 1;
const EACCES = 13;
const EXDEV = 18;

const PROGRAMS = ['read_file', 'list_dir', 'write_file', 'truncate_file', 'link_into', 'kill_probe', 'abstract_connect',
  'tcp_connect', 'tcp_bind', 'vm_read'] as const;
type Program = (typeof PROGRAMS)[number];

interface Ran {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

/** The restricted worker (fixtures/landlock/restricted-worker.mjs) and a request/response channel to it. */
class RestrictedWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: unknown) => void>();

  private constructor(private readonly worker: Worker, readonly enforcement: LandlockEnforcement, readonly tid: number) {
    worker.on('message', (m: { id?: number }) => {
      const resolve = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (resolve && m.id !== undefined) {
        this.waiting.delete(m.id);
        resolve(m);
      }
    });
  }

  static start(config: { readDenyPaths: string[]; writeAllowPaths: string[] }): Promise<RestrictedWorker> {
    const worker = new Worker(new URL('../../fixtures/landlock/restricted-worker.mjs', import.meta.url), { workerData: { config } });
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: { type: string; enforcement: LandlockEnforcement; tid: number; name?: string; message?: string }) => {
        if (m.type === 'ready') resolve(new RestrictedWorker(worker, m.enforcement, m.tid));
        else reject(new Error(`worker could not restrict itself: ${m.name}: ${m.message}`));
      });
    });
  }

  private request<T>(msg: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (m: unknown) => void);
      this.worker.postMessage({ id, ...msg });
    });
  }

  spawn(file: string, args: string[]): Promise<Ran> {
    return this.request({ op: 'spawn', file, args });
  }

  readFile(p: string): Promise<{ ok: boolean; code: string | null; text: string | null }> {
    return this.request({ op: 'readFile', path: p });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let root: string;
let bin: string;
let secret: string;
let pub: string;
let w: string;
let sandbox: RestrictedWorker;
let unixServer: net.Server;
let tcpServer: net.Server;
let abstractName: string;
let tcpPort: number;

const prog = (name: Program): string => path.join(bin, name);

/** Runs a fixture program inside the sandbox. */
function jailed(name: Program, ...args: string[]): Promise<Ran> {
  return sandbox.spawn(prog(name), args);
}

/** Runs a fixture program without any sandbox, from the main thread: the control. */
function free(name: Program, ...args: string[]): Ran {
  const r = spawnSync(prog(name), args, { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error ? String(r.error) : null };
}

function listen(server: net.Server, where: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => resolve());
  });
}

beforeAll(async () => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-sandbox-landlock-live-')));
  bin = path.join(root, 'bin');
  secret = path.join(root, 'secret');
  pub = path.join(root, 'public');
  w = path.join(root, 'w');
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(secret, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(secret, 'file.txt'), 'top secret');
  fs.writeFileSync(path.join(secret, 'sub/deep.txt'), 'deeper secret');
  fs.mkdirSync(pub);
  fs.writeFileSync(path.join(pub, 'file.txt'), 'public data');
  fs.writeFileSync(path.join(root, 'readonly.txt'), 'keep me');
  fs.mkdirSync(w);
  fs.writeFileSync(path.join(w, 'existing.txt'), 'old content');

  const sources = new URL('../../fixtures/landlock/', import.meta.url);
  for (const name of PROGRAMS) {
    execFileSync('gcc', ['-Wall', '-Wextra', '-Werror', '-O2', '-o', prog(name), new URL(`${name}.c`, sources).pathname]);
  }

  abstractName = `cp-sandbox-landlock-${process.pid}-${Date.now()}`;
  unixServer = net.createServer((s) => s.end());
  await listen(unixServer, { path: `\0${abstractName}` });
  tcpServer = net.createServer((s) => s.end());
  await listen(tcpServer, { host: '127.0.0.1', port: 0 });
  tcpPort = (tcpServer.address() as net.AddressInfo).port;

  sandbox = await RestrictedWorker.start({ readDenyPaths: [secret], writeAllowPaths: [w] });
});

afterAll(async () => {
  await sandbox?.terminate();
  unixServer?.close();
  tcpServer?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('Landlock applied by a worker thread to itself (live kernel)', () => {
  it('enforces every right this kernel offers, up to ABI 7', () => {
    const { abi, kernelAbi } = detectLandlockAbi();
    expect(sandbox.enforcement).toMatchObject({ abi, kernelAbi });
    expect(sandbox.enforcement.fsRights).toContain('TRUNCATE');
    expect(sandbox.enforcement.rules).toBeGreaterThan(3);
    if (abi >= 6) expect(sandbox.enforcement.scopes).toEqual(['ABSTRACT_UNIX_SOCKET', 'SIGNAL']);
  });

  it('restricts the worker thread itself but not the main thread', async () => {
    expect(await sandbox.readFile(path.join(secret, 'file.txt'))).toMatchObject({ ok: false, code: 'EACCES' });
    expect(await sandbox.readFile(path.join(pub, 'file.txt'))).toMatchObject({ ok: true, text: 'public data' });
    // While the worker is alive and restricted, the main thread still reads the secret and writes anywhere.
    expect(fs.readFileSync(path.join(secret, 'file.txt'), 'utf8')).toBe('top secret');
    const mainWrote = path.join(pub, 'main-thread-wrote.txt');
    fs.writeFileSync(mainWrote, 'main');
    fs.rmSync(mainWrote);
  });

  it('controls: every attack program succeeds without the sandbox', () => {
    const scratch = path.join(root, 'control-scratch.txt');
    fs.writeFileSync(scratch, 'scratch');
    try {
      expect(free('read_file', path.join(secret, 'file.txt'))).toMatchObject({ status: 0, stdout: 'top secret' });
      expect(free('list_dir', secret)).toMatchObject({ status: 0 });
      expect(free('write_file', scratch, 'x').status).toBe(0);
      expect(free('truncate_file', 'truncate', scratch).status).toBe(0);
      expect(free('truncate_file', 'open-trunc', scratch).status).toBe(0);
      expect(free('link_into', 'link', scratch, path.join(w, 'control-link')).status).toBe(0);
      expect(free('link_into', 'rename', path.join(w, 'control-link'), path.join(w, 'control-renamed')).status).toBe(0);
      expect(free('abstract_connect', abstractName).status).toBe(0);
      expect(free('tcp_connect', String(tcpPort)).status).toBe(0);
      expect(free('tcp_bind').status).toBe(0);
      expect(free('kill_probe', String(process.pid), 'ppid').stdout).toBe(`${process.pid} ok\nppid ok\n`);
      expect(free('read_file', `/proc/${process.pid}/cmdline`).status).toBe(0);
      expect(free('read_file', '/dev/full')).toMatchObject({ status: 0 });
    } finally {
      fs.rmSync(scratch, { force: true });
      fs.rmSync(path.join(w, 'control-renamed'), { force: true });
    }
  });

  it('denies reading and listing a denied directory and its files; its siblings stay readable', async () => {
    expect((await jailed('read_file', path.join(secret, 'file.txt'))).status).toBe(EACCES);
    expect((await jailed('read_file', path.join(secret, 'sub/deep.txt'))).status).toBe(EACCES);
    expect((await jailed('list_dir', secret)).status).toBe(EACCES);
    expect((await jailed('list_dir', path.join(secret, 'sub'))).status).toBe(EACCES);
    expect(await jailed('read_file', path.join(pub, 'file.txt'))).toMatchObject({ status: 0, stdout: 'public data' });
    expect(await jailed('list_dir', pub)).toMatchObject({ status: 0, stdout: 'file.txt\n' });
    // The directory holding the denied one is traversable (its files open) but not listable.
    expect(await jailed('read_file', path.join(root, 'readonly.txt'))).toMatchObject({ status: 0, stdout: 'keep me' });
    expect((await jailed('list_dir', root)).status).toBe(EACCES);
    // Shell too: cat fails on the secret and the error names it.
    const sh = await sandbox.spawn('/bin/sh', ['-c', `cat ${secret}/file.txt`]);
    expect(sh.status).not.toBe(0);
    expect(sh.stderr).toMatch(/Permission denied/);
    expect(sh.stdout).toBe('');
  });

  it('denies writing outside the writable directory and allows it inside', async () => {
    expect((await jailed('write_file', path.join(pub, 'new.txt'), 'x')).status).toBe(EACCES);
    expect((await jailed('write_file', path.join(root, 'new.txt'), 'x')).status).toBe(EACCES);
    expect((await jailed('write_file', path.join(os.tmpdir(), `cp-sandbox-landlock-${process.pid}.txt`), 'x')).status).toBe(EACCES);
    expect((await jailed('write_file', path.join(pub, 'file.txt'), 'overwritten')).status).toBe(EACCES);
    expect(fs.existsSync(path.join(pub, 'new.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(pub, 'file.txt'), 'utf8')).toBe('public data');

    expect((await jailed('write_file', path.join(w, 'out.txt'), 'result')).status).toBe(0);
    expect(fs.readFileSync(path.join(w, 'out.txt'), 'utf8')).toBe('result');
    const sh = await sandbox.spawn('/bin/sh', ['-c', `mkdir ${w}/d && echo nested > ${w}/d/f && cat ${w}/d/f && rm -r ${w}/d`]);
    expect(sh).toMatchObject({ status: 0, stdout: 'nested\n' });
    expect(fs.existsSync(path.join(w, 'd'))).toBe(false);
  });

  it('denies truncating a readable file (truncate(2) and O_TRUNC), allows it in the writable directory', async () => {
    const ro = path.join(root, 'readonly.txt');
    expect((await jailed('truncate_file', 'truncate', ro)).status).toBe(EACCES);
    expect((await jailed('truncate_file', 'open-trunc', ro)).status).toBe(EACCES);
    expect(fs.readFileSync(ro, 'utf8')).toBe('keep me');
    expect((await jailed('truncate_file', 'truncate', path.join(w, 'existing.txt'))).status).toBe(0);
    expect(fs.statSync(path.join(w, 'existing.txt')).size).toBe(0);
  });

  it('denies hard-linking or renaming a denied or read-only file into the writable directory', async () => {
    const stolen = path.join(w, 'stolen.txt');
    for (const how of ['link', 'rename']) {
      const fromSecret = await jailed('link_into', how, path.join(secret, 'file.txt'), stolen);
      expect([EXDEV, EACCES]).toContain(fromSecret.status);
      // A readable file linked under the writable directory would become writable there.
      const fromPublic = await jailed('link_into', how, path.join(pub, 'file.txt'), stolen);
      expect([EXDEV, EACCES]).toContain(fromPublic.status);
    }
    expect(fs.existsSync(stolen)).toBe(false);
    expect(fs.readFileSync(path.join(secret, 'file.txt'), 'utf8')).toBe('top secret');
    expect(fs.readFileSync(path.join(pub, 'file.txt'), 'utf8')).toBe('public data');
  });

  it('does not let symlinks planted in the writable directory widen access', async () => {
    const plant = await sandbox.spawn('/bin/sh', ['-c',
      `ln -s ${secret}/file.txt ${w}/to-secret-file && ln -s ${secret} ${w}/to-secret-dir && ln -s ${root} ${w}/to-root`]);
    expect(plant.status).toBe(0); // planting is allowed (MAKE_SYM); following is checked on the target
    expect((await jailed('read_file', path.join(w, 'to-secret-file'))).status).toBe(EACCES);
    expect((await jailed('read_file', path.join(w, 'to-secret-dir/file.txt'))).status).toBe(EACCES);
    expect((await jailed('list_dir', path.join(w, 'to-secret-dir'))).status).toBe(EACCES);
    expect((await jailed('list_dir', path.join(w, 'to-root'))).status).toBe(EACCES);
    expect((await jailed('write_file', path.join(w, 'to-root/readonly.txt'), 'x')).status).toBe(EACCES);
    expect(fs.readFileSync(path.join(root, 'readonly.txt'), 'utf8')).toBe('keep me');
  });

  it('stops signals to the runner and to every process outside the domain (signal 0 only)', async () => {
    const { abi } = detectLandlockAbi();
    if (abi < 6) {
      expect(sandbox.enforcement.missing.join('\n')).toMatch(/signal scoping/);
      return;
    }
    const r = await jailed('kill_probe', 'ppid', String(process.pid), '1');
    expect(r.stdout).toBe(`ppid EPERM\n${process.pid} EPERM\n1 EPERM\n`);
    // kill(-1, sig) visits every process except init and the caller, and reports success even when every
    // one refused (kernel/signal.c ignores EPERM there). So check the processes it would visit one by one:
    // every process that exists now, as listed by the (unrestricted) main thread.
    const pids = fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n));
    expect(pids).toContain(String(process.pid));
    const all = await jailed('kill_probe', ...pids, '-1');
    const results = new Map(all.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    expect(results.size).toBe(pids.length + 1);
    for (const pid of pids) expect(['EPERM', 'ESRCH', 'self']).toContain(results.get(pid));
    expect([...results.values()].filter((v) => v === 'EPERM').length).toBeGreaterThan(1);
    expect(results.get('-1')).toBe('ok');
  });

  it('stops connecting to an abstract unix socket outside the domain (EPERM)', async () => {
    const { abi } = detectLandlockAbi();
    if (abi < 6) {
      expect(sandbox.enforcement.missing.join('\n')).toMatch(/abstract unix socket scoping/);
      return;
    }
    expect((await jailed('abstract_connect', abstractName)).status).toBe(EPERM);
  });

  it('denies TCP connect to a loopback port and TCP bind (EACCES)', async () => {
    const { abi } = detectLandlockAbi();
    if (abi < 4) {
      expect(sandbox.enforcement.netRights).toEqual([]);
      return;
    }
    expect((await jailed('tcp_connect', String(tcpPort))).status).toBe(EACCES);
    expect((await jailed('tcp_bind')).status).toBe(EACCES);
  });

  it('hides every process under /proc, the runner included, and keeps the rest of /proc readable', async () => {
    const cmdline = await jailed('read_file', `/proc/${process.pid}/cmdline`);
    expect(cmdline.status).toBe(EACCES);
    expect(cmdline.stdout).toBe('');
    expect((await jailed('read_file', `/proc/${process.pid}/environ`)).status).toBe(EACCES);
    expect((await jailed('read_file', '/proc/1/cmdline')).status).toBe(EACCES);
    // Without the rule the engine adds for a program's own pid (test/engine/attacks-proc), /proc/self is hidden too.
    expect((await jailed('read_file', '/proc/self/status')).status).toBe(EACCES);
    expect((await jailed('list_dir', '/proc')).status).toBe(EACCES);
    const cpuinfo = await jailed('read_file', '/proc/cpuinfo');
    expect(cpuinfo.status).toBe(0);
    expect(cpuinfo.stdout).toMatch(/processor/);
  });

  it('allows /dev/null read+write and reading /dev/zero and /dev/urandom, and no other device access', async () => {
    const sh = await sandbox.spawn('/bin/sh', ['-c',
      'echo discarded > /dev/null && cat /dev/null && head -c 16 /dev/urandom | wc -c && head -c 8 /dev/zero | wc -c']);
    expect(sh).toMatchObject({ status: 0, stdout: '16\n8\n' });
    expect(await jailed('read_file', '/dev/urandom')).toMatchObject({ status: 0 });
    expect((await jailed('read_file', '/dev/full')).status).toBe(EACCES);
    expect((await jailed('write_file', '/dev/zero', 'x')).status).toBe(EACCES);
    expect((await jailed('list_dir', '/dev')).status).toBe(EACCES);
  });

  it('known limitation: the spawner thread shares the domain, so Landlock lets the program signal and ptrace it', async () => {
    // Documented in docs/principles.md: the engine must cover this with seccomp and a
    // non-dumpable runner. Signal 0 and a read-only probe only.
    const { abi } = detectLandlockAbi();
    if (abi < 6) return;
    const sig = await jailed('kill_probe', String(sandbox.tid), String(process.pid));
    expect(sig.stdout).toBe(`${sandbox.tid} ok\n${process.pid} EPERM\n`);
    // EFAULT: permission to the worker thread's memory was granted, only the bogus address failed.
    const vm = await jailed('vm_read', String(sandbox.tid), String(process.pid));
    expect(vm.stdout).toBe(`${sandbox.tid} EFAULT\n${process.pid} EPERM\n`);
  });
});
