import { VrrpInputs } from '../vrrp/vrrp-inputs.js';
import { Mailer } from './mailer.js';
import { MailSpool } from './mail-spool.js';
import { Notifier } from './notifier.js';
import { smtpTransport } from './smtp-transport.js';
/**
 * Part of the composition root: the mailer (nodemailer), the notifier, and
 * the VRRP inputs, whose transitions go onto the event bus like any other.
 */
export function wireNotifications(model, emit, metrics, pools, downServers, log, clock) {
    const email = model().notify.email;
    const mailer = email
        ? new Mailer(email, smtpTransport(email), new MailSpool(email.spoolDir), pools, log, {
            sent: () => metrics.mailSent.inc(),
            failed: () => metrics.mailFailed.inc(),
            pending: (n) => metrics.mailPending.set(n),
        })
        : null;
    const notifier = new Notifier(model, downServers, mailer, log, clock);
    const recordVrrp = (t) => emit({ type: 'vrrp', at: t.at, transition: t });
    const vrrp = new VrrpInputs(model, recordVrrp, log, clock);
    return {
        onEvent: (e) => notifier.onEvent(e),
        recordVrrp,
        reconfigure: () => vrrp.reconfigure(),
        async start() {
            if (mailer)
                await mailer.start();
            await vrrp.start();
        },
        async stop() {
            vrrp.stop();
            notifier.close();
            if (mailer) {
                // The stop mail goes out now if it can; what cannot stays spooled for the next start.
                await Promise.race([mailer.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
                mailer.close();
            }
        },
    };
}
//# sourceMappingURL=wire-notifications.js.map