/**
 * Sources on the CLI: `judge` with a source (options before or after it, the program's own arguments after `--`),
 * one run of a source, `languages`, CE on stderr, in --json and in JUnit, and every bad input with its one-line
 * message and exit 125, nothing compiled or run.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilerOutput } from '../../dist/cli/source.js';
import { compileLines } from '../../dist/judge/format.js';
import { LANGUAGES, toolchainOf, type CompileReport, type LanguageInfo } from '../../dist/lang/index.js';
import { cli, type CliRun } from '../cli/helpers.js';
import { removeDir, tempDir, writeTree } from '../judge/helpers.js';

let root: string;
let tests: string;
let src: string;
const required = process.env.SANDBOX_TEST_REQUIRE_RUNTIMES === '1';

const out = (r: CliRun) => r.stdout.toString('utf8');
const err = (r: CliRun) => r.stderr.toString('utf8');

beforeAll(() => {
  root = tempDir('lang-cli');
  tests = writeTree(path.join(root, 'tests'), { '1.in': '1 2\n', '1.out': '3\n', '2.in': '40 2\n', '2.out': '42\n' });
  src = writeTree(path.join(root, 'src'), {
    'sum.py': 'a, b = map(int, input().split())\nprint(a + b)\n',
    'argv.py': 'import sys\ninput()\nprint(" ".join(sys.argv[1:]))\n',
    'bad.py': 'print(1\n',
    'colour.c': '#error "\x1b[31mred\x1b[0m"\n',
    'sum.xyz': 'a, b = map(int, input().split())\nprint(a + b)\n',
    'NoClass.java': 'interface Nothing {}\n',
  });
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(root, 'cache');
});
afterAll(() => removeDir(root));

describe('judge with a source', () => {
  it('options may follow the source: the compile line, then the table', async () => {
    const r = await cli(['judge', path.join(src, 'sum.py'), '--tests', tests, '--timeout', '5']);
    expect(err(r)).toBe('');
    expect(r.code).toBe(0);
    const lines = out(r).split('\n');
    expect(lines[0]).toMatch(/^compile: python3 OK (in \d+\.\d{3} s|\(cached\))$/);
    expect(lines[1]).toMatch(/^test\s+verdict/);
    expect(out(r)).toMatch(/verdict: AC, all 2 tests passed/);
  });

  it('the program\'s own arguments come after --, even those that look like options', async () => {
    const answers = writeTree(path.join(root, 'argv-tests'), { '1.in': 'x\n', '1.out': '--flag value\n' });
    const r = await cli(['judge', '--tests', answers, path.join(src, 'argv.py'), '--', '--flag', 'value']);
    expect([r.code, err(r)]).toEqual([0, '']);
  });

  it('an unknown option after the program says where the program\'s arguments go', async () => {
    const r = await cli(['judge', '--tests', tests, path.join(src, 'sum.py'), '--flag']);
    expect(r.code).toBe(125);
    expect(err(r)).toMatch(/unknown option '--flag'.*\(a judged program's own arguments go after `--`/);
    expect(out(r)).toBe('');
  });

  it('CE: the compiler\'s output first, no test run, exit 1; in --json the compile object', async () => {
    const r = await cli(['judge', '--tests', tests, path.join(src, 'bad.py')]);
    expect(r.code).toBe(1);
    expect(out(r)).toMatch(/^compile: python3 CE: the compiler exited with code 1\n/);
    expect(out(r)).toMatch(/SyntaxError/);
    expect(out(r)).toMatch(/verdict: CE \(the source did not compile\)\npassed 0 of 2 tests \(2 not run: compile error\)/);
    expect(out(r)).not.toMatch(/^test\s+verdict/m);
    const j = await cli(['judge', '--tests', tests, '--json', path.join(src, 'bad.py')]);
    const report = JSON.parse(out(j)) as { verdict: string; compile: CompileReport; tests: unknown[]; skipped: string[] };
    expect(j.code).toBe(1);
    expect(report.verdict).toBe('CE');
    expect(report.compile).toMatchObject({ language: 'python3', status: 'CE', exitCode: 1, cached: false });
    expect(report.compile.command.slice(1)).toEqual(['-m', 'py_compile', 'main.py']);
    expect(report.tests).toEqual([]);
    expect(report.skipped).toEqual(['1', '2']);
  });

  it('CE in JUnit: a failed testcase `compile` with the compiler\'s output, every test skipped', async () => {
    const xml = path.join(root, 'ce.xml');
    const r = await cli(['judge', '--tests', tests, '--junit', xml, path.join(src, 'bad.py')]);
    expect(r.code).toBe(1);
    const text = fs.readFileSync(xml, 'utf8');
    expect(text).toMatch(/<testsuite name="[^"]*" tests="3" failures="1"/);
    expect(text).toMatch(/<testcase name="compile"[^>]*>\s*<failure type="CE" message="CE: the compiler exited with code 1">[^<]*SyntaxError/);
    expect(text.match(/<skipped message="not run: the source did not compile"\/>/g)).toHaveLength(2);
  });

  it('--lang pypy3 runs a .py file with PyPy', async () => {
    const pypy = LANGUAGES.find((l) => l.name === 'pypy3')!;
    if (!toolchainOf(pypy) && !required) return;
    const r = await cli(['judge', '--tests', tests, '--lang', 'pypy3', '--json', path.join(src, 'sum.py')]);
    const report = JSON.parse(out(r)) as { verdict: string; compile: CompileReport };
    expect([report.verdict, report.compile.language]).toEqual(['AC', 'pypy3']);
  });
});

describe('one run of a source', () => {
  it('compiles, runs with the CLI\'s stdin, and passes the exit code through', async () => {
    const r = await cli([path.join(src, 'sum.py')], { input: '20 22\n' });
    expect([r.code, out(r), err(r)]).toEqual([0, '42\n', '']);
  });

  it('a CE: the compiler\'s output and a last line on stderr, exit 1; --json has status CE', async () => {
    const r = await cli([path.join(src, 'bad.py')]);
    expect(r.code).toBe(1);
    expect(out(r)).toBe('');
    expect(err(r)).toMatch(/SyntaxError[\s\S]*\nsimple-cp-sandbox: compile error \(python3\): the compiler exited with code 1\n$/);
    const j = await cli(['--json', path.join(src, 'bad.py')]);
    const res = JSON.parse(out(j)) as { status: string; compile: CompileReport; error: null };
    expect(j.code).toBe(1);
    expect(res.status).toBe('CE');
    expect(res.compile.status).toBe('CE');
  });

  it('--lang makes any file a source', async () => {
    const r = await cli(['--lang', 'python3', path.join(src, 'sum.xyz')], { input: '1 1\n' });
    expect([r.code, out(r)]).toEqual([0, '2\n']);
  });
});

describe('bad input: one line, exit 125, nothing compiled', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown extension without --lang', ['sum.xyz'], /cannot tell the language of .*sum\.xyz from its extension \.xyz and it is not executable: give --lang NAME/],
    ['an unknown --lang', ['--lang', 'cobol', 'sum.py'], /invalid value for --lang: "cobol" \(expected one of c, cpp, rust, go, java/],
    ['a source that cannot be read', ['missing.cpp'], /cannot read the source .*missing\.cpp \(ENOENT\)/],
    ['a Java file without a class to run', ['NoClass.java'], /no class to run in .*NoClass\.java: it needs a class with `public static void main\(String\[\] args\)`/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: judge and a run`, async () => {
      const full = args.map((a, i) => (i === args.length - 1 ? path.join(src, a) : a));
      for (const argv of [['judge', '--tests', tests, ...full], full]) {
        const r = await cli(argv);
        expect(r.code, err(r)).toBe(125);
        expect(err(r)).toMatch(message);
        expect(err(r).trim().split('\n')).toHaveLength(1);
        expect(out(r)).toBe('');
      }
    });
  }

  const missing = LANGUAGES.find((l) => toolchainOf(l) === null && l.extensions.length > 0);
  it.skipIf(missing === undefined)(`a language whose toolchain is missing (${missing?.name}) names the package`, async () => {
    const file = path.join(src, `sol${missing!.extensions[0]}`);
    fs.writeFileSync(file, 'x\n');
    const r = await cli(['judge', '--tests', tests, file]);
    expect(r.code).toBe(125);
    expect(err(r)).toMatch(new RegExp(`the ${missing!.name} toolchain is not installed: .* \\(install the Debian package ${missing!.compiler.package.replace(/[+]/g, '\\+')}`));
  });
});

describe('languages', () => {
  it('--json lists every entry of the table with what is installed here', async () => {
    const r = await cli(['languages', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(out(r)) as LanguageInfo[];
    expect(list.map((l) => l.name)).toEqual(LANGUAGES.map((l) => l.name));
    for (const l of list) {
      expect(l.installed).toBe(toolchainOf(LANGUAGES.find((x) => x.name === l.name)!) !== null);
      if (l.installed) expect(l.version, l.name).toMatch(/\d/);
      else expect(l.version).toBeNull();
      if (required && l.required) expect(l.installed, `${l.name} is installed by .ci/run`).toBe(true);
    }
  });

  it('the text lists each language with its commands', async () => {
    const r = await cli(['languages']);
    expect(r.code).toBe(0);
    expect(out(r)).toMatch(/^cpp\s+C\+\+20 \(g\+\+\); \.cpp \.cc \.cxx \.c\+\+/m);
    expect(out(r)).toMatch(/compile: \S*g\+\+ -std=c\+\+20 -O2/);
    expect(out(r)).toMatch(/\d+ of \d+ languages installed here/);
  });
});

describe('the compiler\'s output on a terminal', () => {
  const ce: CompileReport = {
    language: 'c', command: ['gcc'], status: 'CE', exitCode: 1, signal: null, cached: false, wallTime: 0, cpuTime: 0,
    peakMemory: 0, output: 'main.c:1:2: error: \x1b[31mred\x1b[0m\n', outputTruncated: false, message: 'the compiler exited with code 1',
  };
  it('has its control characters escaped (a run\'s stderr and the judge\'s table), and kept as they are elsewhere', () => {
    expect(compilerOutput(ce, true)).toContain('error: \\x1b[31mred\\x1b[0m');
    expect(compilerOutput(ce, false)).toContain('error: \x1b[31mred');
    expect(compileLines(ce).join('\n')).toContain('\\x1b[31mred');
    expect(compileLines(ce).join('\n')).not.toContain('\x1b');
  });
});
