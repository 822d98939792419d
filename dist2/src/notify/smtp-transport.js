import nodemailer from 'nodemailer';
/** The nodemailer SMTP transport for notify.email: every network step bounded by the connect timeout. */
export function smtpTransport(def) {
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
    });
}
//# sourceMappingURL=smtp-transport.js.map