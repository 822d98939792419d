import type net from 'node:net';
import { offAbort, onAbort, type Abortable } from './deadline.js';
import type { CheckConn, CheckConnHandlers } from './check-conn.js';
import { SocketConn } from './socket-conn.js';

/** What a protocol needs to say about a request/response over one connection. */
export interface ExchangeHandlers<T> {
  /** The bytes to send once connected (TLS: once the handshake is done). */
  request: () => Buffer | string;
  /** Feeds a chunk; returns the answer when complete, undefined for more. Throws on bad bytes. */
  data: (chunk: Buffer) => T | undefined;
  /** The peer closed: returns the answer or throws what was cut short. */
  end: () => T;
}

/**
 * One request and one response on a connection `open` makes, bound to the
 * probe's deadline: settles once, always closes the connection, never leaves
 * a listener on the signal.
 */
export function exchange<T>(open: (handlers: CheckConnHandlers) => CheckConn, signal: Abortable, h: ExchangeHandlers<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => new Exchange(h, signal, resolve, reject).start(open));
}

/**
 * One object per exchange, its connection handlers methods and the signal's
 * listener its one closure: built from closures (a handler object, a settle
 * and an abort function, their contexts) it allocated a kilobyte per HTTP
 * check, and what a probe allocates is what the young collector pays for.
 */
class Exchange<T> implements CheckConnHandlers {
  private settled = false;
  private conn: CheckConn | undefined;
  private readonly abortNow = () => this.settle(this.signal.reason ?? new Error('aborted'));

  constructor(
    private readonly h: ExchangeHandlers<T>,
    private readonly signal: Abortable,
    private readonly resolve: (value: T) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  /** Opens first, whatever the signal says: a socket the caller made (socketExchange) is closed by the settle, not left open. */
  start(open: (handlers: CheckConnHandlers) => CheckConn): void {
    this.conn = open(this);
    if (this.signal.aborted) return this.abortNow();
    onAbort(this.signal, this.abortNow);
  }

  private settle(err: unknown, value?: T): void {
    if (this.settled) return;
    this.settled = true;
    offAbort(this.signal, this.abortNow);
    this.conn?.close();
    if (err) this.reject(err);
    else this.resolve(value as T);
  }

  // Every event comes from the event loop, after start() has the connection.
  connect(): void {
    this.conn!.write(this.h.request());
  }

  data(chunk: Buffer): void {
    let answer: T | undefined;
    try {
      answer = this.h.data(chunk);
    } catch (err) {
      return this.settle(err);
    }
    if (answer !== undefined) this.settle(undefined, answer);
  }

  end(): void {
    try {
      this.settle(undefined, this.h.end());
    } catch (err) {
      this.settle(err);
    }
  }

  error(err: Error): void {
    this.settle(err);
  }
}

/** `exchange` on a socket the caller opened (a unix socket, TLS, a client's own options). */
export function socketExchange<T>(socket: net.Socket, connectEvent: 'connect' | 'secureConnect', signal: Abortable, h: ExchangeHandlers<T>): Promise<T> {
  return exchange((handlers) => new SocketConn(socket, connectEvent, handlers), signal, h);
}
