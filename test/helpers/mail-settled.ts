import type { DaemonProcess } from './daemon-process.js';
import { waitFor } from './ports.js';

/**
 * Waits until a daemon's mailer has nothing left to send: no event waiting in
 * its spool or in memory (rsguard_mail_pending 0) and no retry due (its last
 * word on mail is not "will retry"). Only then can a test say that a mail was
 * not sent twice: a duplicate comes from a retry, 1, 2, 4 s ... after a
 * failure, and a fixed wait shorter than those says nothing.
 */
export async function mailSettled(daemon: DaemonProcess, api: number, timeoutMs = 30_000): Promise<void> {
  await waitFor('the mailer to have nothing left to send', async () => {
    let last: string | undefined;
    for (let i = daemon.logs.length - 1; i >= 0 && last === undefined; i--) {
      const msg = daemon.logs[i]!.msg;
      if (msg === 'mail sent' || msg === 'mail not sent, will retry') last = msg;
    }
    if (last === 'mail not sent, will retry') return undefined;
    const metrics = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    return /^rsguard_mail_pending 0$/m.test(metrics) ? true : undefined;
  }, timeoutMs);
}
