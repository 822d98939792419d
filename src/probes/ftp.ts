import { z } from 'zod';
import { expectReply, runDialog, tlsFields, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';
import { multilineReply, replyCode } from './line-session.js';

export const ftpSpec = z
  .object({
    /** Log in with USER/PASS (ldirectord: login defaults to anonymous for FTP); false checks only the banner. */
    login: z.boolean().default(true),
    user: z.string().min(1).default('anonymous'),
    pass: z.string().default('rsguard@'),
    /** Upgrade with AUTH TLS (RFC 4217) before logging in. */
    starttls: z.boolean().default(false),
    ...tlsFields,
  })
  .strict();

/** FTP (ldirectord check_ftp): a 220 banner, USER/PASS ending in 230, then QUIT. */
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
      s.write('QUIT');
      return `${banner.slice(0, 60).trim()}${spec.login ? ` (logged in as ${spec.user})` : ''}`;
    }),
});
