/**
 * Redis connections for the queue: one ioredis client per role, from a redis:// or rediss:// URL (a password and a
 * database may be in it: redis://:PASSWORD@HOST:PORT/DB). BullMQ needs maxRetriesPerRequest null on a worker's
 * connections (a blocking call must wait out a reconnect, not fail); ioredis reconnects by itself, with backoff.
 */
import { Redis } from 'ioredis';

/** A client for `url`; a URL that is not redis:// or rediss:// is refused before any connection is tried. */
export function connect(url: string): Redis {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`not a Redis URL: ${JSON.stringify(url)} (expected redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://...)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RangeError(`not a Redis URL: ${JSON.stringify(url)} (expected redis:// or rediss://, which is TLS)`);
  }
  return new Redis(url, {
    maxRetriesPerRequest: null,
    // Reconnect with a growing delay, up to 2 s between tries, for as long as it takes: Redis restarting is not a
    // reason for a worker or a waiting submitter to give up.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    lazyConnect: false,
  });
}
