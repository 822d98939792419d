import net from 'node:net';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { decodeReply, DNS_TYPES, DnsFormatError, encodeQuery, type DnsReply, type DnsType } from './dns-message.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { socketExchange } from '../lib/socket-exchange.js';
import { udpExchange } from '../lib/udp-exchange.js';
import { compiled, regexField } from './regex-cache.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

export const dnsSpec = z
  .object({
    /** The name asked for (keepalived DNS_CHECK name, default the root; ldirectord request). */
    query: z.string().min(1).max(253).default('.'),
    type: z.enum(Object.keys(DNS_TYPES) as [DnsType, ...DnsType[]]).default('SOA'),
    transport: z.enum(['udp', 'tcp']).default('udp'),
    /** Ask for recursion (a resolver); off for an authoritative server. */
    recursion: z.boolean().default(false),
    /** Some answer must be exactly this (ldirectord receive: an address); without it, NOERROR is enough, as in keepalived. */
    expectAnswer: z.string().min(1).optional(),
    /** Some A or PTR answer must match (ldirectord's check_dns `receive`). */
    expectAnswerRegex: regexField
      .optional(),
  })
  .strict();

type DnsSpec = z.output<typeof dnsSpec>;

function askUdp(target: ProbeTarget, query: Buffer, id: number, signal: AbortSignal): Promise<DnsReply> {
  // A datagram with another id is not ours (spoofed or late): keep waiting, as resolvers do.
  return udpExchange(target.host, target.port, () => query, signal, (msg) => {
    const r = decodeReply(msg);
    return r.id === id ? r : undefined;
  });
}

function askTcp(target: ProbeTarget, query: Buffer, signal: AbortSignal): Promise<DnsReply> {
  let buf = Buffer.alloc(0);
  const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  return socketExchange(net.connect({ host: target.host, port: target.port }), 'connect', signal, {
    request: () => framed,
    data: (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 65_537) throw new DnsFormatError('reply longer than a DNS message can be');
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return undefined;
      return decodeReply(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    },
    end: () => {
      throw new DnsFormatError('connection closed before a whole reply');
    },
  });
}

async function runDns(target: ProbeTarget, spec: DnsSpec, { signal }: ProbeContext): Promise<ProbeResult> {
  const startedAt = performance.now();
  const id = randomInt(0, 0x10000);
  try {
    const query = encodeQuery(id, spec.query, spec.type, spec.recursion);
    const reply = spec.transport === 'tcp' ? await askTcp(target, query, signal) : await askUdp(target, query, id, signal);
    if (reply.id !== id) return fail(startedAt, 'protocol', 'reply id does not match the query');
    if (reply.rcode !== 'NOERROR') return fail(startedAt, 'status', `${spec.query} ${spec.type}: ${reply.rcode}`);
    const shown = reply.answers.slice(0, 3).map((a) => `${a.type} ${a.data}`).join(', ') || 'no answer records';
    if (spec.expectAnswer !== undefined && !reply.answers.some((a) => a.data === spec.expectAnswer || a.data === `${spec.expectAnswer}.`)) {
      return fail(startedAt, 'body', `${spec.query} ${spec.type}: ${snippet(shown, 80)}, not ${spec.expectAnswer}`);
    }
    if (spec.expectAnswerRegex !== undefined && !reply.answers.some((a) => (a.type === 'A' || a.type === 'PTR' || a.type === 'AAAA') && compiled(spec.expectAnswerRegex!).test(a.data))) {
      return fail(startedAt, 'body', `${spec.query} ${spec.type}: ${snippet(shown, 80)}, none matches ${spec.expectAnswerRegex}`);
    }
    return pass(startedAt, `${spec.query} ${spec.type} NOERROR: ${snippet(shown, 80)}`);
  } catch (err) {
    if (err instanceof DnsFormatError && !signal.aborted) return fail(startedAt, 'protocol', err.message);
    return failure(startedAt, classifyError(err, signal));
  }
}

/** keepalived's DNS_CHECK and ldirectord's check_dns: one question to the real server, NOERROR (and the expected answer) is up. */
export const dnsProbe = defineProbe({ kind: 'dns', spec: dnsSpec, run: runDns });
