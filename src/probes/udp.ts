import dgram from 'node:dgram';
import net from 'node:net';
import { z } from 'zod';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass } from './outcome.js';
import type { ProbeResult } from './types.js';

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
  run: (target, spec, { signal, timeoutMs }) =>
    new Promise<ProbeResult>((resolve) => {
      const startedAt = performance.now();
      const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
      let settled = false;
      let silence: NodeJS.Timeout | undefined;
      const finish = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(silence);
        signal.removeEventListener('abort', onAbort);
        socket.close();
        resolve(r);
      };
      const onAbort = () => finish(spec.requireReply ? fail(startedAt, 'timeout', 'no reply') : pass(startedAt, 'no reply and no ICMP error'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err) => finish(failure(startedAt, classifyError(err, signal))));
      socket.on('message', (msg: Buffer) => {
        if (spec.requireReply === undefined || spec.requireReply === true) return finish(pass(startedAt, `reply of ${msg.length} bytes`));
        const want = Buffer.from(spec.requireReply, 'hex');
        if (msg.subarray(0, want.length).equals(want)) finish(pass(startedAt, `reply of ${msg.length} bytes matched`));
        else finish(fail(startedAt, 'body', `reply ${msg.subarray(0, 16).toString('hex')} does not start with ${spec.requireReply.slice(0, 32)}`));
      });
      socket.connect(target.port, target.host, () => {
        socket.send(Buffer.from(spec.payload, 'hex'), (err) => {
          if (err) return finish(failure(startedAt, classifyError(err, signal)));
          if (!spec.requireReply) silence = setTimeout(onAbort, Math.max(1, timeoutMs * SILENCE_MARGIN));
        });
      });
    }),
});
