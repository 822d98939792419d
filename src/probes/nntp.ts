import { z } from 'zod';
import { expectReply, runDialog, tlsFields, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';

export const nntpSpec = z
  .object({
    /** NNTPS: TLS from the first byte (port 563). */
    tls: z.boolean().default(false),
    ...tlsFields,
  })
  .strict();

/** NNTP (ldirectord check_nntp): a 200 or 201 greeting (posting allowed or not), then QUIT. */
export const nntpProbe = defineProbe({
  kind: 'nntp',
  socks4: true,
  spec: nntpSpec,
  run: (target, spec, ctx) =>
    runDialog(target, ctx, spec.tls ? tlsOptions(spec) : undefined, async (s) => {
      const greeting = expectReply('greeting', await s.readLine(), (r) => /^20[01]\b/.test(r));
      s.write('QUIT');
      return greeting.slice(0, 60);
    }),
});
