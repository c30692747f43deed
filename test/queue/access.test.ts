/**
 * Reaching a Redis that is locked: a password in the URL (requirepass) and TLS (rediss://, a server with only a TLS
 * port and a certificate signed by a CA made here with openssl). A worker and a submitter with the right password
 * and CA judge a submission; a wrong or missing password, a certificate that does not verify, and a plain
 * connection to the TLS port are refused at once, naming the cause, and never fall back to something weaker; the
 * password never appears in a message.
 */
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdown } from '../../dist/engine/index.js';
import { connect } from '../../dist/queue/connection.js';
import { redact } from '../../dist/queue/redact.js';
import { submit } from '../../dist/queue/submit.js';
import { startWorker } from '../../dist/queue/worker.js';
import { cli, ROOT } from '../cli/helpers.js';
import { hasRedis, startRedis, uidsFrom, type TestRedis } from './redis.js';

const SUM = path.join(ROOT, 'fixtures', 'judge', 'sum');
const PASSWORD = 'pw-3c%@/ x'; // characters a URL must escape
let locked: TestRedis;
let tls: TestRedis;
let work: string;

beforeAll(async () => {
  if (!hasRedis) return;
  locked = await startRedis({ password: PASSWORD });
  tls = await startRedis({ password: PASSWORD, tls: true });
  work = mkdtempSync(path.join(os.tmpdir(), 'scs-queue-access-'));
  process.env.SIMPLE_CP_SANDBOX_CACHE = path.join(work, 'cache');
  copyFileSync(path.join(SUM, 'ac.c'), path.join(work, 'ac.c'));
  cpSync(path.join(SUM, 'tests'), path.join(work, 'tests'), { recursive: true });
  writeFileSync(path.join(work, 'ca.pem'), tls.ca!);
}, 60_000);

afterAll(async () => {
  await locked?.stop();
  await tls?.stop();
  await shutdown();
  if (work) rmSync(work, { recursive: true, force: true });
});

const job = (redis: string, extra: object = {}) => ({ redis, queue: 'scs-access', source: path.join(work, 'ac.c'), tests: path.join(work, 'tests'), ...extra });
const wrong = (url: string) => url.replace(encodeURIComponent(PASSWORD), 'not-it');

describe.skipIf(!hasRedis)('a Redis with a password', () => {
  it('the password in the URL (escaped): a worker and a submitter judge a submission', async () => {
    expect(locked.url).toMatch(/^redis:\/\/:pw-3c%25%40%2F%20x@127\.0\.0\.1:\d+$/);
    const w = await startWorker({ redis: locked.url, queue: 'scs-access', concurrency: 1, ...uidsFrom(61200) });
    try {
      const { report } = await submit(job(locked.url));
      expect(report.verdict).toBe('AC');
    } finally {
      await w.close();
    }
  }, 60_000);

  it('the URL in $SIMPLE_CP_SANDBOX_REDIS instead of --redis (out of the process list); a bad one is refused, redacted', async () => {
    const w = await startWorker({ redis: locked.url, queue: 'scs-access', concurrency: 1, ...uidsFrom(61200) });
    try {
      const r = await cli(['submit', '--queue', 'scs-access', '--tests', 'tests', 'ac.c'], { cwd: work, env: { SIMPLE_CP_SANDBOX_REDIS: locked.url } });
      expect(r.stderr.toString()).toBe('');
      expect(r.code).toBe(0);
    } finally {
      await w.close();
    }
    const bad = await cli(['submit', '--tests', 'tests', 'ac.c'], { cwd: work, env: { SIMPLE_CP_SANDBOX_REDIS: 'http://:hunter2@x' } });
    expect(bad.code).toBe(125);
    expect(bad.stderr.toString()).toMatch(/invalid value for \$SIMPLE_CP_SANDBOX_REDIS: "http:\/\/:\*\*\*@x\/?"/);
    expect(bad.stderr.toString()).not.toContain('hunter2');
  }, 60_000);

  it('a wrong password and no password are refused, naming the cause, without the password in the message', async () => {
    const bad = startWorker({ redis: wrong(locked.url), queue: 'scs-access', firstConnectMs: 2000, ...uidsFrom(61210) });
    await expect(bad).rejects.toThrow(/could not reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ within 2 s: WRONGPASS/);
    const none = submit({ ...job(`redis://127.0.0.1:${locked.port}`), firstConnectMs: 2000 });
    await expect(none).rejects.toThrow(/within 2 s: NOAUTH/);
    // The CLI: exit 125, the reason, and neither password.
    const r = await cli(['submit', '--redis', wrong(locked.url), '--tests', 'tests', 'ac.c'], { cwd: work });
    expect(r.code).toBe(125);
    expect(r.stderr.toString()).toMatch(/could not reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ within 10 s: WRONGPASS/);
    expect(r.stderr.toString()).not.toContain('not-it');
  }, 60_000);
});

