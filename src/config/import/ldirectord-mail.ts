import { seconds } from './imported.js';
import type { Ctx } from './ldirectord-context.js';
import type { LdValue } from './ldirectord-reader.js';

/** emailalert, emailalertfrom, emailalertfreq, smtp: without an smtp server ldirectord uses the local mailer; rsguard uses 127.0.0.1:25. */
export function ldirectordMail(ctx: Ctx): Record<string, unknown> | undefined {
  const g = ctx.read.globals;
  const to = g.get('emailalert');
  const perVirtual = ctx.read.virtuals.map((v) => v.set.get('emailalert')).filter((d): d is LdValue => d !== undefined);
  if (!to) {
    // ldirectord mails only the virtuals that name recipients; rsguard's per-virtual recipients need the global mail settings.
    for (const d of perVirtual) ctx.errors.push({ file: ctx.file, line: d.line, path: d.key, message: 'emailalert in a virtual without a global emailalert: rsguard would mail every virtual; set the global emailalert too' });
    return undefined;
  }
  const from = g.get('emailalertfrom');
  const freq = g.get('emailalertfreq');
  const smtp = g.get('smtp');
  if (!smtp) ctx.warnings.push(`${ctx.file}:${to.line}: emailalert without smtp: ldirectord hands the mail to the local mailer (Mail::Send); rsguard sends through 127.0.0.1:25`);
  ctx.mark('notify.email', to);
  ctx.mark('notify.email.to', to);
  if (from) ctx.mark('notify.email.from', from);
  if (smtp) ctx.mark('notify.email.smtp', smtp);
  if (freq) ctx.mark('notify.email.reminderInterval', freq);
  return {
    email: {
      to: to.value.split(/\s*,\s*/).filter(Boolean),
      ...(from ? { from: from.value } : {}),
      // read_config keeps only the host of smtp= (`^[0-9A-Za-z._+-]+`): Net::SMTP then talks to port 25.
      smtp: { host: smtp?.value ?? '127.0.0.1' },
      ...(freq && Number(freq.value) > 0 ? { reminderInterval: seconds(Number(freq.value)) } : {}),
    },
  };
}
