/**
 * Redis connections for the queue: one ioredis client per role, from a redis:// or rediss:// URL (a password and a
 * database may be in it: redis://:PASSWORD@HOST:PORT/DB). BullMQ needs maxRetriesPerRequest null on a worker's
 * connections (a blocking call must wait out a reconnect, not fail); ioredis reconnects by itself, with backoff.
 *
 * TLS is decided here from the parsed URL, not left to ioredis, which enables it only for a URL spelled exactly
 * "rediss://" (so "REDISS://", which the URL standard reads as the same scheme, would have gone out in clear). A
 * rediss:// connection verifies the server's certificate (against Node's CAs, NODE_EXTRA_CA_CERTS, or `tls.ca`);
 * nothing turns that off. The URL is parsed here and ioredis gets options, not the string: ioredis would take options
 * from a query (`?tls=` made a rediss:// URL plain), so a query is refused.
 */
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { redact } from './redact.js';

/** How a queue reaches its Redis. */
export interface RedisTarget {
  /** redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], or rediss:// for TLS. */
  redis: string;
  /** TLS options of a rediss:// URL, e.g. `{ ca }`: the CA that signed the server's certificate. */
  tls?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'servername'>;
  /** How long the first connection may take, ms (default FIRST_CONNECT_MS): then startWorker() or submit() rejects. */
  firstConnectMs?: number;
}

/** How long startWorker() and submit() wait for the first connection before they give up. */
export const FIRST_CONNECT_MS = 10_000;

function parse(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`not a Redis URL: ${JSON.stringify(redact(url))} (expected redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://...)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RangeError(`not a Redis URL: ${JSON.stringify(redact(url))} (expected redis:// or rediss://, which is TLS)`);
  }
  if (u.hostname === '') throw new RangeError(`the Redis URL ${JSON.stringify(redact(url))} names no host`);
  // ioredis reads options from a query (?tls=, ?path=, ...) over the ones given here: none is accepted.
  if (u.search !== '' || u.hash !== '') {
    throw new RangeError(`the Redis URL ${JSON.stringify(redact(url))} has a query or a fragment: give only [USER:PASSWORD@]HOST[:PORT][/DB]`);
  }
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    throw new RangeError(`the Redis URL ${JSON.stringify(redact(url))} names a database that is not a number`);
  }
  return u;
}

/**
 * A client for `t.redis`; a URL that is not redis:// or rediss:// is refused before any connection is tried. The
 * options come from the URL as parsed here, never from ioredis's own reading of the string.
 */
export function connect(t: RedisTarget): Redis {
  const u = parse(t.redis);
  const secure = u.protocol === 'rediss:';
  if (!secure && t.tls !== undefined) {
    throw new RangeError(`TLS options were given for ${redact(t.redis)}, which is not TLS: use rediss://`);
  }
  const tls = t.tls ?? {};
  const client = new Redis({
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
    // Reconnect with a growing delay, up to 2 s between tries, for as long as it takes: Redis restarting is not a
    // reason for a worker or a waiting submitter to give up.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
    // Only these TLS options pass, and verification last: neither a caller nor NODE_TLS_REJECT_UNAUTHORIZED turns
    // it off.
    ...(secure ? {
      tls: {
        ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }), ...(tls.servername === undefined ? {} : { servername: tls.servername }),
        rejectUnauthorized: true,
      },
    } : {}),
  });
  // A connection error is a reconnect in progress: the roles report what matters (a command's rejection, the
  // worker's 'error' event), and ioredis would print every one as "Unhandled error event".
  client.on('error', () => {});
  return client;
}

/**
 * The client once it is ready: rejects, naming the URL (without its password) and the last error (refused, a wrong
 * password, a certificate that does not verify), when no connection succeeded in time. Only the first connection
 * is held to this (`t.firstConnectMs`): after it, a drop is waited out.
 */
export async function connected(t: RedisTarget): Promise<Redis> {
  const ms = t.firstConnectMs ?? FIRST_CONNECT_MS;
  const c = connect(t);
  let last = '';
  const onError = (e: Error) => { last = e.message; };
  c.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`could not reach Redis at ${redact(t.redis)} within ${ms / 1000} s`
        + `${last ? `: ${last}` : ''}`)), ms);
      c.once('ready', () => { clearTimeout(timer); resolve(); });
    });
  } catch (e) {
    c.disconnect();
    throw e;
  }
  c.off('error', onError);
  return c;
}
