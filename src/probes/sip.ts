import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { z } from 'zod';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { socketExchange } from '../lib/socket-exchange.js';
import { udpExchange } from '../lib/udp-exchange.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

export const sipSpec = z
  .object({
    transport: z.enum(['udp', 'tcp']).default('udp'),
    /** The request URI's user@host (ldirectord `login`, default ldirectord@hostname). */
    uri: z.string().min(1).regex(/^[^\s<>]+$/, 'no spaces or angle brackets').default('rsguard@localhost'),
    /** ldirectord wants `SIP/2.0 200 OK`; some servers answer OPTIONS with another final status. */
    expectStatus: z.array(z.number().int().min(200).max(699)).min(1).default([200]),
  })
  .strict();

type SipSpec = z.output<typeof sipSpec>;
const MAX_REPLY = 8192;

function options(spec: SipSpec, local: string, transport: string): string {
  const tag = randomBytes(4).toString('hex');
  return [
    `OPTIONS sip:${spec.uri} SIP/2.0`,
    `Via: SIP/2.0/${transport.toUpperCase()} ${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70',
    `To: <sip:${spec.uri}>`,
    `From: <sip:${spec.uri}>;tag=${tag}`,
    `Call-ID: ${randomBytes(8).toString('hex')}@rsguard`,
    'CSeq: 1 OPTIONS',
    `Contact: <sip:${spec.uri}>`,
    'Accept: application/sdp',
    'User-Agent: rsguard',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The status code of a final response, undefined for a provisional (1xx) one; throws on what is not SIP. */
function finalStatus(text: string): number | undefined {
  const m = /^SIP\/2\.0 (\d{3})[^\r\n]*/.exec(text);
  if (!m) throw new SipError(`not a SIP response: ${snippet(text.split('\r\n')[0] ?? '', 60)}`);
  const code = Number(m[1]);
  return code >= 200 ? code : undefined;
}

class SipError extends Error {
  override name = 'SipError';
}

function overUdp(target: ProbeTarget, spec: SipSpec, signal: AbortSignal): Promise<{ status: number; line: string }> {
  const request = (a: { address: string; port: number; family: string }) => options(spec, `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`, 'udp');
  return udpExchange(target.host, target.port, request, signal, (msg) => {
    const text = msg.toString('latin1', 0, Math.min(msg.length, MAX_REPLY));
    const status = finalStatus(text);
    return status === undefined ? undefined : { status, line: text.split('\r\n')[0]! };
  });
}

function overTcp(target: ProbeTarget, spec: SipSpec, signal: AbortSignal): Promise<{ status: number; line: string }> {
  const socket = net.connect({ host: target.host, port: target.port });
  let buf = '';
  return socketExchange(socket, 'connect', signal, {
    request: () => options(spec, `${socket.localAddress ?? '0.0.0.0'}:${socket.localPort ?? 0}`, 'tcp'),
    data: (chunk) => {
      buf += chunk.toString('latin1');
      if (buf.length > MAX_REPLY) throw new SipError(`response longer than ${MAX_REPLY} bytes`);
      // Responses end their headers with an empty line; provisional ones are skipped.
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const status = finalStatus(head);
        if (status !== undefined) return { status, line: head.split('\r\n')[0]! };
      }
      return undefined;
    },
    end: () => {
      throw new SipError('connection closed without a final response');
    },
  });
}

async function runSip(target: ProbeTarget, spec: SipSpec, { signal }: ProbeContext): Promise<ProbeResult> {
  const startedAt = performance.now();
  try {
    const { status, line } = spec.transport === 'tcp' ? await overTcp(target, spec, signal) : await overUdp(target, spec, signal);
    if (!spec.expectStatus.includes(status)) return fail(startedAt, 'status', snippet(line, 80));
    return pass(startedAt, snippet(line, 80));
  } catch (err) {
    if (err instanceof SipError && !signal.aborted) return fail(startedAt, 'protocol', err.message);
    return failure(startedAt, classifyError(err, signal));
  }
}

/** ldirectord's check_sip: OPTIONS to the real server over the virtual service's protocol; `SIP/2.0 200 OK` is up. */
export const sipProbe = defineProbe({ kind: 'sip', spec: sipSpec, run: runSip });
