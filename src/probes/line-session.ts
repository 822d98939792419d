import net from 'node:net';
import tls from 'node:tls';
import { connectedSocket } from '../lib/check-socket.js';
import { connectTls } from './tls-fields.js';
import type { ProbeTarget } from './types.js';

/** A reply larger than this is a hostile or broken server, not a greeting. */
const MAX_REPLY_BYTES = 16 * 1024;

/** The server said something the protocol does not allow, or not what the check expects. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    /** `body`: a well-formed answer that was not the expected one (bad login, wrong row); `protocol`: not the protocol at all. */
    readonly reason: 'protocol' | 'body' = 'protocol',
  ) {
    super(message);
  }
}

export interface TlsOptions {
  servername?: string;
  verify: boolean;
  ca?: string;
  /** Client certificate, key, its passphrase, CRL (PEM contents), as tlsFiles gives them. */
  cert?: string;
  key?: string;
  passphrase?: string;
  crl?: string;
}

/**
 * A line-based conversation (SMTP, POP3, IMAP, FTP, NNTP) as a script of
 * awaits: each read is bounded in bytes and every step is bound to the probe's
 * deadline through the signal, so a server that trickles or never answers
 * cannot hold the check past its timeout. Always `close()` it.
 */
export class LineSession {
  private buf = '';
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private ended = false;

  private constructor(
    private socket: net.Socket,
    private readonly signal: AbortSignal,
  ) {
    this.attach(socket);
  }

  static async open(target: ProbeTarget, signal: AbortSignal, implicitTls?: TlsOptions): Promise<LineSession> {
    // Through a SOCKS4 proxy the session (and its TLS, implicit or STARTTLS) runs over the granted tunnel.
    const socket = await connectedSocket(target.socks4, target.host, target.port, signal, implicitTls ? (base) => connectTls({ ...base, ...tlsConnectOptions(target, implicitTls) }) : undefined);
    const session = new LineSession(socket, signal);
    // A tunnel comes paused; the greeting may have come behind the grant, and flows now that the session listens.
    socket.resume();
    return session;
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buf += chunk.toString('latin1');
      this.wake();
    });
    socket.once('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.once('error', (err) => {
      this.failure = err;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves on the socket event, rejects on error or at the deadline. */
  private until(event: 'connect' | 'secureConnect'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(this.signal.reason ?? new Error('aborted'));
      if (this.signal.aborted) return onAbort();
      this.signal.addEventListener('abort', onAbort, { once: true });
      const done = (err?: Error) => {
        this.signal.removeEventListener('abort', onAbort);
        this.socket.off(event, onEvent);
        this.socket.off('error', done);
        if (err) reject(err);
        else resolve();
      };
      const onEvent = () => done();
      this.socket.once(event, onEvent);
      this.socket.once('error', done);
    });
  }

  /**
   * Reads until `complete` finds a whole reply at the start of the buffer and
   * returns it (consumed); `complete` returns the reply's length or -1.
   */
  async read(complete: (buf: string) => number): Promise<string> {
    for (;;) {
      const n = complete(this.buf);
      if (n >= 0) {
        const reply = this.buf.slice(0, n);
        this.buf = this.buf.slice(n);
        return reply;
      }
      if (this.buf.length > MAX_REPLY_BYTES) throw new ProtocolError(`reply longer than ${MAX_REPLY_BYTES} bytes`);
      if (this.failure) throw this.failure;
      if (this.ended) throw new ProtocolError(this.buf ? `connection closed mid-reply: ${this.buf.slice(0, 60)}` : 'connection closed without a reply');
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(this.signal.reason ?? new Error('aborted'));
        if (this.signal.aborted) return onAbort();
        this.signal.addEventListener('abort', onAbort, { once: true });
        this.waiter = () => {
          this.signal.removeEventListener('abort', onAbort);
          resolve();
        };
      });
    }
  }

  /** One CRLF-terminated line. */
  readLine(): Promise<string> {
    return this.read((b) => {
      const i = b.indexOf('\n');
      return i < 0 ? -1 : i + 1;
    }).then((l) => l.replace(/\r?\n$/, ''));
  }

  write(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Upgrades the connection in place (STARTTLS, STLS, AUTH TLS); what was buffered in clear is dropped, as RFC 3207 requires. */
  async startTls(target: ProbeTarget, opts: TlsOptions): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('error');
    this.buf = '';
    const secure = connectTls({ socket: this.socket, ...tlsConnectOptions(target, opts) });
    this.socket = secure;
    this.attach(secure);
    await this.until('secureConnect');
  }

  close(): void {
    this.socket.destroy();
  }
}

function tlsConnectOptions(target: ProbeTarget, o: TlsOptions): tls.ConnectionOptions {
  const servername = o.servername ?? (net.isIP(target.host) ? undefined : target.host);
  const { cert, key, passphrase, crl } = o;
  return { rejectUnauthorized: o.verify, ...(servername ? { servername } : {}), ...(o.ca ? { ca: o.ca } : {}), ...(cert ? { cert, key, ...(passphrase !== undefined ? { passphrase } : {}) } : {}), ...(crl ? { crl } : {}) };
}

/** An SMTP/FTP reply: `250-first`, `250-more`, `250 last`: complete at the line whose fourth character is a space. */
export function multilineReply(buf: string): number {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf('\n', start);
    if (nl < 0) return -1;
    const line = buf.slice(start, nl);
    if (!/^\d{3}/.test(line)) throw new ProtocolError(`not a reply line: ${line.slice(0, 60)}`);
    if (line[3] !== '-') return nl + 1;
    start = nl + 1;
  }
}

export function replyCode(reply: string): number {
  return Number(reply.slice(0, 3));
}
