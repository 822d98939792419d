import { parseRedisTarget, type RedisTarget } from '../config/redis-target.js';

/** A Redis target given on the command line or in REDIS_URL that is neither a URL nor a sentinel set. */
export class RedisTargetError extends Error {
  override name = 'RedisTargetError';
}

/**
 * Which Redis the scheduler and `rsguard worker` talk to, decided once for
 * both: a command-line flag, else the config's queue.redis, else REDIS_URL.
 * (They used to resolve it in opposite orders and could pick different servers.)
 * The flag and REDIS_URL take the same strings as queue.redis, sentinel sets
 * included (redis+sentinel://); one that does not parse is refused, naming
 * where it came from, rather than leaving rsguard in embedded mode.
 */
export function resolveRedisTarget(o: { flag?: string; config?: RedisTarget; env?: NodeJS.ProcessEnv }): RedisTarget | undefined {
  if (o.flag !== undefined) return parsed('--redis', o.flag);
  if (o.config) return o.config;
  const env = (o.env ?? process.env).REDIS_URL;
  return env ? parsed('REDIS_URL', env) : undefined;
}

function parsed(source: string, text: string): RedisTarget {
  const t = parseRedisTarget(text);
  if (typeof t === 'string') throw new RedisTargetError(`${source}: ${t}`);
  return t;
}
