/**
 * The language table as data (src/lang/table.ts) and the lookups over it (src/lang/resolve.ts): every entry is
 * well-formed, names and extensions are unambiguous, the Java class is found where javac wants it, and bad names,
 * extensions and entries are refused with a message that says what to do.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkLanguageDef, findLanguage, javaMainClass, languageForExtension, languageOf, LANGUAGES, SourceError,
  toolchainOf, ToolchainMissingError, findToolchain,
} from '../../dist/lang/index.js';
import { removeDir, tempDir } from '../judge/helpers.js';

const WORDS = new Set(['src', 'class', 'dir', 'build', 'memory']);

describe('every entry', () => {
  it('has a unique name, aliases and extensions, and only known {words}', () => {
    const names = LANGUAGES.flatMap((l) => [l.name, ...l.aliases]);
    expect(new Set(names).size).toBe(names.length);
    const exts = LANGUAGES.flatMap((l) => l.extensions);
    expect(new Set(exts).size).toBe(exts.length);
    for (const l of LANGUAGES) {
      expect(checkLanguageDef(l)).toBe(l);
      const all = [l.source, ...l.compile, ...l.run, ...Object.values(l.compileEnv ?? {}), ...Object.values(l.runEnv ?? {})];
      for (const w of all.flatMap((a) => [...a.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))) expect(WORDS.has(w), `${l.name}: {${w}}`).toBe(true);
      for (const e of l.extensions) expect(e).toMatch(/^\.[a-z+]+$/);
      expect(l.notes.length, `${l.name} says why`).toBeGreaterThan(10);
    }
  });
});

describe('finding a language', () => {
  it('by name or alias, in any case', () => {
    expect(findLanguage('CPP').name).toBe('cpp');
    expect(findLanguage('c++').name).toBe('cpp');
    expect(findLanguage('pypy').name).toBe('pypy3');
    expect(findLanguage('js').name).toBe('javascript');
  });

  it('an unknown name is an error listing the known ones', () => {
    expect(() => findLanguage('cobol')).toThrow(SourceError);
    expect(() => findLanguage('cobol')).toThrow(/unknown language "cobol" \(expected one of c, cpp, rust/);
  });

  it('by extension: .py is python3, .cc is cpp; none for .txt', () => {
    expect(languageForExtension('a/sol.py')?.name).toBe('python3');
    expect(languageForExtension('SOL.CC')?.name).toBe('cpp');
    expect(languageForExtension('Main.java')?.name).toBe('java');
    expect(languageForExtension('notes.txt')).toBeUndefined();
    expect(languageForExtension('Makefile')).toBeUndefined();
  });

  describe('languageOf: a source, a program, or an error', () => {
    let dir: string;
    beforeAll(() => {
      dir = tempDir('langof');
      fs.writeFileSync(path.join(dir, 'sol.xyz'), 'text', { mode: 0o644 });
      fs.writeFileSync(path.join(dir, 'prog.bin'), '#!/bin/sh\n', { mode: 0o755 });
    });
    afterAll(() => removeDir(dir));

    it('--lang wins over the extension', () => {
      expect(languageOf(path.join(dir, 'sol.py'), 'pypy3')?.name).toBe('pypy3');
      expect(languageOf(path.join(dir, 'sol.xyz'), 'c')?.name).toBe('c');
    });
    it('an executable with an unknown extension, a name without one, or a missing file: run as they are', () => {
      expect(languageOf(path.join(dir, 'prog.bin'))).toBeNull();
      expect(languageOf('/bin/true')).toBeNull();
      expect(languageOf(path.join(dir, 'missing.xyz'))).toBeNull();
    });
    it('a file with an unknown extension that is not executable: give --lang', () => {
      expect(() => languageOf(path.join(dir, 'sol.xyz'))).toThrow(/cannot tell the language of .*sol\.xyz from its extension \.xyz and it is not executable: give --lang NAME/);
    });
  });
});

describe('the Java class to run', () => {
  it('is the public class, whatever the file is called', () => {
    expect(javaMainClass('import java.util.*;\npublic final class Solution { public static void main(String[] a) {} }', 'x.java')).toBe('Solution');
  });
  it('is not taken from comments or strings', () => {
    const src = '// public class Fake {}\n/* public class Other {} */\nclass Main { static String s = "public class Str {}";\n'
      + '  public static void main(String[] a) {} }\n';
    expect(javaMainClass(src, 'x.java')).toBe('Main');
  });
  it('without a public class, is the class that declares main', () => {
    expect(javaMainClass('class Helper { }\nclass Runner { public static void main(String[] args) { } }\n', 'x.java')).toBe('Runner');
  });
  it('a file with no class to run is an error with an example of one', () => {
    expect(() => javaMainClass('interface X {}\n', 'Empty.java')).toThrow(/no class to run in Empty\.java: it needs a class with `public static void main/);
  });
});

describe('toolchains', () => {
  it('a missing one names the Debian package to install', () => {
    const fake = { ...findLanguage('c'), name: 'fake', compiler: { names: ['no-such-compiler-here'], package: 'fake-pkg', version: [] } };
    expect(toolchainOf(fake)).toBeNull();
    expect(() => findToolchain(fake)).toThrow(ToolchainMissingError);
    expect(() => findToolchain(fake)).toThrow(/no-such-compiler-here not found in \/usr\/local\/bin, \/usr\/bin or \/bin \(install the Debian package fake-pkg: apt-get install fake-pkg\)/);
  });

  it('are found in the sandbox\'s PATH, not the runner\'s', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(toolchainOf(findLanguage('c'))?.compiler.path).toMatch(/^\/(usr\/(local\/)?)?bin\/gcc$/);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('a caller\'s own entry', () => {
  it('is refused when it is not shaped like the table\'s (a tool with a slash, a bad artefact name)', () => {
    const c = findLanguage('c');
    expect(() => checkLanguageDef({ ...c, compiler: { ...c.compiler, names: ['/tmp/evil'] } })).toThrow(/invalid language/);
    expect(() => checkLanguageDef({ ...c, artefacts: ['../x'] })).toThrow(/invalid language/);
    expect(() => checkLanguageDef({ ...c, processes: 0 })).toThrow(/invalid language/);
    expect(() => checkLanguageDef(null)).toThrow(/invalid language/);
  });
});