describe('URLs: what ioredis would have read from them is refused, and passwords never show', () => {
  it('a query or a fragment is refused (?tls= turned a rediss:// URL into a plain connection), and a database must be a number', () => {
    for (const q of ['?tls=', '?tls=RedisCloudFixed', '?path=/tmp/redis.sock', '?password=x', '#x']) {
      expect(() => connect({ redis: `rediss://:pw@127.0.0.1:6380/0${q}` })).toThrow(/has a query or a fragment/);
    }
    expect(() => connect({ redis: 'redis://127.0.0.1:6379/x' })).toThrow(/names a database that is not a number/);
  });

  it('redact() hides every password, with "@", ":", "/" or a space in it, and URLs that do not parse', () => {
    const cases: Array<[string, string]> = [
      ['redis://:s3cr@t@host', 'redis://:***@host'], ['redis://:se/cret@127.0.0.1:23456', 'redis://***@127.0.0.1:23456'],
      ['REDISS://:secret@h:1', 'rediss://:***@h:1'], ['redis://:sec ret@h', 'redis://:***@h'], ['redis:/:secret@h', 'redis:/***@h'],
      ['redis://u:p:q@h:1/2', 'redis://u:***@h:1/2'], ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ];
    for (const [url, shown] of cases) expect(redact(url)).toBe(shown);
  });
});

describe.skipIf(!hasRedis)('a Redis with TLS only (rediss://)', () => {
  it('with the CA: a worker and a submitter (library, and the CLI\'s --redis-ca) judge a submission', async () => {
    expect(tls.url).toMatch(/^rediss:\/\//);
    const w = await startWorker({ redis: tls.url, tls: { ca: tls.ca! }, queue: 'scs-access', concurrency: 1, ...uidsFrom(61200) });
    try {
      expect((await submit(job(tls.url, { tls: { ca: tls.ca! } }))).report.verdict).toBe('AC');
      // A scheme in capitals is the same scheme (the URL standard): it is TLS too, not a plain connection.
      expect((await submit(job(tls.url.replace('rediss:', 'REDISS:'), { tls: { ca: tls.ca! } }))).report.verdict).toBe('AC');
      const r = await cli(['submit', '--redis', tls.url.replace('rediss:', 'REDISS:'), '--redis-ca', 'ca.pem', '--queue', 'scs-access', '--tests', 'tests', 'ac.c'], { cwd: work });
      expect(r.stderr.toString()).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toMatch(/verdict: AC/);
    } finally {
      await w.close();
    }
  }, 90_000);

  it('a certificate that does not verify (no CA given) is refused: no fallback to an unverified connection', async () => {
    await expect(startWorker({ redis: tls.url, queue: 'scs-access', firstConnectMs: 2000, ...uidsFrom(61210) }))
      .rejects.toThrow(/within 2 s: (self[- ]signed certificate|unable to (get local issuer|verify))/);
    // Neither NODE_TLS_REJECT_UNAUTHORIZED=0 nor a caller's rejectUnauthorized: false turns verification off.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      await expect(startWorker({ redis: tls.url, queue: 'scs-access', firstConnectMs: 2000, ...uidsFrom(61210) })).rejects.toThrow(/self[- ]signed certificate/);
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    }
    const loose = { rejectUnauthorized: false } as unknown as { ca: Buffer };
    await expect(startWorker({ redis: tls.url, tls: loose, queue: 'scs-access', firstConnectMs: 2000, ...uidsFrom(61210) })).rejects.toThrow(/self[- ]signed certificate/);
    // The right CA, the wrong name: the certificate is for 127.0.0.1.
    await expect(startWorker({ redis: tls.url, tls: { ca: tls.ca!, servername: 'judge.example' }, queue: 'scs-access', firstConnectMs: 2000, ...uidsFrom(61210) }))
      .rejects.toThrow(/within 2 s: .*(altnames|does not match|Hostname\/IP)/);
  }, 60_000);

  it('a plain redis:// URL to the TLS port gets no connection; TLS options with redis:// are refused', async () => {
    const plain = tls.url.replace('rediss:', 'redis:');
    await expect(startWorker({ redis: plain, queue: 'scs-access', firstConnectMs: 2000, ...uidsFrom(61210) })).rejects.toThrow(/could not reach Redis/);
    expect(() => connect({ redis: plain, tls: { ca: tls.ca! } })).toThrow(/TLS options were given for redis:\/\/:\*\*\*@.*use rediss:\/\//);
    const r = await cli(['submit', '--redis', plain, '--redis-ca', 'ca.pem', '--tests', 'tests', 'ac.c'], { cwd: work });
    expect(r.code).toBe(125);
    expect(r.stderr.toString()).toMatch(/--redis-ca is for a TLS connection: use a rediss:\/\/ URL/);
    const missing = await cli(['submit', '--redis', tls.url, '--redis-ca', 'nowhere.pem', '--tests', 'tests', 'ac.c'], { cwd: work });
    expect(missing.code).toBe(125);
    expect(missing.stderr.toString()).toMatch(/cannot read --redis-ca nowhere\.pem \(ENOENT\)/);
  }, 30_000);
});
