/**
 * Test sets in Redis, stored once per content hash: a submitter uploads a tests directory (uploadTestSet) and names
 * its hash in every job; a worker writes it out for a judge (fetchTestSet). A set carries the problem's jury programs
 * too, when it has them: a checker program and an interactor (a program or a source), which belong to the problem,
 * not to a submission. A set is one Redis string of at most maxTestSetBytes of files (plus base64's third), living
 * testSetTtl seconds after its last use, so what Redis holds per set is bounded in size and in time. The hash is
 * checked again when the set is read, and so is its size, against the reading worker's own limit.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { findTests } from '../judge/tests.js';
import type { TestCase } from '../judge/types.js';
import { base64Bytes, isBase64, JobError, plainFileName, QUEUE_DEFAULTS } from './job.js';

interface StoredTest { name: string; input: string; answer: string | null }
/** A jury program: its file name (an interactor's extension names its language) and its bytes, base64. */
interface StoredFile { name: string; data: string }
interface StoredSet { v: 1; tests: StoredTest[]; checker?: StoredFile; interactor?: StoredFile }

/** A test set as a worker has it on disk: its tests, and its jury programs' paths (or null). */
export interface TestSet {
  tests: TestCase[];
  checker: string | null;
  interactor: string | null;
}

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
  /** The problem's checker program (testlib's `checker input output answer`): it runs on the workers as it is. */
  checker?: string;
  /** The problem's interactor: a program, or a source the workers compile. */
  interactor?: string;
}


/** A test's name as a set carries it (its files are NAME.in and NAME.out on the worker). */
const TEST_NAME = /^[A-Za-z0-9._+-]{1,200}$/;
const plainTestName = (n: unknown): n is string => typeof n === 'string' && TEST_NAME.test(n) && !n.startsWith('.');

/**
 * What a file costs a set at least, bytes: a disk block on the worker. So a set's limit bounds its number of files
 * too (64 MiB: at most 16384 files), not only their bytes.
 */
export const FILE_COST = 4096;

/**
 * Reads the tests directory `dir` (judge's layouts), and stores it unless Redis has it already (then its time to
 * live is renewed). Resolves with its hash, its size in bytes (inputs and answers) and whether it was stored now.
 */
