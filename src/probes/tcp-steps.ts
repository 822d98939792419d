import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import { caFile } from './ca-file.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { offAbort as offAbortOf, onAbort as onAbortOf, type Abortable } from '../lib/deadline.js';
import { connectedSocket, type TlsBase } from '../lib/check-socket.js';
import { compiled, regexField } from './regex-cache.js';
import { connectTls, tlsExtraFields, tlsFiles, type TlsExtra } from './tls-fields.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

const hex = z
  .string()
  .min(2)
  .regex(/^([0-9a-fA-F]{2})+$/, 'expected an even number of hex digits');

/**
 * A step of a TCP conversation, as HAProxy's tcp-check rules
 * (tcpcheck.c: tcpcheck_eval_connect, _send, _expect).
 */
export const tcpStep = z.discriminatedUnion('step', [
  z
    .object({
      step: z.literal('connect'),
      /** Default: the check's host and port. */
      host: z.string().min(1).optional(),
      port: z.number().int().min(1).max(65535).optional(),
      /** TLS on this connection, with the check's tls* fields. */
      tls: z.boolean().default(false),
      /** SNI for this connection (HAProxy `tcp-check connect sni`); default the check's tlsServerName. */
      tlsServerName: z.union([z.string().min(1), z.literal(false)]).optional(),
      /** ALPN protocols offered (HAProxy `alpn h2,http/1.1`). */
      alpn: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
  z.object({ step: z.literal('send'), data: z.string().optional(), hex: hex.optional() }).strict(),
  z
    .object({
      step: z.literal('expect'),
      /** The reply so far contains this string. */
      string: z.string().min(1).optional(),
      regex: regexField.optional(),
      /** The reply contains these bytes. */
      hex: hex.optional(),
      /** Matched against the reply in upper-case hex, as HAProxy's rbinary. */
      hexRegex: regexField.optional(),
      /** Passes when the pattern is not there once the server has closed (HAProxy `expect !`). */
      not: z.boolean().default(false),
      /**
       * Judge once this many bytes have come (or the server closed), and take
       * that judgement as final, a miss included (HAProxy `expect min-recv`;
       * 0: judge what the first read brought). Without it a miss waits for
       * more until the server closes or the buffer is full.
       */
      minRecv: z.number().int().min(0).optional(),
    })
    .strict(),
]);

export type TcpStep = z.output<typeof tcpStep>;

/** One of send's data/hex, one of expect's four patterns: for the spec's refine. */
export function stepsError(steps: readonly TcpStep[]): string | undefined {
  for (const [i, s] of steps.entries()) {
    if (s.step === 'send' && (s.data === undefined) === (s.hex === undefined)) return `steps[${i}]: set one of data or hex`;
    if (s.step === 'expect' && [s.string, s.regex, s.hex, s.hexRegex].filter((x) => x !== undefined).length !== 1) return `steps[${i}]: set one of string, regex, hex, hexRegex`;
  }
  return undefined;
}

export const tcpTlsFields = {
  /** Verify the certificate of a TLS connect step (default true). */
  tlsVerify: z.boolean().optional(),
  tlsCa: z.string().startsWith('/', 'must be an absolute path').optional(),
  ...tlsExtraFields,
};

export interface StepsSpec extends TlsExtra {
  steps: readonly TcpStep[];
  maxBytes: number;
  tlsVerify?: boolean | undefined;
  tlsCa?: string | undefined;
}

type Expect = Extract<TcpStep, { step: 'expect' }>;

/** The server's fault in the conversation: the check is down, with what it said. */
class StepFailed extends Error {}

/**
 * One connection of the conversation: what has come in since the last connect
 * or send (HAProxy releases its input buffer at both), bounded by maxBytes
 * (HAProxy's tune.bufsize: a full buffer is judged as it is).
 */
class Conn {
  buf = Buffer.alloc(0);
  ended = false;
  error: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly maxBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.buf.length < maxBytes) this.buf = Buffer.concat([this.buf, chunk]).subarray(0, maxBytes);
      this.wake();
    });
    socket.once('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (err) => {
      this.error ??= err;
      this.wake();
    });
    // A SOCKS4 tunnel comes paused, with what the server sent behind the grant put back: it flows now that it is heard.
    socket.resume();
  }

  get full(): boolean {
    return this.buf.length >= this.maxBytes;
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves at the next event (data, end, error), rejects at the deadline. */
  next(signal: Abortable): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason ?? new Error('aborted'));
      if (signal.aborted) return onAbort();
      onAbortOf(signal, onAbort);
      this.waiter = () => {
        offAbortOf(signal, onAbort);
        resolve();
      };
    });
  }
}

async function open(target: ProbeTarget, step: Extract<TcpStep, { step: 'connect' }>, spec: StepsSpec, signal: Abortable): Promise<Conn> {
  const host = step.host ?? target.host;
  const port = step.port ?? target.port;
  // Through a SOCKS4 proxy each connect step is a granted tunnel: TLS on top of it, or open already.
  const socket = await connectedSocket(target.socks4, host, port, signal, step.tls ? (base) => tlsClient(base, host, step, spec) : undefined);
  return new Conn(socket, spec.maxBytes);
}

