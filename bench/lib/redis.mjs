// A redis-server for the bench's queue section: 127.0.0.1, a free port, a directory of its own, stopped after.
// Null when redis-server is not installed (the section then says it was skipped).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ping = (port) => new Promise((resolve) => {
  const c = new Socket();
  c.once('error', () => resolve(false));
  c.connect(port, '127.0.0.1', () => c.write('PING\r\n'));
  c.once('data', (d) => { c.destroy(); resolve(d.toString().startsWith('+PONG')); });
});

export async function startRedis() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return null;
  const port = await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'scs-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 100 && !(await ping(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() { child.kill('SIGTERM'); await exited; rmSync(dir, { recursive: true, force: true }); },
  };
}
