import { z } from 'zod';
import { expectReply, runDialog, tlsFields, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';

export const popSpec = z
  .object({
    /** POP3S: TLS from the first byte (port 995, ldirectord pops). */
    tls: z.boolean().default(false),
    /** Upgrade with STLS (RFC 2595) before logging in. */
    starttls: z.boolean().default(false),
    /** Log in with USER/PASS; without a user only the greeting is checked (ldirectord's default). */
    user: z.string().min(1).optional(),
    pass: z.string().default(''),
    ...tlsFields,
  })
  .strict()
  .refine((s) => !(s.tls && s.starttls), { message: 'set tls or starttls, not both', path: ['starttls'] });

const ok = (r: string) => r.startsWith('+OK');

/** POP3 (ldirectord check_pop): `+OK` greeting, optionally STLS and USER/PASS, then QUIT. */
export const popProbe = defineProbe({
  kind: 'pop',
  spec: popSpec,
  run: (target, spec, ctx) =>
    runDialog(target, ctx, spec.tls ? tlsOptions(spec) : undefined, async (s) => {
      const greeting = expectReply('greeting', await s.readLine(), ok);
      if (spec.starttls) {
        s.write('STLS');
        expectReply('STLS', await s.readLine(), ok);
        await s.startTls(target, tlsOptions(spec));
      }
      if (spec.user !== undefined) {
        s.write(`USER ${spec.user}`);
        expectReply('USER', await s.readLine(), ok);
        s.write(`PASS ${spec.pass}`);
        expectReply('PASS', await s.readLine(), ok);
      }
      s.write('QUIT');
      return `${greeting.slice(0, 60)}${spec.user !== undefined ? ' (logged in)' : ''}`;
    }),
});
