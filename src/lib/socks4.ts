import net from 'node:net';
import type tls from 'node:tls';
import type { CheckConn, CheckConnHandlers } from './check-conn.js';
import { offAbort, onAbort, type Abortable } from './deadline.js';
import { SocketConn } from './socket-conn.js';

/**
 * Checks through a SOCKS4 proxy (HAProxy's `socks4 ADDR:PORT` with
 * `check-via-socks4`, `tcp-check connect via-socks4`): connect to the proxy,
 * send the CONNECT request, read its 8-byte reply, and only then is the
 * connection the check's (connection.c conn_send_socks4_proxy_request and
 * conn_recv_socks4_proxy_response). SOCKS4 carries IPv4 destinations only.
 */
export interface Socks4Via {
  host: string;
  port: number;
  /** The USERID field; HAProxy sends "HAProxy". */
  userId: string;
}

/** What the proxy said or did instead of granting: the check fails (HAProxy marks the server down, L4CON), with this as its detail. */
export class Socks4Failure extends Error {
  override name = 'Socks4Failure';
  constructor(
    message: string,
    readonly reason: 'refused' | 'protocol' | 'unreachable' | 'timeout',
  ) {
    super(message);
  }
}

const REPLY_BYTES = 8;
const GRANTED = 0x5a;
/** RFC-less but universal SOCKS4 reply codes (the protocol's own text). */
const REPLY_TEXT: Record<number, string> = {
  0x5b: 'request rejected or failed',
  0x5c: 'rejected: the proxy cannot reach identd on the client',
  0x5d: 'rejected: identd and the client report different user ids',
};

/** VN 4, CD 1 (CONNECT), DSTPORT, DSTIP, USERID, NUL. Throws for a destination SOCKS4 cannot carry (the config loader refuses those first). */
export function socks4Request(host: string, port: number, userId: string): Buffer {
  if (net.isIPv4(host) === false) throw new Error(`SOCKS4 carries IPv4 destinations only, not ${host}`);
  const head = Buffer.alloc(8);
  head[0] = 0x04;
  head[1] = 0x01;
  head.writeUInt16BE(port, 2);
  host.split('.').forEach((o, i) => (head[4 + i] = Number(o)));
  return Buffer.concat([head, Buffer.from(userId, 'latin1'), Buffer.from([0])]);
}

/** undefined when granted (CD 0x5A, as HAProxy reads it: the version byte is not looked at), else why not. */
export function socks4Refusal(reply: Buffer, via: string, dest: string): Socks4Failure | undefined {
  const cd = reply[1]!;
  if (cd === GRANTED) return undefined;
  return new Socks4Failure(`SOCKS4 proxy ${via} did not connect to ${dest}: ${REPLY_TEXT[cd] ?? `reply code 0x${cd.toString(16).padStart(2, '0')}`}`, 'refused');
}

/** A failure on the way to the proxy or while it answers, worded for the proxy, not the server. */
function proxyFault(err: Error & { code?: string }, via: string): Socks4Failure {
  if (err instanceof Socks4Failure) return err;
  const code = err.code ?? '';
  const reason = code === 'ECONNREFUSED' ? 'refused' : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'unreachable' : 'protocol';
  return new Socks4Failure(`SOCKS4 proxy ${via}: ${code === 'ECONNREFUSED' ? 'connection refused' : err.message}`, reason);
}

/**
 * Runs the handshake on a fresh socket to the proxy; resolves once granted,
 * with the socket paused and anything the server sent right behind the reply
 * put back in front of it (a banner can share the reply's segment), so the
 * caller attaches its listeners and then resumes it.
 */
function handshake(socket: net.Socket, via: Socks4Via, host: string, port: number): Promise<void> {
  const name = `${via.host}:${via.port}`;
  const dest = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const done = (err?: Error) => {
      socket.off('connect', onConnect);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = () => {
      try {
        socket.write(socks4Request(host, port, via.userId));
      } catch (err) {
        done(err as Error);
      }
    };
    const onData = (chunk: Buffer) => {
      got = got.length ? Buffer.concat([got, chunk]) : Buffer.from(chunk);
      if (got.length < REPLY_BYTES) return;
      socket.pause();
      const refusal = socks4Refusal(got, name, dest);
      if (refusal) return done(refusal);
      if (got.length > REPLY_BYTES) socket.unshift(got.subarray(REPLY_BYTES));
      done();
    };
    const onError = (err: Error) => done(proxyFault(err, name));
    const onEnd = () => done(new Socks4Failure(`SOCKS4 proxy ${name} closed the connection before its reply${got.length ? ` (${got.length} of 8 bytes)` : ''}`, 'protocol'));
    socket.once('connect', onConnect);
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/**
 * A socket through the proxy to host:port, granted and paused (resume it
 * after attaching listeners); rejected with a Socks4Failure, or at the signal.
 */
export async function socks4Socket(via: Socks4Via, host: string, port: number, signal: Abortable): Promise<net.Socket> {
  const socket = net.connect({ host: via.host, port: via.port });
  socket.setNoDelay(true);
  let aborted = false;
  const abort = () => {
    aborted = true;
    socket.destroy();
  };
  if (signal.aborted) abort();
  onAbort(signal, abort);
  try {
    await handshake(socket, via, host, port);
    return socket;
  } catch (err) {
    socket.destroy();
    // Cut by the deadline: the caller words it as the timeout it is.
    throw aborted ? (signal.reason instanceof Error ? signal.reason : new Error('aborted')) : err;
  } finally {
    offAbort(signal, abort);
  }
}

/**
 * A CheckConn through the proxy: `connect` is called once the proxy has
 * granted (and, with `upgrade`, once TLS is up over the tunnel), so the
 * probe's exchange starts where it would on a direct connection.
 */
export class Socks4Conn implements CheckConn {
  private inner: CheckConn | undefined;
  private closed = false;
  private readonly socket: net.Socket;

  constructor(via: Socks4Via, host: string, port: number, handlers: CheckConnHandlers, upgrade?: (tunnel: net.Socket) => tls.TLSSocket) {
    this.socket = net.connect({ host: via.host, port: via.port });
    this.socket.setNoDelay(true);
    handshake(this.socket, via, host, port).then(
      () => {
        if (this.closed) return;
        if (upgrade) {
          try {
            this.inner = new SocketConn(upgrade(this.socket), 'secureConnect', handlers);
          } catch (err) {
            // The TLS client could not be set up (a LocalFault: a check error, not the server's).
            this.closed = true;
            this.socket.destroy();
            handlers.error(err as Error);
          }
          return;
        }
        const conn = new SocketConn(this.socket, 'connected', handlers);
        this.inner = conn;
        this.socket.resume();
        handlers.connect();
      },
      (err: Error) => {
        if (this.closed) return;
        this.closed = true;
        this.socket.destroy();
        handlers.error(err);
      },
    );
  }

  get state(): 'connecting' | 'open' | 'closed' {
    if (this.inner) return this.inner.state;
    return this.closed ? 'closed' : 'connecting';
  }

  write(data: Buffer | string): void {
    this.inner?.write(data);
  }

  close(): void {
    this.closed = true;
    if (this.inner) this.inner.close();
    else this.socket.destroy();
  }

  reset(): void {
    this.closed = true;
    if (this.inner) this.inner.reset();
    else this.socket.destroy();
  }
}
