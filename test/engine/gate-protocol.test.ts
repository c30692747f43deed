/**
 * The gate binary on its own (dist/gate/gate, spawned here straight from Node, outside any sandbox): every way its
 * runner can fail to give the word ends it with 125 before the program runs. The program is /bin/touch MARKER, so
 * "it never ran" is a file that does not exist. The positive control is every other engine test: each run goes
 * through this gate with the word and the layer.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch, type Scratch } from './helpers.js';

const GATE = fileURLToPath(new URL('../../dist/gate/gate', import.meta.url));
/** This process's hard limits (without CAP_SYS_RESOURCE a limit can only be lowered), as the gate's argv says them. */
function hard(name: string): string {
  const v = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(fs.readFileSync('/proc/self/limits', 'utf8'))![1]!;
  return v === 'unlimited' ? 'u' : v;
}
// The six limits, SIGPIPE's disposition (d: default) and the program filter's listener (-: none).
const LIMITS = ['10', hard('Max data size'), hard('Max stack size'), hard('Max file size'), '64', hard('Max processes'), 'd', '-'];

let s: Scratch;
beforeAll(() => { s = scratch('gate-protocol'); });
afterAll(() => s?.remove());

interface Gate { lines: () => string[]; sock: Duplex; exited: Promise<number | null>; nextLine: () => Promise<string> }

/** The gate with fd 3 a unix stream socket (libuv's socketpair) that the test speaks on as the runner would. */
function startGate(argv: string[]): Gate {
  const child = spawn(GATE, argv, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const sock = child.stdio[3] as Duplex;
  let buf = '';
  const waiters: Array<() => void> = [];
  sock.on('data', (d: Buffer) => {
    buf += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  sock.on('error', () => undefined);
  // 'close': the exit status and every byte the gate wrote on fd 3.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = () => buf.split('\n').filter(Boolean);
  const nextLine = async () => {
    while (!buf.includes('\n')) await new Promise<void>((r) => waiters.push(r));
    return buf.slice(0, buf.indexOf('\n'));
  };
  return { lines, sock, exited, nextLine };
}

describe('the gate without its runner\'s word: exit 125, the program never runs', () => {
  it('the word without the own-/proc layer (no SCM_RIGHTS fd) is refused: "f recvmsg EPROTO"', async () => {
    const marker = path.join(s.root, 'no-layer');
    const g = startGate(['2', ...LIMITS, '--', '/bin/touch', marker]);
    expect(await g.nextLine()).toMatch(/^p \d+$/);
    g.sock.write('g');
    expect(await g.exited).toBe(125);
    expect(g.lines()[1]).toBe('f recvmsg 71');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('the runner gone before its word (fd 3 closed): the child ends, the gate exits 125', async () => {
    const marker = path.join(s.root, 'no-word');
    const g = startGate(['2', ...LIMITS, '--', '/bin/touch', marker]);
    expect(await g.nextLine()).toMatch(/^p \d+$/);
    g.sock.destroy();
    expect(await g.exited).toBe(125);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a wrong byte as the word is refused', async () => {
    const marker = path.join(s.root, 'wrong-word');
    const g = startGate(['2', ...LIMITS, '--', '/bin/touch', marker]);
    expect(await g.nextLine()).toMatch(/^p \d+$/);
    g.sock.write('x');
    expect(await g.exited).toBe(125);
    expect(fs.existsSync(marker)).toBe(false);
  });

  const badArgv: Array<[string, string[]]> = [
    ['another protocol version', ['1', ...LIMITS, '--', '/bin/true']],
    ['a limit that is not a number', ['2', '10x', ...LIMITS.slice(1), '--', '/bin/true']],
    ['a limit past 64 bits', ['2', '99999999999999999999', ...LIMITS.slice(1), '--', '/bin/true']],
    ['a SIGPIPE word that is neither d nor i', ['2', ...LIMITS.slice(0, 6), 'x', '-', '--', '/bin/true']],
    ['a listener word that is neither l nor -', ['2', ...LIMITS.slice(0, 7), 'x', '--', '/bin/true']],
    ['no "--" before the program', ['2', ...LIMITS, '/bin/true', 'x']],
    ['no program', ['2', ...LIMITS, '--']],
  ];
  for (const [what, argv] of badArgv) {
    it(`argv with ${what}: "f argv ERRNO" before any limit or process`, async () => {
      const g = startGate(argv);
      expect(await g.exited).toBe(125);
      expect(g.lines()).toHaveLength(1);
      expect(g.lines()[0]).toMatch(/^f argv (22|34)$/);
    });
  }
});
