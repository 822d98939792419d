import { z } from 'zod';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass } from './outcome.js';
import type { ProbeResult } from './types.js';
import { udpExchange } from '../lib/udp-exchange.js';

const hex = z
  .string()
  .regex(/^([0-9a-fA-F]{2})*$/, 'expected hex bytes, like 0a1b2c')
  .transform((h) => h.toLowerCase());

export const udpSpec = z
  .object({
    /** The datagram sent, as hex (keepalived UDP_CHECK payload). Default: one zero byte. */
    payload: hex.default('00'),
    /** A reply is needed (true), or one starting with these bytes (keepalived require_reply); without it, silence counts as up. */
    requireReply: z.union([z.literal(true), hex]).optional(),
  })
  .strict();

/** Waiting for a reply or an ICMP error ends this long before the deadline, so "silence" can still be reported. */
const SILENCE_MARGIN = 0.8;

/**
 * keepalived's UDP_CHECK: a datagram to the real server on a connected
 * socket, so an ICMP port unreachable comes back as ECONNREFUSED (down).
 * With requireReply, only a reply starting with those bytes is up; without,
 * any reply or silence until the deadline is up, as in keepalived.
 */
export const udpProbe = defineProbe({
  kind: 'udp',
  spec: udpSpec,
  run: async (target, spec, { signal, timeoutMs }): Promise<ProbeResult> => {
    const startedAt = performance.now();
    const want = typeof spec.requireReply === 'string' ? Buffer.from(spec.requireReply, 'hex') : undefined;
    // Without requireReply, silence is an answer: stop listening a little before the deadline to say so.
    const wait = spec.requireReply === undefined ? AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, timeoutMs * SILENCE_MARGIN))]) : signal;
    try {
      return await udpExchange(target.host, target.port, () => Buffer.from(spec.payload, 'hex'), wait, (msg) => {
        if (!want) return pass(startedAt, `reply of ${msg.length} bytes`);
        if (msg.subarray(0, want.length).equals(want)) return pass(startedAt, `reply of ${msg.length} bytes matched`);
        return fail(startedAt, 'body', `reply ${msg.subarray(0, 16).toString('hex')} does not start with ${spec.requireReply!.toString().slice(0, 32)}`);
      });
    } catch (err) {
      if (wait.aborted) return spec.requireReply === undefined ? pass(startedAt, 'no reply and no ICMP error') : fail(startedAt, 'timeout', 'no reply');
      return failure(startedAt, classifyError(err, signal));
    }
  },
});
