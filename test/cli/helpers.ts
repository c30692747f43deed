/**
 * Helpers of the CLI tests: spawn the BUILT bin (`node bin/simple-cp-sandbox.js`, which imports dist/bundle/main.js)
 * and compile the fixture programs (fixtures/cli/*.c) with gcc into a temp directory.
 *
 * Root runners run programs as uid 65534, so the fixture directory is 0755 (and its files 0755), and any
 * directory a test lets the program write to is 0777.
 */
import { execFileSync, spawn, type StdioOptions } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonResult } from '../../dist/cli/result-json.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'simple-cp-sandbox.js');
export const FIXTURES = path.join(ROOT, 'fixtures', 'cli');
export const isRoot = process.geteuid?.() === 0;

if (!existsSync(path.join(ROOT, 'dist', 'bundle', 'main.js'))) {
  throw new Error('dist/bundle/main.js is missing: build first (npm run build)');
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface CliOptions {
  /** Bytes for the CLI's stdin (a pipe, then EOF). Default: /dev/null. */
  input?: string | Buffer;
  /**
   * 'null': /dev/null (the default without input). 'closed': the CLI starts with fd 0 closed, as under some CI
   * runners. 'open': a pipe nobody writes to or ends while the CLI runs.
   */
  stdin?: 'null' | 'closed' | 'open';
  cwd?: string;
  /** Variables added to the CLI's environment (this process's). */
  env?: Record<string, string>;
  /** Called with the CLI's pid once it runs (e.g. to signal it). */
  onSpawn?: (pid: number) => void;
  /** A CLI still running after this many ms is SIGKILLed (a hang fails the test instead of the suite). */
  killAfterMs?: number;
}

/** For spawnSync calls of the CLI: the same guard against a hang. */
export const HANG_GUARD = { timeout: 25_000, killSignal: 'SIGKILL' } as const;

export function cli(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  const stdio: StdioOptions = [opts.input !== undefined || opts.stdin === 'open' ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  const [cmd, argv] = opts.stdin === 'closed'
    ? ['/bin/sh', ['-c', 'exec "$0" "$@" <&-', process.execPath, BIN, ...args]]
    : [process.execPath, [BIN, ...args]];
  const child = spawn(cmd, argv, { stdio, cwd: opts.cwd ?? ROOT, ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  if (opts.input !== undefined) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input);
  }
  const guard = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? HANG_GUARD.timeout);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(guard);
      child.stdin?.destroy();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

/** Runs the CLI with --json first and parses the one object it must print. */
export async function cliJson(args: readonly string[], opts: CliOptions = {}): Promise<{ run: CliRun; json: JsonResult }> {
  const run = await cli(['--json', ...args], opts);
  const text = run.stdout.toString('utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected exactly one JSON line on stdout, got: ${JSON.stringify(text)}`);
  return { run, json: JSON.parse(lines[0]!) as JsonResult };
}

/** A fresh temp directory, 0755 (or `mode`). */
export function tempDir(prefix: string, mode = 0o755): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `scs-cli-${prefix}-`));
  chmodSync(dir, mode);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export type FixtureName = 'alloc' | 'argv' | 'bytes' | 'cat' | 'exit_with' | 'flood' | 'read_file' | 'segv' | 'spin'
  | 'tcp_connect' | 'write_file';

export interface Fixtures {
  readonly dir: string;
  path(name: FixtureName | 'group_sleep.sh'): string;
}

/** Compiles every fixtures/cli/*.c into a 0755 temp directory and copies the shell fixtures. */
export function buildFixtures(): Fixtures {
  const dir = tempDir('fixtures');
  for (const file of readdirSync(FIXTURES)) {
    const src = path.join(FIXTURES, file);
    if (file.endsWith('.c')) {
      const out = path.join(dir, file.slice(0, -2));
      execFileSync('gcc', ['-O1', '-Wall', '-Werror', '-o', out, src], { stdio: ['ignore', 'inherit', 'inherit'] });
      chmodSync(out, 0o755);
    } else if (file.endsWith('.sh')) {
      copyFileSync(src, path.join(dir, file));
      chmodSync(path.join(dir, file), 0o755);
    }
  }
  return { dir, path: (name) => path.join(dir, name) };
}

/** Exit code the CLI documents for a program ended by `signal` (128 + its number). */
export function signalExit(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}

/** Whether a pid is gone (or a zombie awaiting its reaper): polled because reaping by init is asynchronous. */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}
