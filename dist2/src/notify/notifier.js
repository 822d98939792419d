import { hooksFor, runHook } from './hooks.js';
import { mailEventId } from './mail-event.js';
import { MailPolicy } from './mail-policy.js';
import { appendTransition, transitionLine } from '../vrrp/transition-log.js';
/**
 * Fans monitor events out to mail, hooks and the VRRP transition log. The
 * JSON log line of an event is written before this runs (the daemon's first
 * subscriber), so a transition is always logged before it is mailed.
 */
export class Notifier {
    model;
    downServers;
    mailer;
    log;
    clock;
    policy;
    reminder;
    constructor(model, 
    /** Servers hard down now, from the monitor's one server table (a reload prunes it). */
    downServers, mailer, log, clock) {
        this.model = model;
        this.downServers = downServers;
        this.mailer = mailer;
        this.log = log;
        this.clock = clock;
        this.policy = new MailPolicy(model);
        const every = model().notify.email?.reminderIntervalMs ?? 0;
        if (mailer && every > 0)
            this.reminder = setInterval(() => this.remind(), every);
    }
    onEvent(e) {
        const m = this.model();
        if (e.type === 'vrrp' && m.notify.transitionLog) {
            appendTransition(m.notify.transitionLog, transitionLine(e.transition)).catch((err) => this.log.error({ file: m.notify.transitionLog, err: err.message }, 'transition log write failed'));
        }
        for (const h of hooksFor(e, m))
            void runHook(h.argv, m.notify.hookTimeoutMs, this.log, h.what);
        if (!this.mailer)
            return;
        for (const mail of this.policy.toMail(e)) {
            this.mailer.enqueue(mail).catch((err) => this.log.error({ err: err.message, mail: mail.kind }, 'mail spool write failed'));
        }
    }
    /** ldirectord emailalertfreq: a reminder for every server still down. */
    remind() {
        if (!this.mailer)
            return;
        const at = this.clock();
        for (const d of this.downServers()) {
            const partial = { at, kind: 'rs-still-down', vs: d.vs, vsName: d.vsName, rs: d.rs, check: d.check, reason: d.reason };
            void this.mailer.enqueue({ ...partial, id: mailEventId(partial) });
        }
    }
    close() {
        clearInterval(this.reminder);
    }
}
//# sourceMappingURL=notifier.js.map