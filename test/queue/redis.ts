/**
 * A real redis-server for a test file: on 127.0.0.1, a free port, a directory of its own (its append-only file, so a
 * restart keeps what it had), the eviction policy BullMQ needs; stopped by the test. Never the system's service.
 * Optionally with a password (requirepass) and TLS only (a CA and a server certificate for 127.0.0.1, made with
 * openssl in its directory). Without redis-server the tests say they are skipped, unless
 * SANDBOX_TEST_REQUIRE_RUNTIMES=1 (CI), where that is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import os from 'node:os';
import path from 'node:path';

/**
 * A worker's uids as root (`firstUid`, startWorker's option): every worker of the suite gets a range of its own
 * (`base` .. base + its concurrency - 1; the files use 61000.., 61100.., 61200.., 61300.., 61400..), so that none
 * refuses another's uids at start or shares their process budget. Not root: nothing (the programs run as this user).
 */
export const uidsFrom = (base: number): { firstUid?: number } => (process.geteuid?.() === 0 ? { firstUid: base } : {});

export const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasRedis && process.env.SANDBOX_TEST_REQUIRE_RUNTIMES === '1') {
  throw new Error('redis-server is not installed, and SANDBOX_TEST_REQUIRE_RUNTIMES=1 requires it (apt-get install redis-server)');
}

export interface TestRedis {
  /** redis://127.0.0.1:PORT, with the password (redis://:PW@...) and rediss:// when those are set. */
  url: string;
  port: number;
  /** With `tls`: the CA that signed the server's certificate (PEM). */
  ca: Buffer | null;
  /** Stops the server (its append-only file flushed) and starts it again on the same port and directory. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A free port below the kernel's ephemeral range: while the server is down for a restart, a client reconnecting to an
 * ephemeral-range port can be handed that very port as its own source and connect to itself (TCP's simultaneous
 * open), and the server could not bind it again.
 */
async function freePort(): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const top = Math.max(2000, (low ?? 32768) - 1);
  for (let i = 0; i < 50; i++) {
    const port = 1024 + Math.floor(Math.random() * (top - 1024));
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port below the ephemeral range');
}

export interface RedisSetup {
  /** requirepass. */
  password?: string;
  /** TLS only: the plain port is closed. */
  tls?: boolean;
}

/** Whether the server answers on `port`: any reply (+PONG, or -NOAUTH with a password) means it is up. */
function answers(port: number, ca: Buffer | null): Promise<boolean> {
  return new Promise((resolve) => {
    const c: Socket = ca ? tlsConnect({ port, host: '127.0.0.1', ca }, () => c.write('PING\r\n'))
      : new Socket().connect(port, '127.0.0.1', () => c.write('PING\r\n'));
    c.once('error', () => resolve(false));
    c.once('data', (d) => { c.destroy(); resolve(/^[+-]/.test(d.toString())); });
  });
}

/** A CA and a server certificate for IP 127.0.0.1 signed by it, in `dir`. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr?.toString() ?? r.error?.message}`);
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=scs test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'),
    '-days', '2', '-extfile', f('ext.cnf'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** Starts redis-server on `port` with its data in `dir` (append-only file, fsync always: a restart keeps every job). */
async function launch(port: number, dir: string, extra: string[], ca: Buffer | null): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', [...extra, '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 100 && !(await answers(port, ca)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answers(port, ca))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
  }
  return { child, exited };
}

export async function startRedis(setup: RedisSetup = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scs-redis-'));
  const extra: string[] = setup.password === undefined ? [] : ['--requirepass', setup.password];
  let ca: Buffer | null = null;
  if (setup.tls) {
    const c = makeCertificates(dir);
    ca = readFileSync(c.ca);
    extra.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', c.cert, '--tls-key-file', c.key,
      '--tls-ca-cert-file', c.ca, '--tls-auth-clients', 'no');
  } else {
    extra.push('--port', String(port));
  }
  let server = await launch(port, dir, extra, ca);
  const stopServer = async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  };
  const auth = setup.password === undefined ? '' : `:${encodeURIComponent(setup.password)}@`;
  return {
    url: `${setup.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`, port, ca,
    async restart(downMs = 0) {
      await stopServer();
      await new Promise((r) => setTimeout(r, downMs));
      server = await launch(port, dir, extra, ca);
    },
    async stop() {
      await stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
