import type net from 'node:net';
import { settleOnce } from './settle-once.js';
import type { Abortable } from './deadline.js';

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
 * One request and one response on a connection the caller opened, bound to
 * the probe's deadline: settles once, always destroys the socket, never
 * leaves a listener on the signal.
 */
export function socketExchange<T>(socket: net.Socket, connectEvent: 'connect' | 'secureConnect', signal: Abortable, h: ExchangeHandlers<T>): Promise<T> {
  return settleOnce<T>(signal, () => socket.destroy(), (settle, isSettled) => {
    socket.once(connectEvent, () => socket.write(h.request()));
    socket.on('data', (chunk: Buffer) => {
      let answer: T | undefined;
      try {
        answer = h.data(chunk);
      } catch (err) {
        return settle(err);
      }
      if (answer !== undefined) settle(undefined, answer);
    });
    socket.once('end', () => {
      try {
        settle(undefined, h.end());
      } catch (err) {
        settle(err);
      }
    });
    socket.once('error', (err) => settle(err));
    // Destroyed from outside (the caller gave up on it): over, whatever came. Every exchange ends with a
    // 'close', nearly always settled already: an Error (and its stack) per check was 3.6% of the CPU.
    socket.once('close', () => {
      if (!isSettled()) settle(new Error('connection closed'));
    });
  });
}
