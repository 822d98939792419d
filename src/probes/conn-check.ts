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
  /** The probe's deadline (what an error is classified against). */
  readonly deadline: Deadline;
  /** The connection; undefined until it is opened. */
  readonly conn: CheckConn | undefined;
  /** Settles the check (the first call only) and resets the connection. */
  finish(result: ProbeResult): void;
}

/** What an exchange gives: the connection's handlers, and what the check says when the deadline comes first. */
export interface ConnExchange {
  handlers: CheckConnHandlers;
  timedOut(): ProbeResult;
}

/**
 * One connection to the target, through its SOCKS4 proxy when it has one
 * (HAProxy's check-via-socks4), settled once: by the exchange's `finish`, or
 * at the deadline with what `timedOut` says then. The connection is reset
 * whichever way it ends (as HAProxy closes a check) and no listener is left
 * on the deadline. `exchange` gets the check and gives the connection's
 * handlers; it runs before the connection is opened. `sendsFirst`: the check
 * writes before it reads, or only connects (see RawTcpConn).
 *
 * The check is one object with its deadline listener the one closure; an
 * exchange that is a class of its own (connectExchange below) adds no
 * closure either: what a probe allocates is what the young collector pays
 * for, a quarter of the main thread's time at thousands of checks a second.
 */
export function connCheck(target: ProbeTarget, deadline: Deadline, exchange: (c: ConnCheck) => ConnExchange, sendsFirst = false): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => new ConnCheckRun(deadline, resolve).start(target, exchange, sendsFirst));
}

class ConnCheckRun implements ConnCheck {
  readonly startedAt = performance.now();
  conn: CheckConn | undefined;
  private settled = false;
  private exchange: ConnExchange | undefined;
  private readonly onAbort = () => this.finish(this.exchange!.timedOut());

  constructor(
    readonly deadline: Deadline,
    private readonly resolve: (r: ProbeResult) => void,
  ) {}

  start(target: ProbeTarget, exchange: (c: ConnCheck) => ConnExchange, sendsFirst: boolean): void {
    const ex = (this.exchange = exchange(this));
    if (this.deadline.aborted) return this.onAbort();
    this.deadline.on(this.onAbort);
    this.conn = target.socks4 ? new Socks4Conn(target.socks4, target.host, target.port, ex.handlers) : openCheckConn(target.host, target.port, ex.handlers, sendsFirst);
  }

  finish(result: ProbeResult): void {
    if (this.settled) return;
    this.settled = true;
    this.deadline.off(this.onAbort);
    this.conn?.reset();
    this.resolve(result);
  }
}

/**
 * The plain connect check (TCP with nothing to send or expect), the
 * commonest check there is, as an exchange without closures: 'connected' on
 * the handshake (then a reset), 'timed out' at the deadline, the classified
 * error otherwise.
 */
class ConnectOnly implements ConnExchange, CheckConnHandlers {
  constructor(private readonly c: ConnCheck) {}

  get handlers(): CheckConnHandlers {
    return this;
  }

  timedOut(): ProbeResult {
    return fail(this.c.startedAt, 'timeout', 'timed out');
  }

  connect(): void {
    this.c.finish(pass(this.c.startedAt, 'connected'));
  }

  // Settled at the handshake and reset at once, so neither comes in practice.
  data(): void {}

  end(): void {
    this.c.finish(fail(this.c.startedAt, 'body', 'closed without reply'));
  }

  error(err: Error): void {
    this.c.finish(failure(this.c.startedAt, classifyError(err, this.c.deadline)));
  }
}

export const connectExchange = (c: ConnCheck): ConnExchange => new ConnectOnly(c);
