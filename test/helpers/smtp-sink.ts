import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  raw: string;
  /** The text body, quoted-printable decoded. */
  body: string;
  subject: string;
  messageId: string;
}

/** A real SMTP server (npm smtp-server) on loopback that keeps what it receives. */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  /** `host`: another loopback address, for a config that can only name the host (ldirectord smtp= talks to port 25). */
  constructor(readonly port: number, readonly host = '127.0.0.1') {}

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      // Without this the server looks up the client's name in DNS, off this machine.
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const header = (name: string) => new RegExp(`^${name}: (.*(?:\\r?\\n[ \\t].*)*)`, 'mi').exec(raw)?.[1]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
          const sep = raw.indexOf('\r\n\r\n');
          const encoded = sep >= 0 ? raw.slice(sep + 4) : '';
          const body = /quoted-printable/i.test(header('Content-Transfer-Encoding'))
            ? Buffer.from(encoded.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
            : encoded;
          this.mails.push({ to: session.envelope.rcptTo.map((r) => r.address), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', raw, body, subject: header('Subject'), messageId: header('Message-ID') });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    // A client killed mid-session (the crash tests SIGKILL rsguard) resets its connection: not this server's failure.
    server.on('error', () => {});
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  subjects(): string[] {
    return this.mails.map((m) => m.subject);
  }
}
