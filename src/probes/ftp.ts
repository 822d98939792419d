import net from 'node:net';
import { z } from 'zod';
import { expectReply, runDialog, tlsFields, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';
import { multilineReply, ProtocolError, replyCode, type LineSession } from './line-session.js';
import { compiled, regexField } from './regex-cache.js';
import { socketExchange } from '../lib/socket-exchange.js';
import type { ProbeTarget } from './types.js';

/** A file read for `expectRegex` is bounded like any reply. */
const MAX_FILE_BYTES = 64 * 1024;

export const ftpSpec = z
  .object({
    /** Log in with USER/PASS (ldirectord: login defaults to anonymous for FTP); false checks only the banner. */
    login: z.boolean().default(true),
    user: z.string().min(1).default('anonymous'),
    pass: z.string().default('rsguard@'),
    /** Upgrade with AUTH TLS (RFC 4217) before logging in (the control connection only). */
    starttls: z.boolean().default(false),
    /** Fetch this file in passive mode (ldirectord `request`)… */
    retrieve: z.string().min(1).optional(),
    /** …and its content must match (ldirectord `receive`). */
    expectRegex: regexField
      .optional(),
    ...tlsFields,
  })
  .strict()
  .refine((s) => s.retrieve !== undefined || s.expectRegex === undefined, { message: 'expectRegex needs retrieve (the file to read)', path: ['expectRegex'] });

/**
 * PASV's reply names an address and port; only the port is used, on the
 * control connection's host: a server (or a man in the middle) must not be
 * able to point the check at a third host.
 */
function passivePort(reply: string): number {
  const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(reply);
  if (!m) throw new ProtocolError(`PASV: no address in ${reply.trim().slice(0, 60)}`);
  const port = Number(m[5]) * 256 + Number(m[6]);
  if (port < 1 || port > 65535) throw new ProtocolError(`PASV: port ${port}`);
  return port;
}

async function retrieve(s: LineSession, target: ProbeTarget, file: string, signal: AbortSignal): Promise<string> {
  s.write('TYPE I');
  expectReply('TYPE', await s.read(multilineReply), (r) => replyCode(r) === 200);
  s.write('PASV');
  const port = passivePort(expectReply('PASV', await s.read(multilineReply), (r) => replyCode(r) === 227));
  const chunks: Buffer[] = [];
  let size = 0;
  // The data connection carries the file and closes: read it to its end, keeping the first MAX_FILE_BYTES.
  const data = net.connect({ host: target.host, port });
  const received = socketExchange(data, 'connect', signal, {
    request: () => '',
    data: (c) => {
      if (size < MAX_FILE_BYTES) chunks.push(c.subarray(0, MAX_FILE_BYTES - size));
      size += c.length;
      return undefined;
    },
    end: () => Buffer.concat(chunks).toString('latin1'),
  });
  received.catch(() => undefined);
  try {
    s.write(`RETR ${file}`);
    expectReply('RETR', await s.read(multilineReply), (r) => replyCode(r) === 150 || replyCode(r) === 125);
    const content = await received;
    expectReply('RETR', await s.read(multilineReply), (r) => replyCode(r) === 226 || replyCode(r) === 250);
    return content;
  } finally {
    // A RETR refused before the file came leaves the data connection open: close it now.
    data.destroy();
  }
}

/** FTP (ldirectord check_ftp): a 220 banner, USER/PASS ending in 230, optionally a file fetched and matched, then QUIT. */
export const ftpProbe = defineProbe({
  kind: 'ftp',
  spec: ftpSpec,
  run: (target, spec, ctx) =>
    runDialog(target, ctx, undefined, async (s) => {
      const banner = expectReply('banner', await s.read(multilineReply), (r) => replyCode(r) === 220);
      if (spec.starttls) {
        s.write('AUTH TLS');
        expectReply('AUTH TLS', await s.read(multilineReply), (r) => replyCode(r) === 234);
        await s.startTls(target, tlsOptions(spec));
      }
      if (spec.login) {
        s.write(`USER ${spec.user}`);
        const user = expectReply('USER', await s.read(multilineReply), (r) => replyCode(r) === 331 || replyCode(r) === 230);
        if (replyCode(user) === 331) {
          s.write(`PASS ${spec.pass}`);
          expectReply('PASS', await s.read(multilineReply), (r) => replyCode(r) === 230);
        }
      }
      let got = '';
      if (spec.retrieve !== undefined) {
        const content = await retrieve(s, target, spec.retrieve, ctx.signal);
        if (spec.expectRegex !== undefined && !compiled(spec.expectRegex).test(content)) throw new ProtocolError(`${spec.retrieve}: content does not match ${spec.expectRegex}`, 'body');
        got = `, ${spec.retrieve} read (${content.length} bytes)`;
      }
      s.write('QUIT');
      return `${banner.slice(0, 60).trim()}${spec.login ? ` (logged in as ${spec.user})` : ''}${got}`;
    }),
});
