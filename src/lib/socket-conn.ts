import net from 'node:net';
import type { CheckConn, CheckConnHandlers } from './check-conn.js';
import { RawTcpConn, rawTcpAvailable, READ_BUFFER } from './raw-tcp-conn.js';

/** A net.Socket (or TLS socket) as a CheckConn: for TLS, host names, and a Node without raw handles. */
export class SocketConn implements CheckConn {
  state: 'connecting' | 'open' | 'closed' = 'connecting';

  /** `connected`: the socket is open already (a SOCKS4 tunnel, socks4.ts), and whoever made it calls `connect`. */
  constructor(
    private readonly socket: net.Socket,
    connectEvent: 'connect' | 'secureConnect' | 'connected',
    handlers: CheckConnHandlers,
  ) {
    if (connectEvent === 'connected') this.state = 'open';
    else
      socket.once(connectEvent, () => {
        if (this.state !== 'connecting') return;
        this.state = 'open';
        handlers.connect();
      });
    socket.on('data', (chunk: Buffer) => {
      if (this.state === 'open') handlers.data(chunk);
    });
    let peerEnded = false;
    socket.once('end', () => {
      peerEnded = true;
      if (this.state === 'open') handlers.end();
    });
    socket.once('error', (err) => {
      if (this.state === 'closed') return;
      this.state = 'closed';
      handlers.error(err);
    });
    // Destroyed from outside, not by close(): the exchange is over, whatever came. (After the peer's
    // end, net closes the socket by itself: that was already reported as the end.)
    socket.once('close', () => {
      if (this.state === 'closed' || peerEnded) return;
      this.state = 'closed';
      handlers.error(new Error('connection closed'));
    });
  }

  write(data: Buffer | string): void {
    if (this.state === 'open') this.socket.write(data);
  }

  close(): void {
    this.state = 'closed';
    this.socket.destroy();
  }

  reset(): void {
    const established = this.state === 'open' && !this.socket.destroyed && !this.socket.connecting;
    this.state = 'closed';
    // A TLS socket has no reset of its own (its TCP socket is underneath): only a plain TCP one is reset.
    if (established && !(this.socket as { encrypted?: boolean }).encrypted) this.socket.resetAndDestroy();
    else this.socket.destroy();
  }
}

/**
 * A plain TCP check connection to host:port: on the raw handle when it can be
 * (an IP address, and a Node that has it), else through net.Socket, which
 * also resolves a name. `sendsFirst`: the check writes before it reads, or
 * only connects (RawTcpConn: its handshake ACK may wait).
 */
export function openCheckConn(host: string, port: number, handlers: CheckConnHandlers, sendsFirst = false): CheckConn {
  const family = rawTcpAvailable ? net.isIP(host) : 0;
  if (family === 4 || family === 6) return new RawTcpConn(host, port, family, handlers, sendsFirst);
  return openPlainSocket(host, port, handlers);
}

/** The net.Socket path of openCheckConn, reading into the shared buffer as the raw path does. */
export function openPlainSocket(host: string, port: number, handlers: CheckConnHandlers): CheckConn {
  const socket: net.Socket = net.connect({
    host,
    port,
    // With `onread`, net gives no 'data' events: emitted here, each chunk copied out of the shared buffer.
    onread: { buffer: READ_BUFFER, callback: (bytes: number, buf: Uint8Array) => socket.emit('data', Buffer.from(buf.subarray(0, bytes))) || true },
  });
  return new SocketConn(socket, 'connect', handlers);
}
