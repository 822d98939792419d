/**
 * Which Redis the scheduler and `rsguard worker` talk to, decided once for
 * both: a command-line flag, else the config's queue.redis, else REDIS_URL.
 * (They used to resolve it in opposite orders and could pick different servers.)
 */
export function resolveRedisUrl(o: { flag?: string; config?: string; env?: NodeJS.ProcessEnv }): string | undefined {
  return o.flag ?? o.config ?? (o.env ?? process.env).REDIS_URL ?? undefined;
}
