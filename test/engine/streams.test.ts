/**
 * Caller-supplied stdin, stdout and stderr (RunOptions.stdin/stdout/stderr), on the real kernel: a file descriptor
 * becomes the program's own, a stream is fed or filled by the runner (with outputLimit), and two sandboxed programs
 * joined by pipes talk to each other (what an interactive problem needs).
 */
import * as fs from 'node:fs';
import { Socket } from 'node:net';
import * as path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, runExecutable, shutdown, startExecutable } from '../../dist/engine/index.js';
import { pipe } from '../../dist/native/fd.js';
import { close } from '../../dist/native/libc.js';
import { scratch, text, type Scratch } from './helpers.js';

let s: Scratch;

beforeAll(() => { s = scratch('streams'); });
afterAll(async () => {
  await shutdown();
  s?.remove();
});

/** Everything that arrives on `fd` until EOF (the socket owns and closes the fd). */
function readAll(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = new Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    sock.on('error', reject);
  });
}

describe('stdin from the caller', () => {
  it('a file descriptor becomes the program\'s stdin; the caller\'s fd stays open', async () => {
    const file = s.file('in.txt', 'from a caller fd\n', 0o644);
    const fd = fs.openSync(file, 'r');
    try {
      const r = await runExecutable('/bin/cat', [], { stdin: fd });
      expect(r).toMatchObject({ status: 'OK', exitCode: 0 });
      expect(text(r.stdout)).toBe('from a caller fd\n');
      expect(() => fs.fstatSync(fd)).not.toThrow();
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a Readable stream is piped in, EOF when it ends; the process has no stdin pipe of its own', async () => {
    const p = startExecutable('/bin/cat', [], { stdin: Readable.from(['hello ', 'from ', 'a stream\n']) });
    expect(p.stdin).toBeNull();
    await expect(p.communicate({ input: 'more' })).rejects.toThrow(InvalidOptionError);
    const r = await p.communicate();
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toBe('hello from a stream\n');
  });

  it('a stream that fails is EOF to the program', async () => {
    const src = new PassThrough();
    const p = startExecutable('/bin/cat', [], { stdin: src });
    src.write('before the error\n');
    await p.spawned;
    src.destroy(new Error('the source broke'));
    const r = await p.communicate();
    expect(r.status).toBe('OK');
    expect(text(r.stdout)).toBe('before the error\n');
  });

  it('refuses a fd that is not open, and stdin together with input or stdinFile', async () => {
    await expect(runExecutable('/bin/cat', [], { stdin: 987_654 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'stdin' });
    expect(() => startExecutable('/bin/cat', [], { stdin: -1 })).toThrow(/invalid option stdin: -1/);
    expect(() => startExecutable('/bin/cat', [], { stdin: {} as Readable })).toThrow(InvalidOptionError);
    expect(() => startExecutable('/bin/cat', [], { stdin: 0, input: 'x' })).toThrow(/one of stdin, input and stdinFile/);
  });
});

describe('stdout and stderr to the caller', () => {
  it('a file descriptor: the program writes to it directly; the result keeps nothing', async () => {
    const [r, w] = pipe();
    const got = readAll(r);
    let res;
    try {
      res = await runExecutable('/bin/sh', ['-c', 'echo to-the-pipe; echo to-stderr >&2'], { stdout: w });
    } finally {
      close(w);
    }
    expect(res).toMatchObject({ status: 'OK', stdoutTruncated: false });
    expect(res.stdout.length).toBe(0);
    expect(text(res.stderr)).toBe('to-stderr\n');
    expect(await got).toBe('to-the-pipe\n');
  });

  it('a Writable stream gets the output as it is read, up to outputLimit: one byte more is OLE', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } });
    const res = await runExecutable('/usr/bin/head', ['-c', '5000', '/dev/zero'], { stdout: sink, outputLimit: 1000 });
    expect(res).toMatchObject({ status: 'OLE', limit: 'output', stdoutTruncated: true });
    expect(res.stdout.length).toBe(0);
    expect(Buffer.concat(chunks).length).toBe(1000);
  });

  it('stderr to a Writable, stdout still captured', async () => {
    const err = new PassThrough();
    const seen: Buffer[] = [];
    err.on('data', (c: Buffer) => seen.push(c));
    const res = await runExecutable('/bin/sh', ['-c', 'echo out; echo err >&2'], { stderr: err });
    expect(text(res.stdout)).toBe('out\n');
    expect(res.stderr.length).toBe(0);
    expect(Buffer.concat(seen).toString()).toBe('err\n');
  });
});

describe('two sandboxed programs joined by pipes', () => {
  it('each reads what the other writes, and each is measured on its own', async () => {
    const [toB, fromA] = pipe(); // A's stdout -> B's stdin
    const [toA, fromB] = pipe(); // B's stdout -> A's stdin
    const script = path.join(s.root, 'ask.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho ping\nread answer\necho "A got $answer" >&2\n', { mode: 0o755 });
    const a = startExecutable(script, [], { stdin: toA, stdout: fromA });
    const b = startExecutable('/bin/sh', ['-c', 'read q; echo "pong to $q"'], { stdin: toB, stdout: fromB });
    await Promise.all([a.spawned, b.spawned]);
    for (const fd of [toB, fromA, toA, fromB]) close(fd); // the programs hold their own copies now
    const [ra, rb] = await Promise.all([a.communicate(), b.communicate()]);
    expect(ra).toMatchObject({ status: 'OK', exitCode: 0 });
    expect(rb).toMatchObject({ status: 'OK', exitCode: 0 });
    expect(text(ra.stderr)).toBe('A got pong to ping\n');
    expect(a.pid).not.toBe(b.pid);
  });
});
