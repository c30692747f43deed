/**
 * The compile sandbox (src/lang/compile.ts) and the compile cache, attacked: a C file that #includes the answers or
 * /etc/shadow, and a hostile "compiler" (a language entry of the test's own whose compiler is a Python script)
 * that tries to write outside its build directory, reach the network, read the tests and the cache, and hand
 * back a symlink or a hard link as its artefact. Each attack prints what it tried and has a control showing it
 * works outside the sandbox; the positive controls show the compiler can still write its build directory.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../dist/engine/index.js';
import { judge } from '../../dist/judge/index.js';
import { compileSource, type LanguageDef } from '../../dist/lang/index.js';
import { isRoot, removeDir, tempDir, writeTree } from '../judge/helpers.js';

let root: string;
let tests: string;
let cache: string;
let secret: string;
let outside: string;
let server: net.Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  root = tempDir('compile-sandbox');
  tests = writeTree(path.join(root, 'tests'), { '1.in': '1 2\n', '1.out': 'the answer 3\n' });
  cache = path.join(root, 'cache');
  secret = path.join(root, 'secret');
  fs.writeFileSync(secret, 'the runner\'s secret\n', { mode: 0o600 });
  outside = path.join(root, 'outside');
  fs.mkdirSync(outside, { mode: 0o777 });
  fs.chmodSync(outside, 0o777);
  server = net.createServer((s) => { connections++; s.end(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await shutdown();
  server?.close();
  removeDir(root);
});

/** What the hostile compiler tries, each in its own try; it prints a JSON object { attempt: 'done' | error }. */
const HOSTILE = `
import json, os, socket
t = json.load(open('main.txt'))
res = {}
def attempt(name, f):
    try:
        f()
        res[name] = 'done'
    except Exception as e:
        res[name] = type(e).__name__ + ' ' + str(getattr(e, 'errno', ''))
attempt('write outside the build directory', lambda: open(os.path.join(t['outside'], 'escape'), 'w').write('x'))
attempt('connect to 127.0.0.1', lambda: socket.create_connection(('127.0.0.1', t['port']), timeout=2).close())
attempt('read the answers', lambda: open(t['answer']).read())
attempt('list the compile cache', lambda: os.listdir(t['cache']))
attempt('write its build directory', lambda: open('own-file', 'w').write('x'))
if t.get('artefact') == 'symlink':
    os.remove('main.txt'); os.symlink(t['secret'], 'main.txt')
if t.get('artefact') == 'hardlink':
    os.remove('main.txt')
    try:
        os.link(t['secret'], 'main.txt')
        res['hard link'] = 'done'
    except Exception as e:
        res['hard link'] = type(e).__name__
        open('main.txt', 'w').write('no link')
print(json.dumps(res))
`;

function hostileLanguage(): LanguageDef {
  return {
    name: 'hostile', aliases: [], title: 'a hostile compiler', extensions: [], required: false, source: 'main.txt',
    compiler: { names: ['python3'], package: 'python3', version: ['--version'] }, compile: ['-c', HOSTILE],
    artefacts: ['main.txt'], runtime: { names: ['cat'], package: 'coreutils', version: ['--version'] }, run: ['{dir}/main.txt'],
    processes: 1, notes: '',
  };
}

function targets(extra: Record<string, string> = {}): string {
  return JSON.stringify({ outside, port, answer: path.join(tests, '1.out'), cache, secret, ...extra });
}

function writeSource(name: string, content: string): string {
  const dir = path.join(root, 'src', name);
  writeTree(dir, { 'main.txt': content });
  return path.join(dir, 'main.txt');
}

