/**
 * `--json`: exactly one object on stdout, with every field, for every outcome; text output with base64 beside it
 * when the bytes are not valid UTF-8; the exit code still follows the rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonResult } from '../../dist/cli/result-json.js';
import { buildFixtures, cliJson, isRoot, removeDir, type Fixtures } from './helpers.js';

let fx: Fixtures;
beforeAll(() => { fx = buildFixtures(); });
afterAll(() => removeDir(fx.dir));

const FIELDS = ['status', 'exitCode', 'signal', 'timedOut', 'limit', 'wallTime', 'cpuTime', 'peakMemory', 'stdout',
  'stderr', 'stdoutTruncated', 'stderrTruncated', 'error', 'enforced'];

function expectShape(json: JsonResult): void {
  for (const f of FIELDS) expect(json, f).toHaveProperty(f);
  expect(['OK', 'RE', 'TLE', 'MLE', 'OLE', 'SE']).toContain(json.status);
  for (const f of ['wallTime', 'cpuTime', 'peakMemory'] as const) {
    expect(typeof json[f]).toBe('number');
    expect(json[f]).toBeGreaterThanOrEqual(0);
  }
  for (const f of ['timedOut', 'stdoutTruncated', 'stderrTruncated'] as const) expect(typeof json[f]).toBe('boolean');
  expect(typeof json.stdout).toBe('string');
  expect(typeof json.stderr).toBe('string');
}

describe('--json', () => {
  it('reports a successful run with every field', async () => {
    const { run, json } = await cliJson([fx.path('exit_with'), '0']);
    expect(run.code).toBe(0);
    expect(run.stderr.length).toBe(0); // the program's stderr is in the object, not on the CLI's stderr
    expectShape(json);
    expect(json).toMatchObject({
      status: 'OK', exitCode: 0, signal: null, timedOut: false, limit: null, stdout: 'exit_with: stdout\n',
      stderr: 'exit_with: stderr\n', stdoutTruncated: false, stderrTruncated: false, error: null,
    });
    expect(json).not.toHaveProperty('stdoutBase64');
    expect(json).not.toHaveProperty('stderrBase64');
    expect(json.wallTime).toBeGreaterThan(0);
  });

  it('reports peak memory in bytes and CPU time in seconds', async () => {
    const { json } = await cliJson(['--memory', '256', fx.path('alloc'), '48']);
    expect(json.status).toBe('OK');
    expect(json.stdout).toBe('alloc: 48 MiB resident\n');
    expect(json.peakMemory).toBeGreaterThanOrEqual(48 * 1024 * 1024);
    expect(json.peakMemory).toBeLessThan(256 * 1024 * 1024);
    expect(json.cpuTime).toBeGreaterThan(0);
  });

  it('reports what the sandbox enforced', async () => {
    // The program prints the limits it really has (dash: -p processes, -d data in KiB, -s stack, -t CPU seconds).
    const { json } = await cliJson(['--processes', '3', '--memory', '128', '/bin/sh', '-c', 'ulimit -p; ulimit -d; ulimit -s; ulimit -t']);
    const e = json.enforced!;
    expect(e).not.toBeNull();
    expect(e.noNewPrivs).toBe(true);
    expect(e.landlock.abi).toBeGreaterThanOrEqual(3);
    expect(e.landlock.fsRights).toContain('WRITE_FILE');
    expect(e.seccomp.processes).toBe(3);
    expect(e.seccomp.instructions).toBeGreaterThan(0);
    // The gate's RLIMIT_NPROC is processes + the tasks the program's uid already has + the gate (docs/principles.md,
    // "Processes"); the report gives the limit set, not the option (regression: it reported 3).
    const [nproc, dataKiB, stack, cpu] = json.stdout.trim().split('\n');
    expect(e.rlimits.nproc).toBe(Number(nproc));
    expect(e.rlimits.nproc).toBeGreaterThanOrEqual(4);
    // RLIMIT_DATA, not RLIMIT_AS: twice the memory limit and 1 GiB of room for runtimes' untouched thread stacks.
    expect(e.rlimits.data).toBe(2 * 128 * 1024 * 1024 + 1024 * 1024 * 1024);
    expect(e.rlimits.data).toBe(Number(dataKiB) * 1024);
    expect(e.rlimits.stack).toBe('unlimited');
    expect(stack).toBe('unlimited');
    expect(e.rlimits).not.toHaveProperty('as');
    expect(e.rlimits.cpu).toBe(Number(cpu));
    if (isRoot) expect(e.uid).toBe(65534);
    else expect(e.uid).toBe(process.geteuid!());
  });

  it('reports a non-zero exit as RE with its code', async () => {
    const { run, json } = await cliJson([fx.path('exit_with'), '5']);
    expect(run.code).toBe(5);
    expectShape(json);
    expect(json).toMatchObject({ status: 'RE', exitCode: 5, signal: null, error: null });
  });

  it('adds base64 of the exact bytes when the output is not valid UTF-8', async () => {
    const { run, json } = await cliJson([fx.path('bytes')]);
    expect(run.code).toBe(0);
    expectShape(json);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(Buffer.from(json.stdoutBase64!, 'base64').equals(all)).toBe(true);
    expect(json.stdout).toBe(all.toString('utf8'));
    const err = Buffer.from([0x65, 0x72, 0x72, 0x3a, 0xff, 0xfe, 0xc3, 0x0a]);
    expect(Buffer.from(json.stderrBase64!, 'base64').equals(err)).toBe(true);
    expect(json.stderr.startsWith('err:')).toBe(true);
  });

  it('keeps valid UTF-8 as text only', async () => {
    const { json } = await cliJson([fx.path('argv'), 'ünïcödé ✓']);
    expect(json.stdout).toBe('ünïcödé ✓\0');
    expect(json).not.toHaveProperty('stdoutBase64');
  });

  it('reports truncated output', async () => {
    const { json } = await cliJson(['--output-limit', '10', fx.path('flood'), '100000']);
    expectShape(json);
    expect(json).toMatchObject({ status: 'OLE', limit: 'output', stdoutTruncated: true, stdout: 'x'.repeat(10) });
  });

  it('reports a timeout', async () => {
    const { run, json } = await cliJson(['--timeout', '0.2', '/bin/sleep', '30']);
    expect(run.code).toBe(124);
    expectShape(json);
    expect(json).toMatchObject({ status: 'TLE', timedOut: true, limit: 'wall', exitCode: null });
    expect(json.wallTime).toBeGreaterThanOrEqual(0.2);
  });

  for (const [what, args, code] of [
    ['a bad option', ['--memory', 'lots', '/bin/true'], 125],
    ['an unknown option', ['--bogus', '/bin/true'], 125],
    ['a program that is not there', ['/nonexistent/x'], 127],
    ['a program that is not executable', ['/etc/passwd'], 126],
    ['a path the policy cannot use', ['--allow-write', '/nonexistent-dir', '/bin/true'], 125],
  ] as const) {
    it(`prints one SE object for ${what}, exit ${code}`, async () => {
      const { run, json } = await cliJson([...args]);
      expect(run.code).toBe(code);
      expect(run.stderr.length).toBe(0);
      expectShape(json);
      expect(json).toMatchObject({ status: 'SE', exitCode: null, signal: null, enforced: null, stdout: '', stderr: '' });
      expect(typeof json.error).toBe('string');
      expect(json.error).not.toBe('');
    });
  }
});
