/**
 * Every exit-code path of `simple-cp-sandbox [options] <program> [args...]`, through the built bin: the program's
 * own code, 128+N for a signal, 124 for wall and CPU limits, 125 for bad options and setup failures (one line on
 * stderr), 126 not executable, 127 not found, and the documented codes for memory and output limits.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildFixtures, cli, HANG_GUARD, cliJson, isRoot, removeDir, signalExit, type Fixtures } from './helpers.js';

let fx: Fixtures;
beforeAll(() => { fx = buildFixtures(); });
afterAll(() => removeDir(fx.dir));

/** The CLI's one-line error: exactly one line, prefixed with the CLI's name. */
function oneLine(stderr: Buffer): string {
  const text = stderr.toString();
  expect(text.endsWith('\n')).toBe(true);
  expect(text.slice(0, -1)).not.toContain('\n');
  expect(text.startsWith('simple-cp-sandbox: ')).toBe(true);
  return text;
}

describe('the program\'s outcome', () => {
  it('exits 0 when the program exits 0, passing its output through', async () => {
    const r = await cli([fx.path('exit_with'), '0']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('exit_with: stdout\n');
    expect(r.stderr.toString()).toBe('exit_with: stderr\n');
  });

  for (const code of [1, 3, 42, 123]) {
    it(`exits with the program's own code ${code}`, async () => {
      const r = await cli([fx.path('exit_with'), String(code)]);
      expect(r.code).toBe(code);
      expect(r.stdout.toString()).toBe('exit_with: stdout\n');
    });
  }

  it('exits 128+N when signal N ended the program', async () => {
    const r = await cli([fx.path('segv')]);
    expect(r.code).toBe(signalExit('SIGSEGV'));
    expect(r.stderr.toString()).toBe('segv: about to fault\n');
    const { json } = await cliJson([fx.path('segv')]);
    expect(json.status).toBe('RE');
    expect(json.signal).toBe('SIGSEGV');
  });

  it('exits 124 when the wall-clock limit ends the program', async () => {
    const r = await cli(['--timeout', '0.3', '/bin/sleep', '30']);
    expect(r.code).toBe(124);
    const { run, json } = await cliJson(['--timeout', '0.3', '/bin/sleep', '30']);
    expect(run.code).toBe(124);
    expect(json).toMatchObject({ status: 'TLE', timedOut: true, limit: 'wall' });
  });

  it('exits 124 when the CPU-time limit ends the program', async () => {
    const r = await cli(['--cpu-time', '0.3', '--timeout', '20', fx.path('spin')]);
    expect(r.code).toBe(124);
    const { run, json } = await cliJson(['--cpu-time', '0.3', '--timeout', '20', fx.path('spin')]);
    expect(run.code).toBe(124);
    expect(json).toMatchObject({ status: 'TLE', timedOut: true, limit: 'cpu' });
    expect(json.cpuTime).toBeGreaterThanOrEqual(0.3);
  });

  it('exits as documented for the memory limit (MLE): 128+N when killed, else the program\'s code, never 0', async () => {
    const { run, json } = await cliJson(['--memory', '64', fx.path('alloc'), '512']);
    expect(json.status).toBe('MLE');
    expect(json.limit).toBe('memory');
    const expected = json.signal !== null ? signalExit(json.signal as NodeJS.Signals) : json.exitCode || 1;
    expect(run.code).toBe(expected);
    expect(run.code).not.toBe(0);
    const plain = await cli(['--memory', '64', fx.path('alloc'), '512']);
    expect(plain.code).not.toBe(0);
  });

  it('exits as documented for the output limit (OLE), keeping exactly the allowed bytes', async () => {
    const { run, json } = await cliJson(['--output-limit', '1000', fx.path('flood'), '1000000']);
    expect(json).toMatchObject({ status: 'OLE', limit: 'output', stdoutTruncated: true, stderrTruncated: false });
    expect(json.stdout).toBe('x'.repeat(1000));
    const expected = json.signal !== null ? signalExit(json.signal as NodeJS.Signals) : json.exitCode || 1;
    expect(run.code).toBe(expected);
    const plain = await cli(['--output-limit', '1000', fx.path('flood'), '1000000']);
    expect(plain.code).toBe(run.code);
    expect(plain.stdout.equals(Buffer.alloc(1000, 'x'))).toBe(true);
  });
});

describe('exit 125: bad options, nothing runs', () => {
  const CASES: Array<[string[], RegExp]> = [
    [['--timeout', 'abc', '/bin/true'], /--timeout.*"abc".*expected/],
    [['--memory', '-1', '/bin/true'], /--memory.*"-1".*expected/],
    [['--env', 'NOEQUALS', '/bin/true'], /--env.*"NOEQUALS".*KEY=VALUE/],
    [['--processes', '0', '/bin/true'], /--processes.*"0"/],
    [['--nope', '/bin/true'], /unknown option '--nope'/],
    [['--timeout'], /--timeout/],
    [[], /missing required argument 'program'/],
    [['--timeout', '1e9', '/bin/true'], /--timeout.*1000000000/],
    [['--stdin', '/nonexistent/in.txt', '/bin/true'], /--stdin.*\/nonexistent\/in\.txt/],
    [['--cwd', '/nonexistent', '/bin/true'], /--cwd.*\/nonexistent/],
  ];
  for (const [args, message] of CASES) {
    it(`${JSON.stringify(args)} -> 125 with one line naming the problem`, async () => {
      const r = await cli(args);
      expect(r.code).toBe(125);
      expect(r.stdout.length).toBe(0);
      expect(oneLine(r.stderr)).toMatch(message);
    });
  }

  it('prints the SE object (and still exits 125) with --json', async () => {
    const { run, json } = await cliJson(['--timeout', 'abc', '/bin/true']);
    expect(run.code).toBe(125);
    expect(run.stderr.length).toBe(0);
    expect(json.status).toBe('SE');
    expect(json.error).toMatch(/--timeout.*"abc"/);
  });
});

describe('exit 125: the sandbox cannot be set up as asked', () => {
  it('--deny-read of a directory that does not exist', async () => {
    const r = await cli(['--deny-read', '/nonexistent-dir', '/bin/true']);
    expect(r.code).toBe(125);
    expect(oneLine(r.stderr)).toMatch(/--deny-read.*\/nonexistent-dir/);
  });

  it('--deny-read / (it would deny everything)', async () => {
    const r = await cli(['--deny-read', '/', '/bin/true']);
    expect(r.code).toBe(125);
    expect(oneLine(r.stderr)).toMatch(/--deny-read.*"\/"/);
    const { run, json } = await cliJson(['--deny-read', '/', '/bin/true']);
    expect(run.code).toBe(125);
    expect(json.status).toBe('SE');
    expect(json.error).toMatch(/--deny-read/);
  });

  /** Runs argv as a non-root user: this one when not root, else `nobody` through runuser (null: no way to). */
  const canDrop = !isRoot || spawnSync('runuser', ['-u', 'nobody', '--', 'true']).status === 0;
  function unprivileged(argv: string[]): SpawnSyncReturns<string> {
    const [cmd, args] = isRoot ? ['runuser', ['-u', 'nobody', '--', ...argv]] : [argv[0]!, argv.slice(1)];
    return spawnSync(cmd, args, { encoding: 'utf8', ...HANG_GUARD });
  }

  it.skipIf(!canDrop)('--user from a runner that is not root', () => {
    const run = unprivileged([process.execPath, BIN, '--user', '1500', '/bin/true']);
    expect(run.status).toBe(125);
    expect(run.stderr).toMatch(/^simple-cp-sandbox: .*--user.*root/);
    expect(run.stderr.trimEnd()).not.toContain('\n');
  });

  it('a resource limit the runner cannot grant: names the setup step', () => {
    // A runner whose hard stack limit is below what a run sets (the memory limit by default): the gate, which has
    // no capabilities even under a root runner, cannot raise it, so the program must not start.
    const run = spawnSync('/bin/sh', ['-c', 'ulimit -Hs 8192; exec "$@"', 'sh', process.execPath, BIN, '/bin/true'],
      { encoding: 'utf8', ...HANG_GUARD });
    expect(run.status).toBe(125);
    expect(run.stderr).toMatch(/^simple-cp-sandbox: sandbox setup failed at step "[^"]+"/);
    expect(run.stderr.trimEnd()).not.toContain('\n');
  });
});

describe('a failure while the prestarted threads are still starting', () => {
  // A run or judge starts the engine's first two threads before it looks at its input (engine/warm.ts); a failure
  // found meanwhile must end them cleanly. Regression: ending a thread still loading koffi aborted the process
  // (exit 134, "FATAL ERROR: Error::ThrowAsJavaScriptException"), about 1 time in 30. Repeated to catch the race.
  it('judge without --tests, then a run with a missing --deny-read: exit 125 every time, 30 times each', { timeout: 120_000 }, async () => {
    // One at a time: the race needs the failure to come while a thread is loading, which it does about 1 time in
    // 10 here when run alone, and rarely when CLIs run side by side.
    for (const args of [['judge', '/bin/true'], ['--deny-read', '/nonexistent-dir', '/bin/true']]) {
      const codes: Array<number | null> = [];
      for (let i = 0; i < 30; i++) {
        const r = await cli(args);
        codes.push(r.code);
        expect(r.stderr.toString()).not.toMatch(/FATAL ERROR/);
      }
      expect(codes, args.join(' ')).toEqual(Array(30).fill(125));
    }
  });
});

describe('exit 126 and 127: the program cannot be started', () => {
  it('exits 127 when the program does not exist', async () => {
    const r = await cli(['/nonexistent/program']);
    expect(r.code).toBe(127);
    expect(oneLine(r.stderr)).toMatch(/not found.*\/nonexistent\/program/);
    const { run, json } = await cliJson(['no-such-program-in-path-xyz']);
    expect(run.code).toBe(127);
    expect(json).toMatchObject({ status: 'SE', exitCode: null });
    expect(json.error).toMatch(/no-such-program-in-path-xyz/);
  });

  it('exits 126 when the program is not executable', async () => {
    const file = path.join(fx.dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\necho never\n');
    chmodSync(file, 0o644);
    const r = await cli([file]);
    expect(r.code).toBe(126);
    expect(r.stdout.length).toBe(0);
    expect(oneLine(r.stderr)).toMatch(/not executable/);
    const dir = await cli([fx.dir]);
    expect(dir.code).toBe(126);
  });
});
