/**
 * What a run reports about the program itself, on the real kernel: its own peak memory (not the runner's, which
 * ru_maxrss of a child of Node would report: at exec Linux keeps the old address space's high-water mark), its exact
 * CPU time from wait4, and its stdin.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown, startExecutable } from '../../dist/engine/index.js';
import { compile, MiB, scratch, text, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;

beforeAll(async () => {
  s = scratch('measure');
  bin = await compile(s, ['programs/hello', 'programs/touch_mem', 'programs/cpu_burn', 'programs/echo_stdin']);
});

afterAll(async () => {
  await shutdown();
  s?.remove();
});

describe('peak memory', () => {
  it('a C hello world reports 0 < peakMemory < 5 MiB (its own, not the runner\'s tens of MiB)', async () => {
    const r = await runExecutable(bin.hello!);
    expect(r).toMatchObject({ status: 'OK', exitCode: 0 });
    expect(text(r.stdout)).toBe('hello, world\n');
    expect(r.peakMemory).toBeGreaterThan(0);
    expect(r.peakMemory).toBeLessThan(5 * MiB);
    expect(process.memoryUsage().rss).toBeGreaterThan(5 * MiB); // the runner is far bigger: no confusion possible
  });

  it('a program touching 100 MiB reports 100 MiB + its baseline, within 5%', async () => {
    const base = (await runExecutable(bin.touch_mem!, ['0'])).peakMemory;
    const r = await runExecutable(bin.touch_mem!, ['100']);
    expect(r.status, text(r.stdout)).toBe('OK');
    expect(text(r.stdout)).toMatch(/^touched 100 MiB/);
    expect(Math.abs(r.peakMemory - (100 * MiB + base))).toBeLessThanOrEqual(0.05 * 100 * MiB);
  });
});

describe('CPU time', () => {
  it('a 0.3 s CPU burner reports cpuTime 0.3 +- 0.05', async () => {
    const r = await runExecutable(bin.cpu_burn!, ['0.3']);
    expect(r.status).toBe('OK');
    expect(r.cpuTime).toBeGreaterThanOrEqual(0.3 - 0.05);
    expect(r.cpuTime).toBeLessThanOrEqual(0.3 + 0.05);
    expect(r.wallTime).toBeGreaterThanOrEqual(r.cpuTime - 0.01); // one thread cannot burn faster than the clock
  });
});

describe('stdin reaches the program', () => {
  it('input as a string', async () => {
    const r = await runExecutable(bin.echo_stdin!, [], { input: 'line one\nline two\n' });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toBe('line one\nline two\n');
    expect(text(r.stderr)).toBe('read 18 bytes\n');
  });

  it('input as bytes: every byte value, NUL included, 1 MiB in all (more than a pipe buffer)', async () => {
    const input = new Uint8Array(MiB);
    for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 8)) & 0xff;
    const r = await runExecutable(bin.echo_stdin!, [], { input });
    expect(r.status).toBe('OK');
    expect(Buffer.compare(r.stdout, Buffer.from(input))).toBe(0);
  });

  it('no input: stdin is at EOF at once', async () => {
    const r = await runExecutable(bin.echo_stdin!, [], { timeout: 5 });
    expect(r).toMatchObject({ status: 'OK', timedOut: false });
    expect(r.stdout.length).toBe(0);
  });

  it('stdinFile: the runner opens the file and the program reads it', async () => {
    const file = s.file('input.txt', 'from a file\n', 0o600); // 0600: only the runner can open it, by design
    const r = await runExecutable(bin.echo_stdin!, [], { stdinFile: file });
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toBe('from a file\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('startExecutable: .stdin streams to the running program; ending it sends EOF', async () => {
    const p = startExecutable(bin.echo_stdin!, [], { timeout: 10 });
    expect(p.stdin).not.toBeNull();
    await p.spawned;
    p.stdin!.write('first ');
    await new Promise((r) => setTimeout(r, 50));
    p.stdin!.write(Buffer.from('second\n'));
    p.stdin!.end();
    const r = await p.communicate();
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toBe('first second\n');
  });

  it('startExecutable: communicate({ input }) writes and closes stdin', async () => {
    const p = startExecutable(bin.echo_stdin!);
    const r = await p.communicate({ input: 'via communicate\n' });
    expect(text(r.stdout)).toBe('via communicate\n');
  });
});
