import net from 'node:net';
import type tls from 'node:tls';
import { offAbort, onAbort, type Abortable } from './deadline.js';
import { socks4Socket, type Socks4Via } from './socks4.js';

/** Where a TLS client runs: over the SOCKS4 tunnel, or straight to the address. */
export type TlsBase = { socket: net.Socket } | { host: string; port: number };

/**
 * The socket of a check's conversation (LineSession, tcp-check steps),
 * connected: through the SOCKS4 proxy when `via` is given, TLS on top when
 * `tls` makes the client (implicit TLS over the tunnel too). Resolves once
 * connected (with TLS, once secure); a tunnel without TLS comes paused, with
 * what the server sent behind the grant put back: resume it once listening.
 * Rejects on error or at the signal, the socket (or tunnel) destroyed: a
 * connect cut short must not leave the SYN retrying for two minutes.
 */
export async function connectedSocket(via: Socks4Via | undefined, host: string, port: number, signal: Abortable, tls?: (base: TlsBase) => tls.TLSSocket): Promise<net.Socket> {
  const tunnel = via ? await socks4Socket(via, host, port, signal) : undefined;
  let socket: net.Socket;
  try {
    socket = tls ? tls(tunnel ? { socket: tunnel } : { host, port }) : (tunnel ?? net.connect({ host, port }));
  } catch (err) {
    // The TLS client could not be set up (a CA file unreadable, say): the tunnel goes with it.
    tunnel?.destroy();
    throw err;
  }
  socket.setNoDelay(true);
  // Through the proxy without TLS the tunnel is open already.
  if (tunnel && !tls) return socket;
  const event = tls ? 'secureConnect' : 'connect';
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      offAbort(signal, abort);
      socket.off(event, connected);
      socket.off('error', done);
      if (!err) return resolve();
      socket.destroy();
      reject(err);
    };
    const abort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const connected = () => done();
    if (signal.aborted) return abort();
    onAbort(signal, abort);
    socket.once(event, connected);
    socket.once('error', done);
  });
  return socket;
}
