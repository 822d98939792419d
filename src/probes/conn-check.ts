import type { CheckConn, CheckConnHandlers } from '../lib/check-conn.js';
import type { Deadline } from '../lib/deadline.js';
import { openCheckConn } from '../lib/socket-conn.js';
import { Socks4Conn } from '../lib/socks4.js';
import type { ProbeResult, ProbeTarget } from './types.js';

/** What the exchange of a one-connection check sees of it. */
export interface ConnCheck {
  /** performance.now() when the check began. */
  readonly startedAt: number;
  /** The connection; undefined until it is opened. */
  readonly conn: CheckConn | undefined;
  /** Settles the check (the first call only) and resets the connection. */
  finish(result: ProbeResult): void;
}

/**
 * One connection to the target, through its SOCKS4 proxy when it has one
 * (HAProxy's check-via-socks4), settled once: by the exchange's `finish`, or
 * at the deadline with what `timedOut` says then. The connection is reset
 * whichever way it ends (as HAProxy closes a check) and no listener is left
 * on the deadline. `exchange` gets the check and gives the connection's
 * handlers; it runs before the connection is opened. `sendsFirst`: the check
 * writes before it reads, or only connects (see RawTcpConn).
 */
export function connCheck(
  target: ProbeTarget,
  deadline: Deadline,
  exchange: (c: ConnCheck) => { handlers: CheckConnHandlers; timedOut: () => ProbeResult },
  sendsFirst = false,
): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    let conn: CheckConn | undefined;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      deadline.off(onAbort);
      conn?.reset();
      resolve(result);
    };
    const check: ConnCheck = {
      startedAt: performance.now(),
      get conn() {
        return conn;
      },
      finish,
    };
    const { handlers, timedOut } = exchange(check);
    const onAbort = () => finish(timedOut());
    if (deadline.aborted) return onAbort();
    deadline.on(onAbort);
    conn = target.socks4 ? new Socks4Conn(target.socks4, target.host, target.port, handlers) : openCheckConn(target.host, target.port, handlers, sendsFirst);
  });
}
