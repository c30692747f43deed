/**
 * Helpers of the judge tests: the fixture programs and checkers (fixtures/judge/**.c, compiled with gcc at test
 * time), temporary test directories, and a small strict XML reader to parse the JUnit report back.
 *
 * Root runners run programs and checkers as uid 65534: the compiled binaries and every directory made here are
 * 0755 and files 0644, so only the sandbox, never plain file permissions, decides what they may read.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = path.join(ROOT, 'fixtures', 'judge');
export const isRoot = process.geteuid?.() === 0;

if (!fs.existsSync(path.join(ROOT, 'dist', 'judge', 'index.js'))) {
  throw new Error('dist/judge/index.js is missing: build first (npx tsc -p tsconfig.json)');
}

const run = promisify(execFile);

/** A fresh 0755 temporary directory. */
export function tempDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `scs-judge-test-${prefix}-`)));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes files (relative path -> content) under `dir`, creating 0755 directories and 0644 files. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    for (let d = path.dirname(p); d !== dir && d.startsWith(dir); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    fs.writeFileSync(p, content);
    fs.chmodSync(p, 0o644);
  }
  return dir;
}

/** Compiled fixtures by their path under fixtures/judge without `.c`: `sum/ac`, `checkers/crash`, ... */
export interface Bins {
  readonly dir: string;
  get(name: string): string;
}

function sources(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(dir, r));
    else if (e.name.endsWith('.c')) out.push(r);
  }
  return out;
}

/** Compiles every fixtures/judge/**.c in parallel into a 0755 temporary directory. */
export async function buildBins(): Promise<Bins> {
  const dir = tempDir('bin');
  const built = new Map<string, string>();
  await Promise.all(sources(FIXTURES).map(async (rel) => {
    const name = rel.slice(0, -2);
    const exe = path.join(dir, name.replace(/\//g, '-'));
    await run('gcc', ['-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O2', '-o', exe, path.join(FIXTURES, rel), '-lm']);
    fs.chmodSync(exe, 0o755);
    built.set(name, exe);
  }));
  return {
    dir,
    get(name) {
      const p = built.get(name);
      if (!p) throw new Error(`no fixture fixtures/judge/${name}.c`);
      return p;
    },
  };
}

/** A fixture test directory, e.g. fixture('sum/tests'). */
export function fixture(rel: string): string {
  return path.join(FIXTURES, rel);
}

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict reader for the XML this project writes: one root element, attributes in double quotes, text, the five
 * predefined entities and character references. It throws on anything malformed, on characters XML 1.0 does not
 * allow (control characters but tab, newline, CR), on a raw `<` or `&`, and on mismatched tags.
 */
export function parseXml(xml: string): XmlElement {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16)} not allowed in XML at ${bad.index}`);
  let i = 0;
  const fail = (why: string): never => { throw new Error(`${why} at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`); };
  const decode = (s: string): string => {
    if (/[<]/.test(s)) fail('raw < in text or attribute');
    return s.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
      if (ent === undefined) return fail('raw &');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ent in named) return named[ent]!;
      const num = /^#(\d+)$/.exec(ent) ?? /^#x([0-9a-fA-F]+)$/.exec(ent);
      if (!num) return fail(`unknown entity ${m}`);
      return String.fromCodePoint(parseInt(num[1]!, ent.startsWith('#x') ? 16 : 10));
    });
  };
  const skipSpace = () => { while (/\s/.test(xml[i] ?? '')) i++; };
  if (xml.startsWith('<?xml')) {
    i = xml.indexOf('?>');
    if (i < 0) fail('unterminated prolog');
    i += 2;
  }
  const element = (): XmlElement => {
    skipSpace();
    if (xml[i] !== '<') fail('expected <');
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i))?.[0] ?? fail('expected an element name');
    i += name.length;
    const el: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) { i += 2; return el; }
      if (xml[i] === '>') { i++; break; }
      const m = /^([A-Za-z_][\w.-]*)="([^"]*)"/.exec(xml.slice(i)) ?? fail('expected an attribute');
      if (m[1]! in el.attributes) fail(`attribute ${m[1]} twice`);
      el.attributes[m[1]!] = decode(m[2]!);
      i += m[0].length;
    }
    for (;;) {
      const lt = xml.indexOf('<', i);
      if (lt < 0) fail(`unterminated <${name}>`);
      el.text += decode(xml.slice(i, lt));
      i = lt;
      if (xml.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!xml.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;
}

/** The children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
