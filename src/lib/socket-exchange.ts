import type net from 'node:net';
import { settleOnce } from './settle-once.js';
import type { Abortable } from './deadline.js';
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
  // Every event comes from the event loop, after settleOnce below has handed over its settle.
  let settle: (err: unknown, value?: T) => void = () => {};
  const conn = open({
    connect: () => conn.write(h.request()),
    data: (chunk) => {
      let answer: T | undefined;
      try {
        answer = h.data(chunk);
      } catch (err) {
        return settle(err);
      }
      if (answer !== undefined) settle(undefined, answer);
    },
    end: () => {
      try {
        settle(undefined, h.end());
      } catch (err) {
        settle(err);
      }
    },
    error: (err) => settle(err),
  });
  return settleOnce<T>(signal, () => conn.close(), (s) => {
    settle = s;
  });
}

/** `exchange` on a socket the caller opened (a unix socket, TLS, a client's own options). */
export function socketExchange<T>(socket: net.Socket, connectEvent: 'connect' | 'secureConnect', signal: Abortable, h: ExchangeHandlers<T>): Promise<T> {
  return exchange((handlers) => new SocketConn(socket, connectEvent, handlers), signal, h);
}