describe('a hostile compiler', () => {
  it('control: outside the sandbox, each attempt succeeds', () => {
    const dir = path.join(root, 'bare');
    fs.mkdirSync(dir);
    fs.mkdirSync(cache, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'main.txt'), targets());
    const before = connections;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', HOSTILE], { cwd: dir }).toString()) as Record<string, string>;
    console.log('bare:', out);
    for (const v of Object.values(out)) expect(v).toBe('done');
    expect(fs.existsSync(path.join(outside, 'escape'))).toBe(true);
    fs.rmSync(path.join(outside, 'escape'));
    return new Promise<void>((r) => setTimeout(r, 50)).then(() => expect(connections).toBe(before + 1));
  });

  it('sandboxed: writes only its build directory, reaches no network, reads neither the answers nor the cache', async () => {
    const before = connections;
    const r = await compileSource({
      source: writeSource('attack', targets()), language: hostileLanguage(), cache, readDenyPaths: [tests],
    });
    expect(r.ok, JSON.stringify(r.compile)).toBe(true);
    const out = JSON.parse(r.compile.output) as Record<string, string>;
    console.log('sandboxed:', out);
    expect(out['write its build directory']).toBe('done'); // positive control
    expect(out['write outside the build directory']).not.toBe('done');
    expect(out['connect to 127.0.0.1']).not.toBe('done');
    expect(out['read the answers']).not.toBe('done');
    expect(out['list the compile cache']).not.toBe('done');
    expect(fs.existsSync(path.join(outside, 'escape'))).toBe(false);
    expect(connections).toBe(before);
    if (r.ok) await r.program.dispose();
  });

  it('control: a plain copy of a symlink reads what it points to', () => {
    const link = path.join(root, 'link');
    fs.symlinkSync(secret, link);
    fs.copyFileSync(link, path.join(root, 'copied'));
    expect(fs.readFileSync(path.join(root, 'copied'), 'utf8')).toContain('secret');
  });

  it('a symlink left as the artefact is refused, not followed: CE', async () => {
    const r = await compileSource({
      source: writeSource('symlink', targets({ artefact: 'symlink' })), language: hostileLanguage(), cache: false,
    });
    expect(r.ok).toBe(false);
    expect(r.compile.message).toMatch(/refusing the artefact main.txt/);
  });

  it('a hard link to a file of the runner\'s is not made, or not taken as the artefact', async () => {
    const r = await compileSource({
      source: writeSource('hardlink', targets({ artefact: 'hardlink' })), language: hostileLanguage(), cache: false,
    });
    console.log('hard link attempt:', r.compile.output.trim());
    if (!r.ok) {
      expect(r.compile.message).toMatch(/refusing the artefact main.txt/);
      return;
    }
    expect(fs.readFileSync(path.join(r.program.dir, 'main.txt'), 'utf8')).not.toContain('secret');
    await r.program.dispose();
  });
});

describe('a C source that includes files', () => {
  const include = (file: string) => `#include "${file}"\nint main(void) { return 0; }\n`;

  it('control: outside the sandbox, gcc includes the answer file', () => {
    const src = writeSource('inc-bare', '');
    const out = execFileSync('/usr/bin/gcc', ['-E', '-x', 'c', '-'], { input: include(path.join(tests, '1.out')), cwd: path.dirname(src) }).toString();
    expect(out).toContain('the answer 3');
  });

  it('judged, #include of the answers is CE: the compiler cannot read them', async () => {
    const dir = path.join(root, 'inc');
    writeTree(dir, { 'sol.c': include(path.join(tests, '1.out')) });
    const r = await judge({ source: path.join(dir, 'sol.c'), tests, cache: false });
    console.log('compile output:', r.compile?.output.trim());
    expect(r.verdict).toBe('CE');
    expect(r.compile!.output).toMatch(/Permission denied/);
    expect(r.compile!.output).not.toContain('the answer 3');
  });

  it.skipIf(!isRoot)('#include "/etc/shadow" fails as it would for the sandbox user (root can read it bare)', async () => {
    const bare = execFileSync('/usr/bin/gcc', ['-E', '-x', 'c', '-'], { input: include('/etc/shadow') }).toString();
    expect(bare).toContain('root:'); // control
    const dir = path.join(root, 'shadow');
    writeTree(dir, { 'sol.c': include('/etc/shadow') });
    const r = await judge({ source: path.join(dir, 'sol.c'), tests, cache: false });
    expect(r.verdict).toBe('CE');
    expect(r.compile!.output).toMatch(/\/etc\/shadow: Permission denied/);
  });
});

