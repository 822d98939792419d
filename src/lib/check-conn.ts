/**
 * One check's connection, as the probes that run thousands of times a second
 * see it: a few callbacks in, a write, and two ways to end. Two makers give
 * it: raw-tcp-conn.ts (libuv's TCP handle, without net.Socket's streams) for
 * plain TCP to an address, socket-conn.ts for anything else (TLS, a host
 * name, or a Node without the raw handle).
 */
export interface CheckConnHandlers {
  connect(): void;
  data(chunk: Buffer): void;
  /** The peer closed its side. */
  end(): void;
  /** Connect, read or write failed; a NodeJS.ErrnoException with `code`, as net.Socket gives. */
  error(err: Error): void;
}

export interface CheckConn {
  readonly state: 'connecting' | 'open' | 'closed';
  write(data: Buffer | string): void;
  /** Closes (a FIN once established). No handler is called after; a second call does nothing. */
  close(): void;
  /**
   * Closes with a reset (SO_LINGER 0) once established, as HAProxy closes its
   * connect checks: the side that closes first keeps a TIME_WAIT socket for a
   * minute, hundreds of thousands at thousands of checks a second, each
   * making later connect() calls slower (measured: CPU per 1000 TCP checks
   * 0.059 s with FIN, 0.051 with a reset, nginx's share 0.026 and 0.018).
   * HTTP checks close with a FIN: a reset there measured no gain (0.084 CPU
   * s per 1000 either way at 5,000 checks a second) and servers log resets.
   */
  reset(): void;
}
