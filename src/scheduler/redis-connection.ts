import { Redis } from 'ioredis';

/**
 * An ioredis connection as BullMQ requires it (maxRetriesPerRequest: null),
 * reconnecting with capped backoff. Created once per role; never again on a
 * reconnect, ioredis resumes by itself.
 */
export function redisConnection(url: string, name: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (attempt) => Math.min(5000, 100 * 2 ** Math.min(attempt, 6)),
  });
}

export { resolveRedisUrl } from './redis-url.js';
