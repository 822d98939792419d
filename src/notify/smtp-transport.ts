import nodemailer from 'nodemailer';
import type { EmailDef } from '../config/model.js';
import type { MailTransport } from './mailer.js';

/** The nodemailer SMTP transport for notify.email: every network step bounded by the connect timeout. */
export function smtpTransport(def: EmailDef): MailTransport {
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
