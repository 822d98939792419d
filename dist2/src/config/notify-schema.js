import { z } from 'zod';
import { duration } from '../lib/duration.js';
/** An external command as argv, never a shell string. */
export const argv = z.array(z.string().min(1)).min(1);
const email = z
    .object({
    to: z.array(z.string().min(3)).min(1),
    from: z.string().min(3).optional(),
    /** keepalived router_id: shown in subjects as `[router_id]`. */
    routerId: z.string().min(1).optional(),
    smtp: z
        .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(25),
        connectTimeout: duration.default(30_000),
        helo: z.string().min(1).optional(),
        /** TLS from the first byte (port 465); otherwise STARTTLS is used when offered. */
        secure: z.boolean().default(false),
        requireTls: z.boolean().default(false),
        auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
    })
        .strict(),
    /** Transitions inside this window go out as one digest mail. */
    digestWindow: duration.default(10_000),
    /** Repeat a down server's alert this often (ldirectord emailalertfreq); 0 is off. */
    reminderInterval: duration.default(0),
    /** Pending mail is kept here until sent, so a restart loses none. */
    spoolDir: z.string().startsWith('/').default('/var/lib/rsguard/mail-spool'),
})
    .strict();
export const notifySchema = z
    .object({
    email: email.optional(),
    /** keepalived-state.log style: one human line per VRRP transition. */
    transitionLog: z.string().startsWith('/').optional(),
    /** Read keepalived's notify_fifo (INSTANCE/GROUP/VS/RS lines). */
    keepalivedFifo: z.string().startsWith('/').optional(),
    /** Where `rsguard notify` leaves transitions while the daemon is down. */
    vrrpSpoolDir: z.string().startsWith('/').default('/var/lib/rsguard/vrrp-spool'),
    hookTimeout: duration.default(10_000),
})
    .strict();
/** Per virtual service: keepalived quorum_up/down, ldirectord fallbackcommand, mail recipients. */
export const vsNotifySchema = z
    .object({
    quorumUp: argv.optional(),
    quorumDown: argv.optional(),
    /** Run as `<argv> start|stop VIP:PORT PROTO` when the sorry server comes in or leaves (ldirectord). */
    fallbackCommand: argv.optional(),
    emailTo: z.array(z.string().min(3)).min(1).optional(),
})
    .strict();
/** Per real server: keepalived notify_up / notify_down. */
export const rsNotifySchema = z.object({ up: argv.optional(), down: argv.optional() }).strict();
//# sourceMappingURL=notify-schema.js.map