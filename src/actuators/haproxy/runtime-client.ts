import net from 'node:net';
import { BalancerUnavailable } from '../actuator.js';

/** Replies larger than this are a broken or hostile peer (show stat on a huge config stays far below). */
const MAX_REPLY = 16 * 1024 * 1024;

/**
 * HAProxy's runtime API in non-interactive mode: connect, write one line
 * (commands chained with `;`), read until HAProxy closes. Not every error
 * reply ends with an empty line, so the end of the connection is the only
 * reliable end of a reply.
 */
export class RuntimeClient {
  constructor(private readonly address: string, private readonly timeoutMs: number) {}

  private connectOptions(): net.NetConnectOpts {
    if (this.address.startsWith('/')) return { path: this.address };
    const colon = this.address.lastIndexOf(':');
    const host = this.address.slice(0, colon).replace(/^\[|\]$/g, '');
    return { host, port: Number(this.address.slice(colon + 1)) };
  }

  send(command: string): Promise<string> {
    if (/[\r\n]/.test(command)) return Promise.reject(new Error('a runtime API command must be one line'));
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.connectOptions());
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const done = (err: Error | null, text?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(text!);
      };
      const timer = setTimeout(() => done(new BalancerUnavailable(`HAProxy runtime API ${this.address}: no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
      socket.once('connect', () => socket.write(`${command}\n`));
      socket.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_REPLY) return done(new BalancerUnavailable(`HAProxy runtime API ${this.address}: reply larger than ${MAX_REPLY} bytes`));
        chunks.push(d);
      });
      socket.once('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      socket.once('error', (err: NodeJS.ErrnoException) => done(new BalancerUnavailable(`HAProxy runtime API ${this.address}: ${err.code ?? err.message}`)));
    });
  }
}
