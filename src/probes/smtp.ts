import { z } from 'zod';
import { expectReply, ONE_TLS_MODE, oneTlsMode, runDialog, tlsModeFields, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';
import { multilineReply, ProtocolError, replyCode, type LineSession } from './line-session.js';

export const smtpSpec = z
  .object({
    /** Name sent with EHLO/HELO (keepalived helo_name; default: rsguard). */
    helo: z.string().min(1).default('rsguard'),
    /** keepalived's SMTP_CHECK says HELO, not EHLO. */
    greeting: z.enum(['EHLO', 'HELO']).default('EHLO'),
    ...tlsModeFields,
  })
  .strict()
  .refine(oneTlsMode, ONE_TLS_MODE);

async function hello(s: LineSession, greeting: 'EHLO' | 'HELO', name: string): Promise<string> {
  s.write(`${greeting} ${name}`);
  let reply = await s.read(multilineReply);
  // An old server that does not know EHLO gets HELO, as Net::SMTP (ldirectord) does.
  if (greeting === 'EHLO' && replyCode(reply) >= 500) {
    s.write(`HELO ${name}`);
    reply = await s.read(multilineReply);
  }
  return expectReply(greeting, reply, (r) => replyCode(r) === 250);
}

/**
 * SMTP as keepalived's SMTP_CHECK and ldirectord's check_smtp see it: a 220
 * banner, a 250 to EHLO (or HELO), optionally STARTTLS, then QUIT. A 4xx or
 * 5xx banner (a server refusing mail) is down.
 */
export const smtpProbe = defineProbe({
  kind: 'smtp',
  socks4: true,
  spec: smtpSpec,
  run: (target, spec, ctx) =>
    runDialog(target, ctx, spec.tls ? tlsOptions(spec) : undefined, async (s) => {
      const banner = expectReply('banner', await s.read(multilineReply), (r) => replyCode(r) === 220);
      const ehlo = await hello(s, spec.greeting, spec.helo);
      if (spec.starttls) {
        if (!/^250[- ]STARTTLS/im.test(ehlo)) throw new ProtocolError('STARTTLS not offered', 'body');
        s.write('STARTTLS');
        expectReply('STARTTLS', await s.read(multilineReply), (r) => replyCode(r) === 220);
        await s.startTls(target, tlsOptions(spec));
        await hello(s, 'EHLO', spec.helo);
      }
      s.write('QUIT');
      return `${banner.slice(0, 3)} ${banner.slice(4, 60).trim()}${spec.starttls ? ' (STARTTLS)' : ''}`;
    }),
});