export async function uploadTestSet(redis: Redis, dir: string, o: UploadOptions = {}): Promise<{ hash: string; bytes: number; stored: boolean }> {
  const maxBytes = o.maxBytes ?? QUEUE_DEFAULTS.maxTestSetBytes;
  const ttl = o.ttl ?? QUEUE_DEFAULTS.testSetTtl;
  const cases = await findTests(dir, { optionalAnswers: o.interactor !== undefined });
  const set: StoredSet = { v: 1, tests: [] };
  let bytes = 0;
  const count = (b: Buffer) => {
    bytes += Math.max(b.length, FILE_COST);
    if (bytes > maxBytes) {
      throw new JobError(`the tests in ${dir}${o.checker || o.interactor ? ' and the jury programs' : ''} count more than ${maxBytes} `
        + `bytes (each file at least ${FILE_COST}), this queue's limit for a test set: raise it on the submitter and the workers, or split the set`);
    }
  };
  for (const t of cases) {
    if (!plainTestName(t.name)) {
      throw new JobError(`test ${JSON.stringify(t.name)} in ${dir} does not have a plain name (letters, digits, ".", "_", "+", "-"; `
        + 'at most 200), which a worker writes it under: rename its files');
    }
    const input = await readFile(t.input);
    count(input);
    const answer = t.answer === null ? null : await readFile(t.answer);
    if (answer) count(answer);
    set.tests.push({ name: t.name, input: input.toString('base64'), answer: answer?.toString('base64') ?? null });
  }
  for (const role of ['checker', 'interactor'] as const) {
    const file = o[role];
    if (file === undefined) continue;
    const name = path.basename(file);
    if (!plainFileName(name)) {
      throw new JobError(`the ${role}'s file name ${JSON.stringify(name)} is not a plain file name (letters, digits, ".", "_", "+", "-"): rename it`);
    }
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (e) {
      throw new JobError(`cannot read the ${role} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    count(data);
    set[role] = { name, data: data.toString('base64') };
  }
  const payload = JSON.stringify(set);
  const hash = sha256(payload);
  const stored = (await redis.set(testSetKey(hash), payload, 'EX', ttl, 'NX')) === 'OK';
  if (!stored) await redis.expire(testSetKey(hash), ttl);
  return { hash, bytes, stored };
}


/** The set's JSON checked field by field; a JobError names what is wrong. */
function checkSet(hash: string, payload: string, maxBytes: number): StoredSet {
  let set: Record<string, unknown>;
  try {
    set = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    throw new JobError(`test set ${hash} in Redis is not JSON`);
  }
  if (typeof set !== 'object' || set === null || set.v !== 1) throw new JobError(`test set ${hash} is not of format version 1: update the worker`);
  for (const k of Object.keys(set)) {
    if (!['v', 'tests', 'checker', 'interactor'].includes(k)) throw new JobError(`test set ${hash} has an unknown field "${k}": update the worker`);
  }
  if (!Array.isArray(set.tests) || set.tests.length === 0) throw new JobError(`test set ${hash} has no tests`);
  let bytes = 0;
  const names = new Set<string>();
  for (const t of set.tests as StoredTest[]) {
    if (!plainTestName(t?.name)) {
      throw new JobError(`test set ${hash} has a test named ${JSON.stringify(t?.name)}, which is not a plain file name`);
    }
    if (names.has(t.name)) throw new JobError(`test set ${hash} has two tests named ${t.name}`);
    names.add(t.name);
    if (!isBase64(t.input) || (t.answer !== null && !isBase64(t.answer))) throw new JobError(`test set ${hash}: test ${t.name} is not base64`);
    bytes += Math.max(base64Bytes(t.input), FILE_COST) + (t.answer === null ? 0 : Math.max(base64Bytes(t.answer), FILE_COST));
  }
  for (const role of ['checker', 'interactor'] as const) {
    const f = set[role] as StoredFile | undefined;
    if (f === undefined) continue;
    if (!plainFileName(f?.name) || !isBase64(f.data)) {
      throw new JobError(`test set ${hash}: its ${role} is not { name, data } with a plain file name and base64 data`);
    }
    bytes += Math.max(base64Bytes(f.data), FILE_COST);
  }
  if (bytes > maxBytes) throw new JobError(`test set ${hash} has ${bytes} bytes, more than this worker's limit of ${maxBytes}`);
  return set as unknown as StoredSet;
}

/**
 * Writes test set `hash` into `dir` (NAME.in, NAME.out; the jury programs under jury/) and returns it. A set Redis no
 * longer has (expired, or never uploaded), whose content does not match its hash, or that is bigger than `maxBytes`,
 * is a JobError.
 */
export async function fetchTestSet(redis: Redis, hash: string, dir: string, ttl: number = QUEUE_DEFAULTS.testSetTtl,
  maxBytes: number = QUEUE_DEFAULTS.maxTestSetBytes): Promise<TestSet> {
  // Measured before it is read: a set far over the limit is not even fetched (base64 is 4/3, JSON adds little).
  const length = await redis.strlen(testSetKey(hash));
  if (length === 0) throw missingSet(hash);
  if (length > maxBytes * 1.5 + 1024 * 1024) throw new JobError(`test set ${hash} has ${length} bytes in Redis, far more than this worker's limit of ${maxBytes}`);
  const payload = await redis.get(testSetKey(hash));
  if (payload === null) throw missingSet(hash);
  if (sha256(payload) !== hash) throw new JobError(`test set ${hash} in Redis does not match its hash: it was changed; upload it again`);
  await redis.expire(testSetKey(hash), ttl);
  const set = checkSet(hash, payload, maxBytes);
  const tests: TestCase[] = [];
  for (const t of set.tests) {
    const input = path.join(dir, `${t.name}.in`);
    await writeFile(input, Buffer.from(t.input, 'base64'), { mode: 0o644, flag: 'wx' });
    let answer: string | null = null;
    if (t.answer !== null) {
      answer = path.join(dir, `${t.name}.out`);
      await writeFile(answer, Buffer.from(t.answer, 'base64'), { mode: 0o644, flag: 'wx' });
    }
    tests.push({ name: t.name, input, answer });
  }
  const jury: Record<'checker' | 'interactor', string | null> = { checker: null, interactor: null };
  for (const role of ['checker', 'interactor'] as const) {
    const f = set[role];
    if (f === undefined) continue;
    // Each in a directory of its own (the two may have the same name); executable, as a program must be.
    await mkdir(path.join(dir, JURY, role), { recursive: true, mode: 0o755 });
    jury[role] = path.join(dir, JURY, role, f.name);
    await writeFile(jury[role], Buffer.from(f.data, 'base64'), { mode: 0o755, flag: 'wx' });
  }
  const index: SetIndex = { tests: tests.map((t) => t.name), checker: jury.checker && path.relative(dir, jury.checker),
    interactor: jury.interactor && path.relative(dir, jury.interactor) };
  await writeFile(path.join(dir, INDEX), JSON.stringify(index), { mode: 0o644, flag: 'wx' });
  return { tests, ...jury };
}

/**
 * A worker's test sets on disk, one directory per hash under `root` (the worker's own, 0711), written once and reused
 * by every job naming that set: the paths stay the same, so the compile cache (whose key includes the directories a
 * compiler may not read, the tests among them) keeps hitting. At most `keep` sets; the least recently used go first.
 */
export class TestSetDirs {
  private readonly used = new Map<string, number>();
  /** The jobs using each set now: a set in use is never evicted. */
  private readonly refs = new Map<string, number>();
  private seq = 0;

  constructor(readonly root: string, private readonly keep = 64) {}

  /**
   * Set `hash`, written under root/HASH the first time (checked and renewed in Redis every time), held until
   * `release()`: only sets no job holds are evicted.
   */
  async use(redis: Redis, hash: string, ttl: number = QUEUE_DEFAULTS.testSetTtl,
    maxBytes: number = QUEUE_DEFAULTS.maxTestSetBytes): Promise<{ set: TestSet; release: () => Promise<void> }> {
    this.refs.set(hash, (this.refs.get(hash) ?? 0) + 1);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      const n = (this.refs.get(hash) ?? 1) - 1;
      if (n === 0) this.refs.delete(hash);
      else this.refs.set(hash, n);
      await this.evict();
    };
    try {
      const set = await this.write(redis, hash, ttl, maxBytes);
      this.used.set(hash, Date.now());
      return { set, release };
    } catch (e) {
      await release();
      throw e;
    }
  }

  private async write(redis: Redis, hash: string, ttl: number, maxBytes: number): Promise<TestSet> {
    const dir = path.join(this.root, hash);
    if (await exists(dir)) {
      // Still in Redis, so its time to live is renewed and a set removed there is not judged from here.
      if ((await redis.expire(testSetKey(hash), ttl)) !== 1) {
        throw missingSet(hash);
      }
      return setIn(dir);
    }
    // Written beside, then renamed: a job reading the set never sees it half written.
    const tmp = path.join(this.root, `.${hash}-${process.pid}-${this.seq++}`);
    await mkdir(tmp, { mode: 0o755 });
    try {
      await fetchTestSet(redis, hash, tmp, ttl, maxBytes);
      await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST' && e.code !== 'ENOTEMPTY') throw e; // another job wrote it first: the same content
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    return setIn(dir);
  }

  /** The least recently used sets beyond `keep` that no job holds: renamed away first (a job starting then writes the set anew), then removed. */
  private async evict(): Promise<void> {
    if (this.used.size <= this.keep) return;
    const idle = [...this.used.entries()].filter(([h]) => !this.refs.has(h)).sort((a, b) => a[1] - b[1]);
    for (const [h] of idle.slice(0, this.used.size - this.keep)) {
      this.used.delete(h);
      const trash = path.join(this.root, `.gone-${h}-${process.pid}-${this.seq++}`);
      try {
        await rename(path.join(this.root, h), trash);
      } catch {
        continue; // not there (never written whole): nothing to remove
      }
      await rm(trash, { recursive: true, force: true });
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

/** What fetchTestSet writes beside the files: the tests' order and the jury programs' paths, relative. */
interface SetIndex { tests: string[]; checker: string | null; interactor: string | null }

/** A set's directory as fetchTestSet wrote it. */
async function setIn(dir: string): Promise<TestSet> {
  const index = JSON.parse(await readFile(path.join(dir, INDEX), 'utf8')) as SetIndex;
  const names = new Set(await readdir(dir));
  return {
    tests: index.tests.map((name) => ({
      name, input: path.join(dir, `${name}.in`), answer: names.has(`${name}.out`) ? path.join(dir, `${name}.out`) : null,
    })),
    checker: index.checker && path.join(dir, index.checker),
    interactor: index.interactor && path.join(dir, index.interactor),
  };
}

/** The files fetchTestSet writes besides the tests: names no test file can have (tests are NAME.in / NAME.out). */
const INDEX = 'set.json';
const JURY = 'jury';
