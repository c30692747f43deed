/**
 * A real redis-server for a test file: on 127.0.0.1, a free port, a directory of its own (its append-only file, so a
 * restart keeps what it had), the eviction policy BullMQ needs; stopped by the test. Never the system's service. Without redis-server the tests say
 * they are skipped, unless SANDBOX_TEST_REQUIRE_RUNTIMES=1 (CI), where that is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasRedis && process.env.SANDBOX_TEST_REQUIRE_RUNTIMES === '1') {
  throw new Error('redis-server is not installed, and SANDBOX_TEST_REQUIRE_RUNTIMES=1 requires it (apt-get install redis-server)');
}

export interface TestRedis {
  url: string;
  port: number;
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

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = new Socket();
    c.once('error', () => resolve(false));
    c.connect(port, '127.0.0.1', () => c.write('PING\r\n'));
    c.once('data', (d) => { c.destroy(); resolve(d.toString().startsWith('+PONG')); });
  });
}

/** Starts redis-server on `port` with its data in `dir` (append-only file, fsync always: a restart keeps every job). */
async function launch(port: number, dir: string): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 100 && !(await answersPing(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await answersPing(port))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
  }
  return { child, exited };
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scs-redis-'));
  let server = await launch(port, dir);
  const stopServer = async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`, port,
    async restart(downMs = 0) {
      await stopServer();
      await new Promise((r) => setTimeout(r, downMs));
      server = await launch(port, dir);
    },
    async stop() {
      await stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
