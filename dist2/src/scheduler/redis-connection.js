import { Redis } from 'ioredis';
/**
 * An ioredis connection as BullMQ requires it (maxRetriesPerRequest: null),
 * reconnecting with capped backoff. Created once per role; never again on a
 * reconnect, ioredis resumes by itself.
 */
export function redisConnection(url, name) {
    return new Redis(url, {
        maxRetriesPerRequest: null,
        enableReadyCheck: true,
        connectionName: name,
        retryStrategy: (attempt) => Math.min(5000, 100 * 2 ** Math.min(attempt, 6)),
    });
}
/**
 * Which Redis the scheduler and `rsguard worker` talk to, decided once for
 * both: a command-line flag, else the config's queue.redis, else REDIS_URL.
 * (They used to resolve it in opposite orders and could pick different servers.)
 */
export function resolveRedisUrl(o) {
    return o.flag ?? o.config ?? (o.env ?? process.env).REDIS_URL ?? undefined;
}
//# sourceMappingURL=redis-connection.js.map