function tlsClient(base: TlsBase, host: string, step: Extract<TcpStep, { step: 'connect' }>, spec: StepsSpec): tls.TLSSocket {
  const named = step.tlsServerName ?? spec.tlsServerName;
  const sni = named === false || (named === undefined && net.isIP(host)) ? undefined : (named ?? host);
  // The SNI name sent is the one verified (HAProxy's ssl_sock_srv_verifycbk), else verifyHost or the address.
  const verifyName = sni ?? spec.tlsVerifyHost ?? host;
  return connectTls({
    ...base,
    ...(sni && !net.isIP(sni) ? { servername: sni } : {}),
    // Node sends the host name as SNI unless told otherwise.
    ...(sni === undefined ? { servername: '' } : {}),
    rejectUnauthorized: spec.tlsVerify ?? true,
    ...(spec.tlsCa ? { ca: caFile(spec.tlsCa) } : {}),
    ...tlsFiles(spec),
    ...(step.alpn ? { ALPNProtocols: step.alpn } : {}),
    checkServerIdentity: (_h, cert) => (verifyName === false ? undefined : tls.checkServerIdentity(verifyName, cert)),
  });
}

function write(conn: Conn, bytes: Buffer, signal: Abortable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    onAbortOf(signal, onAbort);
    conn.socket.write(bytes, (err) => {
      offAbortOf(signal, onAbort);
      if (err) reject(err);
      else resolve();
    });
  });
}

/**
 * With a reset, as HAProxy closes its checks unless told `linger`: no
 * TIME_WAIT socket left behind. A connection the server has already closed is
 * simply destroyed: libuv refuses a reset once node has answered the FIN.
 */
function close(conn: Conn): void {
  if (conn.ended || conn.error) return void conn.socket.destroy();
  try {
    conn.socket.resetAndDestroy();
  } catch {
    conn.socket.destroy();
  }
}

/** 'wait' for more data, or whether the rule holds (tcpcheck_eval_expect). */
function judge(e: Expect, buf: Buffer, lastRead: boolean): 'wait' | boolean {
  const needle = e.string !== undefined ? Buffer.from(e.string, 'latin1') : e.hex !== undefined ? Buffer.from(e.hex, 'hex') : undefined;
  // An exact pattern longer than what came cannot match yet; nor is fewer than min-recv bytes enough (both hold: HAProxy 2.6 waits for the larger).
  if (needle && !lastRead && buf.length < needle.length) return 'wait';
  if (e.minRecv !== undefined && e.minRecv > 0 && !lastRead && buf.length < e.minRecv) return 'wait';
  const matched = needle
    ? buf.includes(needle)
    : e.regex !== undefined
      ? compiled(e.regex).test(buf.toString('latin1'))
      : compiled(e.hexRegex!).test(buf.toString('hex').toUpperCase());
  // A miss is final once nothing more can come, or at once with min-recv (HAProxy waits only while min-recv is -1, its default).
  if (!matched && !lastRead && e.minRecv === undefined) return 'wait';
  return matched !== e.not;
}

function describe(e: Expect): string {
  const what = e.string !== undefined ? `string ${JSON.stringify(snippet(e.string, 40))}` : e.regex !== undefined ? `regex /${snippet(e.regex, 40)}/` : e.hex !== undefined ? `binary ${snippet(e.hex, 40)}` : `rbinary /${snippet(e.hexRegex!, 40)}/`;
  return `${e.minRecv !== undefined ? `min-recv ${e.minRecv} ` : ''}${e.not ? '! ' : ''}${what}`;
}

/** A run of expects, judged together on what has come in, again at each arrival, as HAProxy does from the run's head. */
async function expectRun(conn: Conn, run: readonly Expect[], first: number, signal: Abortable): Promise<void> {
  for (;;) {
    // HAProxy reads before the first expect of a run: an empty buffer at the end or on an error is a failure.
    if (!conn.buf.length && (conn.ended || conn.error)) {
      if (conn.error && !conn.ended) throw conn.error;
      throw new StepFailed(`step ${first + 1}: empty response`);
    }
    if (conn.buf.length) {
      const lastRead = conn.ended || conn.error !== undefined || conn.full;
      let waiting = false;
      for (const [i, e] of run.entries()) {
        const v = judge(e, conn.buf, lastRead);
        if (v === 'wait') {
          waiting = true;
          break;
        }
        if (!v) throw new StepFailed(`step ${first + i + 1}: expect ${describe(e)} failed on ${JSON.stringify(snippet(conn.buf.toString('latin1'), 60))}`);
      }
      if (!waiting) return;
    }
    await conn.next(signal);
  }
}

/**
 * Runs the steps in order on fresh connections: the check passes when every
 * step has (after its last send, connect or expect), and fails at the first
 * step that does not, as HAProxy's tcp-check ruleset. Steps before the first
 * connect run on a connection to the check's host and port.
 */
export async function runSteps(target: ProbeTarget, spec: StepsSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const startedAt = performance.now();
  // The probe's Deadline, not ctx.signal: an AbortController and EventTarget listeners per probe cost what lib/deadline.ts says.
  const signal = ctx.deadline;
  let conn: Conn | undefined;
  try {
    const steps = spec.steps[0]?.step === 'connect' ? spec.steps : [{ step: 'connect', tls: false } as const, ...spec.steps];
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (s.step === 'connect') {
        if (conn) close(conn);
        conn = await open(target, s, spec, signal);
      } else if (s.step === 'send') {
        conn!.buf = Buffer.alloc(0);
        await write(conn!, s.data !== undefined ? Buffer.from(s.data, 'latin1') : Buffer.from(s.hex!, 'hex'), signal);
      } else {
        let j = i;
        while (steps[j + 1]?.step === 'expect') j++;
        await expectRun(conn!, steps.slice(i, j + 1) as Expect[], i, signal);
        i = j;
      }
    }
    return pass(startedAt, `${steps.length} steps passed`);
  } catch (err) {
    if (err instanceof StepFailed && !signal.aborted) return fail(startedAt, 'body', err.message);
    return failure(startedAt, classifyError(err, signal));
  } finally {
    if (conn) close(conn);
  }
}
