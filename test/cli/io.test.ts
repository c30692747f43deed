/**
 * What the program gets and gives through the CLI: its argv untouched (even words that look like options), its
 * output byte for byte, the CLI's stdin streamed to it (or --stdin FILE, or EOF when the CLI has none), --env,
 * --cwd, and the end of the program when the CLI itself is told to stop.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, cli, cliJson, gone, removeDir, signalExit, tempDir, type Fixtures } from './helpers.js';

let fx: Fixtures;
beforeAll(() => { fx = buildFixtures(); });
afterAll(() => removeDir(fx.dir));

function nulSeparated(out: Buffer): string[] {
  const parts = out.toString('utf8').split('\0');
  expect(parts.pop()).toBe('');
  return parts;
}

describe('argv', () => {
  it('passes everything after the program through untouched', async () => {
    const tail = ['--timeout', '5', '--', '--x', '-h', '--json', 'doctor', '', 'with space', 'ünïcode'];
    const r = await cli(['--timeout', '5', fx.path('argv'), ...tail]);
    expect(r.code).toBe(0);
    expect(nulSeparated(r.stdout)).toEqual(tail);
  });

  it('takes `--` before the program as the end of the CLI\'s options', async () => {
    const r = await cli(['--timeout', '5', '--', fx.path('argv'), '--', '--x']);
    expect(r.code).toBe(0);
    expect(nulSeparated(r.stdout)).toEqual(['--', '--x']);
  });

  it('looks a program without a slash up in PATH', async () => {
    const r = await cli(['echo', 'found', 'in', 'PATH']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('found in PATH\n');
  });
});

describe('output', () => {
  it('writes the program\'s stdout and stderr byte for byte, even when not UTF-8', async () => {
    const r = await cli([fx.path('bytes')]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(Buffer.from(Array.from({ length: 256 }, (_, i) => i)))).toBe(true);
    expect(r.stderr.equals(Buffer.from([0x65, 0x72, 0x72, 0x3a, 0xff, 0xfe, 0xc3, 0x0a]))).toBe(true);
  });

  it('keeps a large output intact', async () => {
    const n = 3 * 1024 * 1024 + 17;
    const r = await cli([fx.path('flood'), String(n)]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(n);
    expect(r.stdout.every((b) => b === 0x78)).toBe(true);
  });
});

describe('stdin', () => {
  it('streams the CLI\'s stdin to the program until EOF', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const r = await cli([fx.path('cat')], { input: data });
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
    expect(r.stderr.toString()).toBe(`cat: ${data.length} bytes, EOF\n`);
  });

  it('streams stdin in --json mode too', async () => {
    const { run, json } = await cliJson([fx.path('cat')], { input: 'line one\nline two\n' });
    expect(run.code).toBe(0);
    expect(json.stdout).toBe('line one\nline two\n');
  });

  it('gives the program EOF when the CLI\'s stdin is /dev/null', async () => {
    const r = await cli([fx.path('cat')], { stdin: 'null' });
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr.toString()).toBe('cat: 0 bytes, EOF\n');
  });

  it('gives the program EOF when the CLI\'s stdin is closed', async () => {
    const r = await cli([fx.path('cat')], { stdin: 'closed' });
    expect(r.code).toBe(0);
    expect(r.stderr.toString()).toBe('cat: 0 bytes, EOF\n');
  });

  it('does not wait for stdin to end when the program does not read it', async () => {
    // The CLI's stdin stays open (its writer never ends it); the run must still end when the program exits.
    const r = await cli([fx.path('exit_with'), '7'], { stdin: 'open' });
    expect(r.code).toBe(7);
    expect(r.stdout.toString()).toBe('exit_with: stdout\n');
  });

  it('gives the program the file of --stdin instead of the CLI\'s stdin', async () => {
    const file = path.join(fx.dir, 'input.txt');
    writeFileSync(file, 'from the file\n');
    chmodSync(file, 0o644);
    const r = await cli(['--stdin', file, fx.path('cat')], { input: 'from the pipe\n' });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('from the file\n');
  });
});

describe('environment and working directory', () => {
  it('gives the program PATH plus --env variables, nothing of the CLI\'s environment', async () => {
    const r = await cli(['--env', 'FOO=bar', '--env', 'EQ=a=b', '--env', 'EMPTY=', '/usr/bin/env']);
    expect(r.code).toBe(0);
    // PWD is left out: the library's gate (/bin/sh, which exports PWD) adds it; not something the CLI passes.
    const lines = r.stdout.toString().trimEnd().split('\n').filter((l) => !l.startsWith('PWD=')).sort();
    const pathLine = lines.find((l) => l.startsWith('PATH='));
    expect(pathLine).toBeDefined();
    expect(lines).toEqual(['EMPTY=', 'EQ=a=b', 'FOO=bar', pathLine].sort());
    expect(r.stdout.toString()).not.toContain(`HOME=${os.homedir()}\n`);
  });

  it('runs the program in --cwd', async () => {
    const r = await cli(['--cwd', fx.dir, '/bin/pwd']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${realpathSync(fx.dir)}\n`);
  });
});

describe('the CLI told to stop', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the CLI ends the program and everything it started, exit 128+N`, async () => {
      const dir = tempDir('stop', 0o777);
      try {
        const pidFile = path.join(dir, 'pids');
        // A shell that records its children's pids, then waits on them: it never ends on its own.
        const script = `sleep 1000 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait`;
        let cliPid = 0;
        // --processes leaves room: the budget is per uid, shared with other runs of it (docs/principles.md, "Processes").
        const running = cli(['--processes', '32', '--timeout', '60', '--allow-write', dir, '/bin/sh', '-c', script],
          { onSpawn: (pid) => { cliPid = pid; } });
        const pids = await waitForLines(pidFile, 2).catch(async (e: Error) => {
          process.kill(cliPid, 'SIGKILL');
          const r = await running;
          throw new Error(`${e.message}; the CLI said: ${r.stderr.toString()} ${r.stdout.toString()}`);
        });
        process.kill(cliPid, signal);
        const r = await running;
        expect(r.code).toBe(signalExit(signal));
        for (const pid of pids) expect(await gone(pid)).toBe(true);
      } finally {
        removeDir(dir);
      }
    });
  }
});

async function waitForLines(file: string, n: number): Promise<number[]> {
  for (let i = 0; i < 500; i++) {
    try {
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      if (lines.length >= n) return lines.map(Number);
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} never got ${n} lines`);
}
