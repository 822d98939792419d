import type { EmailDef } from '../model/model.js';
import type { MailTransport } from './mailer.js';

/**
 * The nodemailer SMTP transport for notify.email: every network step bounded
 * by the connect timeout. nodemailer (about 15 MB resident) is loaded with
 * the first mail, not by every rsguard; a load failure fails that send, which
 * the mailer retries from its spool like any other.
 */
export function smtpTransport(def: EmailDef): MailTransport {
  let transport: Promise<MailTransport> | undefined;
  const load = () => (transport ??= createTransport(def).catch((err: unknown) => {
    transport = undefined;
    throw err;
  }));
  let closed = false;
  return {
    sendMail: async (message) => (await load()).sendMail(message),
    close: () => {
      if (closed) return;
      closed = true;
      void transport?.then((t) => t.close(), () => undefined);
    },
  };
}

async function createTransport(def: EmailDef): Promise<MailTransport> {
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    host: def.smtp.host,
    port: def.smtp.port,
    secure: def.smtp.secure,
    requireTLS: def.smtp.requireTls,
    name: def.smtp.helo,
    connectionTimeout: def.smtp.connectTimeoutMs,
    greetingTimeout: def.smtp.connectTimeoutMs,
    socketTimeout: def.smtp.connectTimeoutMs,
    ...(def.smtp.auth ? { auth: def.smtp.auth } : {}),
  }) as unknown as MailTransport;
}
