import { caFile } from './ca-file.js';
import { clientCertFields, tlsFiles, type TlsExtra } from './tls-fields.js';
import { z } from 'zod';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { LineSession, ProtocolError, type TlsOptions } from './line-session.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

/** TLS fields the mail, news and directory probes share. */
export const tlsFields = {
  /** Check the certificate (default); false for self-signed backends, as keepalived and ldirectord do not check. */
  tlsVerify: z.boolean().default(true),
  /** A PEM CA bundle for a private CA (instead of NODE_EXTRA_CA_CERTS). */
  tlsCa: z.string().startsWith('/', 'must be an absolute path').optional(),
  /** SNI and the name the certificate must carry (default: none for an IP). */
  tlsServerName: z.string().min(1).optional(),
  ...clientCertFields,
};

export function tlsOptions(spec: { tlsVerify: boolean; tlsCa?: string | undefined; tlsServerName?: string | undefined } & TlsExtra): TlsOptions {
  const ca = spec.tlsCa ? caFile(spec.tlsCa) : undefined;
  return { verify: spec.tlsVerify, ...(ca ? { ca } : {}), ...(spec.tlsServerName ? { servername: spec.tlsServerName } : {}), ...tlsFiles(spec) };
}

/**
 * Runs a line-protocol conversation and words its outcome: the script
 * returns the detail of a pass; a ProtocolError is the server's fault (down),
 * anything else goes through classifyError (a local fault is a check error).
 */
export async function runDialog(
  target: ProbeTarget,
  ctx: ProbeContext,
  implicitTls: TlsOptions | undefined,
  script: (s: LineSession) => Promise<string>,
): Promise<ProbeResult> {
  const startedAt = performance.now();
  let session: LineSession | undefined;
  try {
    session = await LineSession.open(target, ctx.signal, implicitTls);
    return pass(startedAt, await script(session));
  } catch (err) {
    if (err instanceof ProtocolError && !ctx.signal.aborted) return fail(startedAt, err.reason, snippet(err.message));
    return failure(startedAt, classifyError(err, ctx.signal));
  } finally {
    session?.close();
  }
}

/** Throws unless the reply starts as expected; the message carries what the server said. */
export function expectReply(step: string, reply: string, ok: (r: string) => boolean, reason: 'protocol' | 'body' = 'body'): string {
  if (!ok(reply)) throw new ProtocolError(`${step}: ${snippet(reply.trim(), 80)}`, reason);
  return reply;
}

/**
 * POP3 and IMAP ask the same of a check: implicit TLS or STARTTLS, and a
 * login only when a user is given (ldirectord's default is the greeting).
 */
/** Implicit TLS or an upgrade (STARTTLS, STLS, AUTH TLS), with the TLS fields; `oneTlsMode` refuses both at once. */
export const tlsModeFields = {
  /** TLS from the first byte (SMTPS 465, POP3S 995, IMAPS 993, NNTPS 563, LDAPS 636). */
  tls: z.boolean().default(false),
  /** Upgrade in the protocol before anything else is said. */
  starttls: z.boolean().default(false),
  ...tlsFields,
};
export const oneTlsMode = (s: { tls: boolean; starttls: boolean }): boolean => !(s.tls && s.starttls);
export const ONE_TLS_MODE = { message: 'set tls or starttls, not both', path: ['starttls'] };

/**
 * POP3 and IMAP ask the same of a check: implicit TLS or STARTTLS/STLS, and a
 * login only when a user is given (ldirectord's default is the greeting).
 */
export const mailboxSpec = z
  .object({
    ...tlsModeFields,
    /** Log in with this; without a user only the greeting is checked. */
    user: z.string().min(1).optional(),
    pass: z.string().default(''),
  })
  .strict()
  .refine(oneTlsMode, ONE_TLS_MODE);
