import { expectReply, mailboxSpec, runDialog, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';
import type { LineSession } from './line-session.js';

export const imapSpec = mailboxSpec;

/** Reads untagged lines until the tagged completion of `tag`, which it returns. */
async function tagged(s: LineSession, tag: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const line = await s.readLine();
    if (line.startsWith(`${tag} `)) return line;
  }
  return expectReply(tag, 'no tagged reply in 100 lines', () => false, 'protocol');
}

/** A quoted IMAP string: user names and passwords may hold spaces. */
const quote = (v: string) => `"${v.replace(/[\\"]/g, '\\$&')}"`;

/** IMAP4 (ldirectord check_imap): `* OK` greeting, optionally STARTTLS and LOGIN, then LOGOUT. */
export const imapProbe = defineProbe({
  kind: 'imap',
  socks4: true,
  spec: imapSpec,
  run: (target, spec, ctx) =>
    runDialog(target, ctx, spec.tls ? tlsOptions(spec) : undefined, async (s) => {
      const greeting = expectReply('greeting', await s.readLine(), (r) => /^\* (OK|PREAUTH)\b/i.test(r));
      if (spec.starttls) {
        s.write('a1 STARTTLS');
        expectReply('STARTTLS', await tagged(s, 'a1'), (r) => /^a1 OK\b/i.test(r));
        await s.startTls(target, tlsOptions(spec));
      }
      if (spec.user !== undefined) {
        s.write(`a2 LOGIN ${quote(spec.user)} ${quote(spec.pass)}`);
        expectReply('LOGIN', await tagged(s, 'a2'), (r) => /^a2 OK\b/i.test(r));
      }
      s.write('a3 LOGOUT');
      return `${greeting.slice(0, 60)}${spec.user !== undefined ? ' (logged in)' : ''}`;
    }),
});