describe('the compile cache', () => {
  const sum = 'a, b = map(int, input().split())\nprint("the answer", a + b)\n';

  it('a second judge of the same source reuses the artefact; cache: false compiles again and stores nothing', async () => {
    const dir = path.join(root, 'cached');
    writeTree(dir, { 'sol.py': sum });
    const own = path.join(root, 'cache-own');
    const first = await judge({ source: path.join(dir, 'sol.py'), tests, cache: own });
    const second = await judge({ source: path.join(dir, 'sol.py'), tests, cache: own });
    expect([first.verdict, first.compile!.cached]).toEqual(['AC', false]);
    expect([second.verdict, second.compile!.cached]).toEqual(['AC', true]);
    expect(fs.statSync(own).mode & 0o777).toBe(0o700);
    const entries = fs.readdirSync(path.join(own, 'compile'));
    expect(entries).toHaveLength(1);
    const none = await judge({ source: path.join(dir, 'sol.py'), tests, cache: false });
    expect([none.verdict, none.compile!.cached]).toEqual(['AC', false]);
    expect(fs.readdirSync(path.join(own, 'compile'))).toEqual(entries);
    // Another source is another entry.
    writeTree(dir, { 'other.py': `${sum}\n` });
    const other = await judge({ source: path.join(dir, 'other.py'), tests, cache: own });
    expect(other.compile!.cached).toBe(false);
    expect(fs.readdirSync(path.join(own, 'compile'))).toHaveLength(2);
  });

  it('a compile under other denied directories (another problem\'s tests) is not reused', async () => {
    const dir = path.join(root, 'keyed');
    writeTree(dir, { 'sol.py': sum });
    const own = path.join(root, 'cache-keyed');
    const otherTests = writeTree(path.join(root, 'other-tests'), { '1.in': '1 2\n', '1.out': 'the answer 3\n' });
    const a = await judge({ source: path.join(dir, 'sol.py'), tests, cache: own });
    const b = await judge({ source: path.join(dir, 'sol.py'), tests: otherTests, cache: own });
    expect([a.compile!.cached, b.compile!.cached]).toEqual([false, false]);
  });

  it('a cache directory others may write is refused', async () => {
    const open = path.join(root, 'cache-open');
    fs.mkdirSync(open, { mode: 0o777 });
    fs.chmodSync(open, 0o777);
    const dir = path.join(root, 'open');
    writeTree(dir, { 'sol.py': sum });
    await expect(judge({ source: path.join(dir, 'sol.py'), tests, cache: open })).rejects.toThrow(/refusing the compile cache/);
  });

  it('the judged program cannot read the cache (control: the runner can)', async () => {
    const own = path.join(root, 'cache-probe');
    const dir = path.join(root, 'probe');
    const probe = `import os\ntry:\n    os.listdir(${JSON.stringify(own)}); print('listed')\nexcept OSError as e:\n    print('denied', e.errno)\n`;
    writeTree(dir, { 'sol.py': probe });
    const probeTests = writeTree(path.join(root, 'probe-tests'), { '1.in': '', '1.out': 'denied 13\n' });
    const r = await judge({ source: path.join(dir, 'sol.py'), tests: probeTests, cache: own });
    expect(fs.readdirSync(own)).toContain('compile'); // control: there is something to list
    expect(r.tests[0]!.message).toBe('');
    expect(r.verdict).toBe('AC');
  });

  it('aborting a judge while it compiles kills the compiler at once', async () => {
    const dir = path.join(root, 'slow');
    // bits/stdc++.h and 900 nested template instantiations: about 2 s of g++ here, far beyond the abort.
    writeTree(dir, { 'sol.cpp': '#include <bits/stdc++.h>\ntemplate<int N> struct F { static constexpr long v = F<N-1>::v + N; };\n'
      + 'template<> struct F<0> { static constexpr long v = 0; };\nint main() { std::cout << F<900>::v << std::endl; }\n' });
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(new Error('stop')), 300);
    await expect(judge({ source: path.join(dir, 'sol.cpp'), tests, cache: false, signal: ac.signal })).rejects.toThrow('stop');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a program may not be given write access to the judge\'s temporary directory (--allow-write /tmp)', async () => {
    await expect(judge({ program: '/bin/true', tests, limits: { config: { writeAllowPaths: ['/tmp'] } } }))
      .rejects.toThrow(/the program may not write \/tmp: it holds the judge's temporary files/);
  });

  it('a checker cannot list the compile cache either (control: the runner can)', async () => {
    const own = path.join(root, 'cache-jury');
    fs.mkdirSync(path.join(own, 'compile'), { recursive: true, mode: 0o700 });
    fs.chmodSync(own, 0o700);
    expect(fs.readdirSync(own)).toEqual(['compile']); // control
    const checker = path.join(root, 'list-cache-checker');
    // A glob lists the directory without a fork (the checker has one process): unlistable, it stays unexpanded.
    fs.writeFileSync(checker, `#!/bin/sh\nfor f in ${own}/*; do [ -e "$f" ] && { echo listed >&2; exit 1; }; done\necho denied >&2\nexit 0\n`, { mode: 0o755 });
    fs.chmodSync(checker, 0o755);
    const r = await judge({ program: '/bin/true', tests, checker, cache: own });
    expect([r.verdict, r.tests[0]!.message]).toEqual(['AC', 'denied']);
  });

  it('a program may not be given write access to the cache', async () => {
    const own = path.join(root, 'cache-writable');
    fs.mkdirSync(own, { mode: 0o700 });
    const dir = path.join(root, 'w');
    writeTree(dir, { 'sol.py': sum });
    await expect(judge({ source: path.join(dir, 'sol.py'), tests, cache: own, limits: { config: { writeAllowPaths: [root] } } }))
      .rejects.toThrow(/holds the compile cache/);
  });
});
