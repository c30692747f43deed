/**
 * `worker` and `submit` on a real redis-server: a submission sent by the CLI is judged by a CLI worker and printed
 * as `judge` prints it (the same table, the same --json shape, the same exit codes); bad input is refused with a
 * message and exit 125; the worker ends on SIGTERM with exit 0 after its running job.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../cli/helpers.js';
import { hasRedis, startRedis, type TestRedis } from './redis.js';

const SUM = path.join(ROOT, 'fixtures', 'judge', 'sum');
let redis: TestRedis;
let work: string;
let worker: ReturnType<typeof spawn>;
let workerLog = '';
const queue = 'scs-cli-test';

beforeAll(async () => {
  if (!hasRedis) return;
  redis = await startRedis();
  work = mkdtempSync(path.join(os.tmpdir(), 'scs-queue-cli-'));
  chmodSync(work, 0o755); // the local judge's programs run in it (as 65534 for a root runner)
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  for (const f of ['ac.c', 'wa.c']) copyFileSync(path.join(SUM, f), path.join(work, f));
  cpSync(path.join(SUM, 'tests'), path.join(work, 'tests'), { recursive: true });
  worker = spawn(process.execPath, [path.join(ROOT, 'bin', 'simple-cp-sandbox.js'), 'worker', '--redis', redis.url,
    '--queue', queue, '--concurrency', '2', ...(process.geteuid?.() === 0 ? ['--first-uid', '61300'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => {
    worker.stderr!.on('data', (d: Buffer) => {
      workerLog += d.toString();
      if (workerLog.includes('taking jobs')) resolve();
    });
  });
}, 60_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The table without its measurements (times, memory), which differ from one run to the next. */
const shape = (s: string) => s.replace(/\d+\.\d+ (s|MiB|KiB)/g, 'N $1');

describe.skipIf(!hasRedis)('simple-cp-sandbox worker and submit', () => {
  it('submit prints the report as judge prints it, with judge\'s exit codes (0 AC, 1 WA)', async () => {
    const sent = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'tests', 'ac.c'], { cwd: work });
    expect(sent.code, sent.stderr.toString()).toBe(0);
    const local = await cli(['judge', '--tests', 'tests', 'ac.c'], { cwd: work });
    expect(local.code, local.stderr.toString()).toBe(0);
    expect(shape(sent.stdout.toString())).toBe(shape(local.stdout.toString()).replace('(cached)', '').replace(/ +\n/g, '\n'));
    const wa = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'tests', 'wa.c'], { cwd: work });
    expect(wa.code).toBe(1);
    expect(wa.stdout.toString()).toMatch(/verdict: WA/);
  }, 60_000);

  it('--json prints judge\'s JSON report; --no-wait prints the submission id', async () => {
    const r = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'tests', '--json', '--timeout', '1', 'ac.c'], { cwd: work });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.toString()) as { verdict: string; tests: unknown[]; error: null };
    expect(report).toMatchObject({ verdict: 'AC', error: null });
    expect(report.tests.length).toBeGreaterThan(1);
    const nw = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'tests', '--no-wait', '--submission', 'cli-nowait-1', 'ac.c'], { cwd: work });
    expect(nw.code).toBe(0);
    expect(nw.stdout.toString()).toBe('cli-nowait-1\n');
    // Its report, later: the same submission sent again with its id is not judged again, it gets the one report.
    const later = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'tests', '--json', '--submission', 'cli-nowait-1', 'ac.c'], { cwd: work });
    expect(later.code).toBe(0);
    expect(JSON.parse(later.stdout.toString())).toMatchObject({ verdict: 'AC', error: null });
  }, 60_000);

  it('bad input: a URL that is not Redis\'s, no --tests, an unknown language: a message and exit 125', async () => {
    const url = await cli(['submit', '--redis', 'http://x', '--tests', 'tests', 'ac.c'], { cwd: work });
    expect(url.code).toBe(125);
    expect(url.stderr.toString()).toMatch(/--redis.*expected redis:\/\//);
    const noTests = await cli(['submit', '--redis', redis.url, 'ac.c'], { cwd: work });
    expect(noTests.code).toBe(125);
    expect(noTests.stderr.toString()).toMatch(/submit needs --tests DIR/);
    const json = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'nowhere', '--json', 'ac.c'], { cwd: work });
    expect(json.code).toBe(125);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ verdict: 'SE', error: expect.stringMatching(/tests directory not found/) });
    const noRedis = await cli(['worker'], { cwd: work });
    expect(noRedis.code).toBe(125);
    expect(noRedis.stderr.toString()).toMatch(/worker needs --redis URL/);
  }, 60_000);

  it('--checker PATH and --interactor SOURCE travel with the tests, and print as judge prints them', async () => {
    const split = path.join(ROOT, 'fixtures', 'judge', 'split');
    const guess = path.join(ROOT, 'fixtures', 'judge', 'interactive');
    cpSync(path.join(split, 'tests'), path.join(work, 'split'), { recursive: true });
    cpSync(path.join(guess, 'tests'), path.join(work, 'guess'), { recursive: true });
    for (const [from, to] of [[path.join(split, 'ac.c'), 'split.c'], [path.join(guess, 'solution.c'), 'guess.c'],
      [path.join(guess, 'interactor.c'), 'interactor.c']] as const) copyFileSync(from, path.join(work, to));
    const gcc = spawnSync('gcc', ['-O2', '-o', path.join(work, 'checker'), path.join(split, 'checker.c')]);
    expect(gcc.status).toBe(0);
    const checked = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'split', '--checker', './checker', 'split.c'], { cwd: work });
    expect(checked.code, checked.stderr.toString()).toBe(0);
    const local = await cli(['judge', '--tests', 'split', '--checker', './checker', 'split.c'], { cwd: work });
    expect(shape(checked.stdout.toString())).toBe(shape(local.stdout.toString()).replace('(cached)', '').replace(/ +\n/g, '\n'));
    const played = await cli(['submit', '--redis', redis.url, '--queue', queue, '--tests', 'guess', '--interactor', 'interactor.c',
      '--interactor-timeout', '5', 'guess.c'], { cwd: work });
    expect(played.code, played.stderr.toString()).toBe(0);
    expect(played.stdout.toString()).toMatch(/^1\s+AC .* ok guessed 777/m);
    const stray = await cli(['submit', '--redis', redis.url, '--tests', 'guess', '--interactor-timeout', '5', 'guess.c'], { cwd: work });
    expect(stray.code).toBe(125);
    expect(stray.stderr.toString()).toMatch(/--interactor-timeout and --interactor-memory need --interactor/);
  }, 90_000);

  it('the worker ends on SIGTERM with exit 0, having said what it judged', async () => {
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerLog).toMatch(/worker: \S+ AC\n/);
    expect(workerLog).toMatch(/SIGTERM: finishing the running jobs/);
  }, 30_000);
});
