import type net from 'node:net';

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
export function socketExchange<T>(socket: net.Socket, connectEvent: 'connect' | 'secureConnect', signal: AbortSignal, h: ExchangeHandlers<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const onAbort = () => settle(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
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
  });
}
