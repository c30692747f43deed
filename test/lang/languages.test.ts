/**
 * Every language of the table, judged from source on Debian's toolchains: for each, the six a + b submissions of
 * fixtures/lang/sources.mjs (AC, WA, TLE, MLE, RE, CE) under contest limits (256 MiB, 1 s for the TLE one),
 * through the library's judge() and then through the CLI's `judge --json`, which reuses the library's compile from
 * the cache. Required languages are a failure when missing under .ci/run (SANDBOX_TEST_REQUIRE_RUNTIMES=1), a skip
 * elsewhere; the others are tested where installed.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, type JudgeReport } from '../../dist/judge/index.js';
import { LANGUAGES, findToolchain } from '../../dist/lang/index.js';
import { shutdown } from '../../dist/engine/index.js';
import { KINDS, SOURCES, TESTS, type Kind, type Sources } from '../../fixtures/lang/sources.mjs';
import { cli } from '../cli/helpers.js';
import { removeDir, tempDir, writeTree } from '../judge/helpers.js';

const MiB = 1024 * 1024;
const required = process.env.SANDBOX_TEST_REQUIRE_RUNTIMES === '1';
let root: string;
let tests: string;
let cache: string;

beforeAll(() => {
  root = tempDir('lang');
  tests = writeTree(path.join(root, 'tests'), TESTS);
  fs.chmodSync(tests, 0o755);
  cache = path.join(root, 'cache');
  // The CLI (a child process) takes the cache from here: the same as the library's, never the user's own.
  process.env.SIMPLE_CP_SANDBOX_CACHE = cache;
});
afterAll(async () => {
  await shutdown();
  removeDir(root);
});

function installed(name: string): boolean {
  try {
    findToolchain(LANGUAGES.find((l) => l.name === name)!);
    return true;
  } catch {
    return false;
  }
}

/** The contest limits of a test of `kind`: 256 MiB; 1 s for the endless loop, else room for a JVM's start. */
function limits(kind: Kind): { memory: number; timeout: number } {
  return { memory: 256 * MiB, timeout: kind === 'TLE' ? 1 : 10 };
}

function expectVerdict(r: JudgeReport, kind: Kind, what: string): void {
  const detail = `${what}: ${JSON.stringify({ verdict: r.verdict, compile: r.compile && { ...r.compile, output: r.compile.output.slice(0, 500) }, tests: r.tests.map((t) => [t.verdict, t.message]) })}`;
  expect(r.verdict, detail).toBe(kind);
  expect(r.compile, detail).not.toBeNull();
  if (kind === 'CE') {
    expect(r.compile!.status).toBe('CE');
    expect(r.compile!.output, 'the compiler says why').not.toBe('');
    expect(r.tests).toEqual([]);
    expect(r.skipped).toEqual(['1', '2']);
    return;
  }
  expect(r.compile!.status).toBe('OK');
  expect(r.tests.length, detail).toBeGreaterThan(0);
  // The first test fails the same way as the second (every test is judged: no stop on the first failure).
  for (const t of r.tests) expect(t.verdict, detail).toBe(kind);
}

for (const lang of LANGUAGES) {
  const src = SOURCES.find((s) => s.name === lang.name);
  const here = installed(lang.name);
  const skip = src === undefined || (!here && !(lang.required && required));
  describe.skipIf(skip)(`${lang.name} (${lang.title}) from source`, () => {
    const files = {} as Record<Kind, string>;
    beforeAll(() => {
      if (!here) throw new Error(`${lang.name}: toolchain missing (.ci/run installs it)`);
      for (const k of KINDS) {
        const dir = path.join(root, lang.name, k);
        writeTree(dir, { [src!.file]: (src as Sources)[k] });
        files[k] = path.join(dir, src!.file);
      }
    });

    const lib = new Map<Kind, JudgeReport>();
    for (const kind of KINDS) {
      it(`${kind} through judge()`, async () => {
        const r = await judge({
          source: files[kind], ...(src!.lang ? { language: src!.lang } : {}), tests, cache, jobs: 2, limits: limits(kind),
        });
        expectVerdict(r, kind, 'library');
        if (kind === 'AC') {
          for (const t of r.tests) {
            expect(t.peakMemory, 'the program\'s own peak').toBeGreaterThan(256 * 1024);
            expect(t.peakMemory).toBeLessThan(200 * MiB);
            expect(t.cpuTime).toBeLessThan(5);
          }
        }
        lib.set(kind, r);
      }, 120_000);
    }

    for (const kind of KINDS) {
      it(`${kind} through the CLI's judge --json, compiled once (the cache)`, async () => {
        const l = limits(kind);
        const run = await cli([
          'judge', '--tests', tests, '--json', '--memory', String(l.memory / MiB), '--timeout', String(l.timeout), '--jobs', '2',
          ...(src!.lang ? ['--lang', src!.lang] : []), files[kind],
        ], { killAfterMs: 110_000 });
        const r = JSON.parse(run.stdout.toString('utf8')) as JudgeReport & { error: string | null };
        expectVerdict(r, kind, `cli (stderr ${run.stderr.toString("utf8").slice(0, 300)}) ${JSON.stringify(r.tests.map((t) => (t as unknown as { stderr?: string }).stderr))}`);
        expect(run.code).toBe(kind === 'AC' ? 0 : 1);
        if (kind !== 'CE' && lib.get(kind)?.compile?.status === 'OK') {
          expect(r.compile!.cached, 'the library\'s compile of the same source is reused').toBe(true);
        }
      }, 120_000);
    }
  });
}

describe('the languages the issue requires', () => {
  it('are all in the table, with fixtures', () => {
    const names = ['c', 'cpp', 'rust', 'go', 'java', 'python3', 'pypy3', 'javascript'];
    for (const n of names) {
      expect(LANGUAGES.find((l) => l.name === n)?.required, n).toBe(true);
      expect(SOURCES.some((s) => s.name === n), n).toBe(true);
    }
    expect(LANGUAGES.filter((l) => l.required).map((l) => l.name).sort()).toEqual([...names].sort());
  });

  it.skipIf(!required)('under .ci/run, at least two optional languages are installed (and so tested)', () => {
    const optional = LANGUAGES.filter((l) => !l.required && installed(l.name) && SOURCES.some((s) => s.name === l.name));
    expect(optional.length, optional.map((l) => l.name).join(', ')).toBeGreaterThanOrEqual(2);
  });
});

