import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config/redis-target.js';

/**
 * Every ioredis client rsguard opens is built here, from one Redis target
 * (a URL or a Sentinel set), so no path can reach only a fixed server.
 *
 * Behind Sentinels, ioredis asks them for the primary at every (re)connect
 * and checks the server it reaches says `role:master`; a killed primary
 * closes the connections, and the reconnects find whatever the Sentinels
 * promoted. Two cases would leave a client on a demoted server, and are
 * closed here: the Sentinels announce a failover while the old primary still
 * answers (failoverDetector: reconnect on `+switch-master`), and a write
 * reaching a server that became a replica (READONLY: reconnect, resend).
 */
function clientOptions(target: RedisTarget, capMs: number, extra: RedisOptions): RedisOptions {
  const base: RedisOptions = { retryStrategy: (attempt) => Math.min(capMs, 100 * 2 ** Math.min(attempt, 6)), ...extra };
  if (target.kind === 'url') return base;
  return {
    ...base,
    sentinels: target.sentinels,
    name: target.name,
    role: 'master',
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.db !== undefined ? { db: target.db } : {}),
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    failoverDetector: true,
    // A Sentinel that accepts the connection and then hangs must not hold up finding the primary.
    sentinelCommandTimeout: 1000,
    reconnectOnError: (err) => (/^READONLY\b/.test(err.message) ? 2 : false),
  };
}

function open(target: RedisTarget, options: RedisOptions): Redis {
  return target.kind === 'url' ? new Redis(target.url, options) : new Redis(options);
}

/**
 * An ioredis connection as BullMQ requires it (maxRetriesPerRequest: null),
 * reconnecting with capped backoff (a second behind Sentinels: asking them
 * is cheap and a failover is over in seconds). Created once per role; never
 * again on a reconnect, ioredis resumes by itself.
 */
export function redisConnection(target: RedisTarget, name: string): Redis {
  return open(target, clientOptions(target, target.kind === 'sentinel' ? 1000 : 5000, { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName: name }));
}

/**
 * The leader lease's own connection: BullMQ's waits forever for Redis
 * (maxRetriesPerRequest null), a lease round must fail fast (one retry,
 * commands given up after `timeoutMs`).
 */
export function leaseConnection(target: RedisTarget, timeoutMs: number): Redis {
  const redis = open(target, clientOptions(target, target.kind === 'sentinel' ? 1000 : 2000, { connectionName: 'rsguard-lease', maxRetriesPerRequest: 1, commandTimeout: timeoutMs }));
  // Its failures are the lease round's to report (as a rejected command), once in a while.
  redis.on('error', () => undefined);
  return redis;
}
