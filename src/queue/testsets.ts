/**
 * Test sets in Redis, stored once per content hash: a submitter uploads a tests directory (uploadTestSet) and names
 * its hash in every job; a worker writes it out for a judge (fetchTestSet). A set is one Redis string of at most
 * maxTestSetBytes of tests (plus base64's third), living testSetTtl seconds after its last use, so what Redis holds
 * per set is bounded in size and in time. The hash is checked again when the set is read.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { findTests } from '../judge/tests.js';
import type { TestCase } from '../judge/types.js';
import { JobError, QUEUE_DEFAULTS } from './job.js';

interface StoredTest { name: string; input: string; answer: string | null }

/** The Redis key of a test set. */
export const testSetKey = (hash: string): string => `simple-cp-sandbox:tests:${hash}`;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A set Redis does not have (any more): what the job fails with. */
const missingSet = (hash: string): JobError => new JobError(`test set ${hash} is not in Redis (unused for longer than its `
  + 'time to live, or never uploaded): submit again, which uploads it');

export interface UploadOptions {
  maxBytes?: number;
  /** Seconds the set lives unused. */
  ttl?: number;
}

/**
 * Reads the tests directory `dir` (judge's layouts), and stores it unless Redis has it already (then its time to
 * live is renewed). Resolves with its hash, its size in bytes (inputs and answers) and whether it was stored now.
 */
export async function uploadTestSet(redis: Redis, dir: string, o: UploadOptions = {}): Promise<{ hash: string; bytes: number; stored: boolean }> {
  const maxBytes = o.maxBytes ?? QUEUE_DEFAULTS.maxTestSetBytes;
  const ttl = o.ttl ?? QUEUE_DEFAULTS.testSetTtl;
  const cases = await findTests(dir);
  const tests: StoredTest[] = [];
  let bytes = 0;
  for (const t of cases) {
    const input = await readFile(t.input);
    const answer = t.answer === null ? null : await readFile(t.answer);
    bytes += input.length + (answer?.length ?? 0);
    if (bytes > maxBytes) {
      throw new JobError(`the tests in ${dir} have more than ${maxBytes} bytes, this queue's limit for a test set: raise it on the submitter and the workers, or split the set`);
    }
    tests.push({ name: t.name, input: input.toString('base64'), answer: answer?.toString('base64') ?? null });
  }
  const payload = JSON.stringify({ v: 1, tests });
  const hash = sha256(payload);
  const stored = (await redis.set(testSetKey(hash), payload, 'EX', ttl, 'NX')) === 'OK';
  if (!stored) await redis.expire(testSetKey(hash), ttl);
  return { hash, bytes, stored };
}

/**
 * Writes test set `hash` into `dir` (NAME.in, NAME.out) and returns its tests in order. A set Redis no longer has
 * (expired, or never uploaded), or whose content does not match its hash, is a JobError.
 */
export async function fetchTestSet(redis: Redis, hash: string, dir: string, ttl: number = QUEUE_DEFAULTS.testSetTtl): Promise<TestCase[]> {
  const payload = await redis.get(testSetKey(hash));
  if (payload === null) {
    throw missingSet(hash);
  }
  if (sha256(payload) !== hash) throw new JobError(`test set ${hash} in Redis does not match its hash: it was changed; upload it again`);
  await redis.expire(testSetKey(hash), ttl);
  let parsed: { v?: unknown; tests?: unknown };
  try {
    parsed = JSON.parse(payload) as typeof parsed;
  } catch {
    throw new JobError(`test set ${hash} in Redis is not JSON`);
  }
  if (parsed.v !== 1 || !Array.isArray(parsed.tests) || parsed.tests.length === 0) throw new JobError(`test set ${hash} has no tests`);
  const out: TestCase[] = [];
  for (const t of parsed.tests as StoredTest[]) {
    if (typeof t?.name !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(t.name) || t.name.startsWith('.')) {
      throw new JobError(`test set ${hash} has a test named ${JSON.stringify(t?.name)}, which is not a plain file name`);
    }
    const input = path.join(dir, `${t.name}.in`);
    await writeFile(input, Buffer.from(t.input, 'base64'), { mode: 0o644, flag: 'wx' });
    let answer: string | null = null;
    if (t.answer !== null) {
      answer = path.join(dir, `${t.name}.out`);
      await writeFile(answer, Buffer.from(t.answer, 'base64'), { mode: 0o644, flag: 'wx' });
    }
    out.push({ name: t.name, input, answer });
  }
  await writeFile(path.join(dir, ORDER), JSON.stringify(out.map((t) => t.name)), { mode: 0o644, flag: 'wx' });
  return out;
}

/**
 * A worker's test sets on disk, one directory per hash under `root` (the worker's own, 0711), written once and reused
 * by every job naming that set: the paths stay the same, so the compile cache (whose key includes the directories a
 * compiler may not read, the tests among them) keeps hitting. At most `keep` sets; the least recently used go first.
 */
export class TestSetDirs {
  private readonly used = new Map<string, number>();
  private seq = 0;

  constructor(readonly root: string, private readonly keep = 64) {}

  /** The tests of set `hash`, written under root/HASH the first time (checked and renewed in Redis every time). */
  async get(redis: Redis, hash: string, ttl: number = QUEUE_DEFAULTS.testSetTtl): Promise<TestCase[]> {
    const dir = path.join(this.root, hash);
    let cases: TestCase[];
    if (await exists(dir)) {
      // Still in Redis, so its time to live is renewed and a set removed there is not judged from here.
      if ((await redis.expire(testSetKey(hash), ttl)) !== 1) {
        throw missingSet(hash);
      }
      cases = await casesIn(dir);
    } else {
      // Written beside, then renamed: a job reading the set never sees it half written.
      const tmp = path.join(this.root, `.${hash}-${process.pid}-${this.seq++}`);
      await mkdir(tmp, { mode: 0o755 });
      try {
        await fetchTestSet(redis, hash, tmp, ttl);
        await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST' && e.code !== 'ENOTEMPTY') throw e; // another job wrote it first: the same content
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      cases = await casesIn(dir);
    }
    this.used.set(hash, Date.now());
    await this.evict(hash);
    return cases;
  }

  private async evict(current: string): Promise<void> {
    if (this.used.size <= this.keep) return;
    const oldest = [...this.used.entries()].filter(([h]) => h !== current).sort((a, b) => a[1] - b[1]);
    for (const [h] of oldest.slice(0, this.used.size - this.keep)) {
      this.used.delete(h);
      await rm(path.join(this.root, h), { recursive: true, force: true });
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The tests of a set's directory (NAME.in, NAME.out as fetchTestSet wrote them), in the set's order. */
async function casesIn(dir: string): Promise<TestCase[]> {
  const order = JSON.parse(await readFile(path.join(dir, ORDER), 'utf8')) as string[];
  const names = new Set(await readdir(dir));
  return order.map((name) => ({
    name, input: path.join(dir, `${name}.in`), answer: names.has(`${name}.out`) ? path.join(dir, `${name}.out`) : null,
  }));
}

/** The file fetchTestSet writes the tests' order to (a name no test file can have: tests are NAME.in / NAME.out). */
const ORDER = 'order.json';
