import { z } from 'zod';
import { agentLine, parseAgentLine, type AgentReply } from './agent-reply.js';
import { connCheck } from './conn-check.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import type { FailureReason, ProbeContext, ProbeResult, ProbeTarget } from './types.js';

export const agentSpec = z
  .object({
    /**
     * Sent once connected (HAProxy agent-send), as it is: each character one
     * byte (U+0000-U+00FF, as haproxy.cfg's `\xHH` gives them); no line end is
     * added.
     */
    send: z.string().regex(/^[\u0000-\u00ff]*$/, 'one byte per character: U+0000 to U+00FF').optional(),
  })
  .strict();

export type AgentSpec = z.output<typeof agentSpec>;

/**
 * HAProxy's agent-check: connect to the agent, send `send`, read one line
 * and report what it asks (agent-reply.ts): up or down, a weight in percent,
 * an admin state. Whatever gives no line (agent not reached, closed, silent,
 * a line never ended) changes nothing: HAProxy counts it as no error, since
 * the regular check tests the service. A line without up/down changes no
 * health either. rsguard's own faults (no descriptors) stay check errors.
 */
export const agentProbe = defineProbe({
  kind: 'agent',
  spec: agentSpec,
  // HAProxy's agent connects through the server's SOCKS4 proxy with check-via-socks4 (tcpcheck_eval_connect's default connect).
  socks4: true,
  run: (target, spec, ctx) => agentCheck(target, spec, ctx),
});

function agentCheck(target: ProbeTarget, spec: AgentSpec, { deadline }: ProbeContext): Promise<ProbeResult> {
  let received: Buffer = Buffer.alloc(0);
  return connCheck(target, deadline, (c) => {
    const unchanged = (reason: FailureReason, detail: string): ProbeResult => ({ ...fail(c.startedAt, reason, `${detail}: no change`), neutral: true });
    return {
      timedOut: () => unchanged('timeout', c.conn?.state === 'open' ? "timed out waiting for the agent's line" : 'agent not reached in time'),
      handlers: {
        connect: () => {
          if (spec.send) c.conn!.write(Buffer.from(spec.send, 'latin1'));
        },
        data: (chunk) => {
          // The connections hand over chunks of their own (a copy each). Bounded: agentLine settles by 16 KiB.
          received = received.length ? Buffer.concat([received, chunk]) : chunk;
          const l = agentLine(received);
          if (l.state === 'line') c.finish(resultOf(parseAgentLine(l.line), c.startedAt));
          else if (l.state === 'never') c.finish(unchanged('protocol', `agent line ignored: ${l.why}`));
        },
        end: () => c.finish(unchanged('protocol', received.length ? `agent closed mid-line: ${snippet(received.toString('latin1'), 60)}` : 'agent closed without a line')),
        error: (err) => {
          const e = classifyError(err, deadline);
          c.finish(e.error ? failure(c.startedAt, e) : unchanged(e.reason, `agent not reached: ${e.detail}`));
        },
      },
    };
  }, Boolean(spec.send));
}

/** What the line asks, worded: what was said, and what of it rsguard does not take. */
export function resultOf(r: AgentReply, startedAt: number): ProbeResult {
  const notes: string[] = [];
  if (r.description) notes.push(`(${snippet(r.description, 80)})`);
  if (r.error !== undefined) notes.push(`unknown word "${snippet(r.error, 40)}" ignored`);
  if (r.warning) notes.push(`not taken: ${r.warning.replace(/\.$/, '')}`);
  if (r.maxconn !== undefined) notes.push(`maxconn:${r.maxconn} not applied (rsguard sets no connection limit)`);
  const said = `agent says ${r.line.trim() ? snippet(r.line, 80) : '(an empty line)'}`;
  const detail = [said, ...notes].join(', ');
  const health: ProbeResult =
    r.health === undefined ? { ...pass(startedAt, `${detail}: health unchanged`), neutral: true } : r.health === 'up' ? pass(startedAt, detail) : fail(startedAt, 'status', detail);
  if (r.admin) health.admin = r.admin;
  if (r.weightPercent !== undefined) {
    health.weightPercent = r.weightPercent;
    health.weightPercentAs = 'haproxy-agent';
  }
  return health;
}
