/**
 * Which Redis distributed mode talks to: one server by URL, or the primary a
 * set of Sentinels names (it moves on a failover, and every client follows).
 */
export type RedisTarget = { kind: 'url'; url: string } | SentinelTarget;

export interface SentinelTarget {
  kind: 'sentinel';
  sentinels: Array<{ host: string; port: number }>;
  /** The primary's name in the Sentinels' `sentinel monitor NAME ...`. */
  name: string;
  username?: string;
  password?: string;
  sentinelPassword?: string;
  db?: number;
  tls?: boolean;
}
