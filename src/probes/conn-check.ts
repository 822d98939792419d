import type { CheckConn, CheckConnHandlers } from '../lib/check-conn.js';
import type { Deadline } from '../lib/deadline.js';
import { openCheckConn } from '../lib/socket-conn.js';
import { Socks4Conn } from '../lib/socks4.js';
import { classifyError, fail, failure, pass } from './outcome.js';
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

/**
 * The plain connect check (TCP with nothing to send or expect), the
 * commonest check there is, as one object per probe: its handlers are
 * methods, where connCheck's exchange makes a context, a handler object and
 * six closures per probe. An allocation profile at 5,000 TCP checks a
 * second put connCheck's share at 1.5 KB of the check's 4.2 KB; young
 * collections were a quarter of the main thread's busy time. Same outcomes
 * as connCheck with tcp.ts's exchange for that case: 'connected' on the
 * handshake (then a reset), 'timed out' at the deadline, the classified
 * error otherwise. Not through a SOCKS4 proxy (connCheck does that).
 */
class ConnectOnly implements CheckConnHandlers {
  readonly startedAt = performance.now();
  private settled = false;
  private conn: CheckConn | undefined;
  /** The deadline's listener: the one closure of the probe. */
  readonly onAbort = () => this.finish(fail(this.startedAt, 'timeout', 'timed out'));

  constructor(
    private readonly deadline: Deadline,
    private readonly resolve: (r: ProbeResult) => void,
  ) {}

  open(host: string, port: number): void {
    if (this.deadline.aborted) return this.onAbort();
    this.deadline.on(this.onAbort);
    this.conn = openCheckConn(host, port, this, true);
  }

  finish(result: ProbeResult): void {
    if (this.settled) return;
    this.settled = true;
    this.deadline.off(this.onAbort);
    this.conn?.reset();
    this.resolve(result);
  }

  connect(): void {
    this.finish(pass(this.startedAt, 'connected'));
  }

  // Settled at the handshake and reset at once, so neither comes in practice; as connCheck's exchange would say.
  data(): void {}

  end(): void {
    this.finish(fail(this.startedAt, 'body', 'closed without reply'));
  }

  error(err: Error): void {
    this.finish(failure(this.startedAt, classifyError(err, this.deadline)));
  }
}

export function connectOnly(target: ProbeTarget, deadline: Deadline): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => new ConnectOnly(deadline, resolve).open(target.host, target.port));
}
