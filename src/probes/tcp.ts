import { z } from 'zod';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { compiled, regexField } from './regex-cache.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';
import { connCheck, connectExchange } from './conn-check.js';
import { runSteps, stepsError, tcpStep, tcpTlsFields } from './tcp-steps.js';

/** Bytes read while waiting for `expect`; a banner longer than this is a failure, not a memory leak. */
const DEFAULT_MAX_BYTES = 16 * 1024;

export const tcpSpec = z
  .object({
    /** Sent after connecting (ldirectord simpletcp `request`, HAProxy `tcp-check send`). */
    send: z.string().optional(),
    /** The reply must contain this string. */
    expect: z.string().min(1).optional(),
    /** The reply must match this regex (HAProxy `tcp-check expect rstring`). */
    expectRegex: regexField
      .optional(),
    maxBytes: z.number().int().min(1).max(1024 * 1024).default(DEFAULT_MAX_BYTES),
    /**
     * A conversation instead of send/expect: connect (again, elsewhere, with
     * TLS), send text or bytes, expect strings, regexes or bytes (HAProxy's
     * tcp-check rules). Passes when every step does.
     */
    steps: z.array(tcpStep).min(1).optional(),
    ...tcpTlsFields,
  })
  .strict()
  .refine((s) => !(s.expect && s.expectRegex), { message: "set expect or expectRegex, not both", path: ["expectRegex"] })
  .refine((s) => !s.steps || (s.send === undefined && s.expect === undefined && s.expectRegex === undefined), { message: 'set steps or send/expect, not both', path: ['steps'] })
  .superRefine((s, ctx) => {
    const err = s.steps && stepsError(s.steps);
    if (err) ctx.addIssue({ code: 'custom', message: err, path: ['steps'] });
  });

export type TcpSpec = z.output<typeof tcpSpec>;

export const tcpProbe = defineProbe({
  kind: 'tcp',
  spec: tcpSpec,
  socks4: true,
  speaksTls: (spec) => Array.isArray(spec.steps) && spec.steps.some((s: { tls?: boolean }) => s.tls === true),
  run: (target, spec, ctx) => (spec.steps ? runSteps(target, { ...spec, steps: spec.steps }, ctx) : connectCheck(target, spec, ctx)),
});

function connectCheck(target: ProbeTarget, spec: TcpSpec, { deadline }: ProbeContext): Promise<ProbeResult> {
  const wantsReply = spec.expect !== undefined || spec.expectRegex !== undefined;
  if (!wantsReply && spec.send === undefined) return connCheck(target, deadline, connectExchange, true);
  let received = '';
  let receivedBytes = 0;
  return connCheck(target, deadline, (c) => ({
    timedOut: () => fail(c.startedAt, 'timeout', wantsReply && c.conn?.state === 'open' ? 'timed out waiting for reply' : 'timed out'),
    handlers: {
      connect: () => {
        if (spec.send !== undefined) c.conn!.write(spec.send);
        if (!wantsReply) c.finish(pass(c.startedAt, 'connected'));
      },
      data: (chunk) => {
        receivedBytes += chunk.length;
        received += chunk.toString('latin1');
        const matched = spec.expect !== undefined ? received.includes(spec.expect) : compiled(spec.expectRegex!).test(received);
        if (matched) return c.finish(pass(c.startedAt, `reply matched: ${snippet(received, 60)}`));
        if (receivedBytes >= spec.maxBytes) c.finish(fail(c.startedAt, 'body', `no match in first ${spec.maxBytes} bytes`));
      },
      end: () => c.finish(fail(c.startedAt, 'body', received ? `reply did not match: ${snippet(received, 60)}` : 'closed without reply')),
      error: (err) => c.finish(failure(c.startedAt, classifyError(err, deadline))),
    },
  }), spec.send !== undefined || !wantsReply);
}
