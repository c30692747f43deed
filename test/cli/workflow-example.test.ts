/**
 * docs/examples/github-actions-judge.yml, the workflow a teacher copies: its simple-cp-sandbox steps are run here
 * as the runner would run them, in a directory laid out as the workflow expects (solution.cpp and tests/), so the
 * example cannot drift from the CLI. The GitHub actions it uses (checkout, setup-node, upload-artifact, the JUnit
 * report) are GitHub's and are not run here.
 */
import { copyFileSync, cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, removeDir, ROOT, tempDir } from './helpers.js';

const workflow = readFileSync(path.join(ROOT, 'docs', 'examples', 'github-actions-judge.yml'), 'utf8');
/** The workflow's `run: simple-cp-sandbox ...` steps, as argv (none of them quotes or expands anything). */
const steps = [...workflow.matchAll(/^\s+run: simple-cp-sandbox (.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/));
const work = tempDir('workflow-example');
// On GitHub's runner the compile cache goes to the runner's home; here, where HOME may not be writable (the
// unprivileged run), to a directory of the test's own.
const savedCache = process.env.SIMPLE_CP_SANDBOX_CACHE;
process.env.SIMPLE_CP_SANDBOX_CACHE = tempDir('workflow-example-cache', 0o700);
afterAll(() => {
  removeDir(process.env.SIMPLE_CP_SANDBOX_CACHE!);
  if (savedCache === undefined) delete process.env.SIMPLE_CP_SANDBOX_CACHE;
  else process.env.SIMPLE_CP_SANDBOX_CACHE = savedCache;
  removeDir(work);
});

describe('the GitHub Actions workflow example', () => {
  it('has the doctor step and a judge step writing the JUnit report it uploads', () => {
    expect(steps.map((s) => s[0])).toEqual(['doctor', 'judge']);
    expect(steps[1]).toContain('--junit');
    const report = steps[1]![steps[1]!.indexOf('--junit') + 1]!;
    expect(workflow).toContain(`report_paths: ${report}`);
    expect(workflow).toContain(`path: ${report}`);
  });

  it('its steps run as written on a repository laid out as it says, and the judge writes a JUnit report of every test', async () => {
    copyFileSync(path.join(ROOT, 'fixtures', 'judge', 'sum', 'ac.c'), path.join(work, 'solution.cpp'));
    cpSync(path.join(ROOT, 'fixtures', 'judge', 'sum', 'tests'), path.join(work, 'tests'), { recursive: true });
    const doctor = await cli(steps[0]!, { cwd: work });
    expect(doctor.code, doctor.stdout.toString()).toBe(0);
    const judge = await cli(steps[1]!, { cwd: work, killAfterMs: 120_000 });
    expect(judge.code, judge.stderr.toString()).toBe(0);
    const junit = readFileSync(path.join(work, 'judge-junit.xml'), 'utf8');
    const tests = readdirSync(path.join(work, 'tests')).filter((f) => f.endsWith('.in')).length;
    expect(tests).toBeGreaterThan(1);
    expect(junit).toMatch(new RegExp(`<testsuite [^>]*tests="${tests}"`));
    expect(junit).not.toContain('<failure');
  }, 150_000);
});
