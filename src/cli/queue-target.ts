/**
 * The queue options `worker` and `submit` share, as the library takes them: the Redis URL and its CA file, the queue,
 * the size limits and the test sets' time to live. Light: no bullmq or ioredis.
 */
import { readFile } from 'node:fs/promises';
import type { RedisTarget } from '../queue/connection.js';
import { CliUsageError } from './errors.js';
import { parseRedisUrl, REDIS_ENV } from './queue-options.js';

export interface QueueCommon extends RedisTarget {
  queue?: string;
  maxSubmissionBytes?: number;
  maxTestSetBytes?: number;
  testSetTtl?: number;
}

/**
 * The common options of `values` (--redis, else $SIMPLE_CP_SANDBOX_REDIS); a --redis-ca that cannot be read is a
 * usage error naming the file.
 */
export async function queueCommon(command: string, values: Record<string, unknown>): Promise<QueueCommon> {
  const fromEnv = process.env[REDIS_ENV];
  const url = (values.redis as string | undefined) ?? (fromEnv ? parseRedisUrl(fromEnv, `$${REDIS_ENV}`) : undefined);
  if (url === undefined) {
    throw new CliUsageError(`${command} needs --redis URL or $${REDIS_ENV}, the Redis the queue is in (see simple-cp-sandbox ${command} --help)`);
  }
  let ca: Buffer | undefined;
  if (typeof values.redisCa === 'string') {
    if (!/^rediss:\/\//i.test(url)) throw new CliUsageError('--redis-ca is for a TLS connection: use a rediss:// URL');
    try {
      ca = await readFile(values.redisCa);
    } catch (e) {
      throw new CliUsageError(`cannot read --redis-ca ${values.redisCa} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  const pick = (k: 'queue' | 'maxSubmissionBytes' | 'maxTestSetBytes' | 'testSetTtl') => (values[k] === undefined ? {} : { [k]: values[k] });
  return {
    redis: url, ...(ca ? { tls: { ca } } : {}), ...pick('queue'), ...pick('maxSubmissionBytes'), ...pick('maxTestSetBytes'),
    ...pick('testSetTtl'),
  } as QueueCommon;
}
