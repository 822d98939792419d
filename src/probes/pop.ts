import { expectReply, mailboxSpec, runDialog, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';

export const popSpec = mailboxSpec;

const ok = (r: string) => r.startsWith('+OK');

/** POP3 (ldirectord check_pop): `+OK` greeting, optionally STLS and USER/PASS, then QUIT. */
export const popProbe = defineProbe({
  kind: 'pop',
  socks4: true,
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
