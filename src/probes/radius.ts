import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass } from './outcome.js';
import type { ProbeResult } from './types.js';
import { udpExchange } from '../lib/udp-exchange.js';

export const radiusSpec = z
  .object({
    /** The shared secret this director has with the RADIUS server (ldirectord `secret`). */
    secret: z.string().min(1),
    user: z.string().min(1).default('rsguard'),
    password: z.string().default(''),
    /**
     * ldirectord counts any authenticated answer as up, Access-Reject too (the
     * server works; the user may not exist). true: only Access-Accept is up.
     */
    expectAccept: z.boolean().default(false),
  })
  .strict();

const CODES: Record<number, string> = { 2: 'Access-Accept', 3: 'Access-Reject', 11: 'Access-Challenge' };
const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();

function attr(type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, value.length + 2]), value]);
}

/** RFC 2865 5.2: the password padded to 16 bytes and hidden with MD5(secret + previous block). */
function hidePassword(password: string, secret: Buffer, authenticator: Buffer): Buffer {
  const p = Buffer.from(password, 'utf8');
  const padded = Buffer.alloc(Math.max(16, Math.ceil(p.length / 16) * 16));
  p.copy(padded);
  const out = Buffer.alloc(padded.length);
  let prev = authenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const key = md5(secret, prev);
    for (let j = 0; j < 16; j++) out[i + j] = padded[i + j]! ^ key[j]!;
    prev = out.subarray(i, i + 16);
  }
  return out;
}

/** An Access-Request with User-Name, User-Password, NAS-Identifier and Message-Authenticator (RFC 3579; servers now demand it). */
export function accessRequest(id: number, secret: string, user: string, password: string): { packet: Buffer; authenticator: Buffer } {
  const s = Buffer.from(secret, 'utf8');
  const authenticator = randomBytes(16);
  const attrs = Buffer.concat([attr(1, Buffer.from(user, 'utf8')), attr(2, hidePassword(password, s, authenticator)), attr(32, Buffer.from('rsguard')), attr(80, Buffer.alloc(16))]);
  const packet = Buffer.concat([Buffer.from([1, id, 0, 0]), authenticator, attrs]);
  packet.writeUInt16BE(packet.length, 2);
  createHmac('md5', s).update(packet).digest().copy(packet, packet.length - 16);
  return { packet, authenticator };
}

/** The reply's code when it is an answer to this request signed with this secret; a string saying why not otherwise. */
export function checkReply(reply: Buffer, id: number, requestAuth: Buffer, secret: string): number | string {
  if (reply.length < 20) return 'reply shorter than a RADIUS header';
  const length = reply.readUInt16BE(2);
  if (length < 20 || length > reply.length) return 'bad RADIUS length';
  if (reply[1] !== id) return 'reply to another request';
  const expected = md5(reply.subarray(0, 4), requestAuth, reply.subarray(20, length), Buffer.from(secret, 'utf8'));
  if (!expected.equals(reply.subarray(4, 20))) return 'response authenticator does not match (wrong secret?)';
  return reply[0]!;
}

/** ldirectord's check_radius (Authen::Radius check_pwd): an Access-Request to the real server over UDP. */
export const radiusProbe = defineProbe({
  kind: 'radius',
  spec: radiusSpec,
  run: async (target, spec, { signal }): Promise<ProbeResult> => {
    const startedAt = performance.now();
    const id = randomInt(0, 256);
    const { packet, authenticator } = accessRequest(id, spec.secret, spec.user, spec.password);
    try {
      // A forged or stray datagram is not an answer (its authenticator does not check out): keep waiting until the deadline.
      const code = await udpExchange(target.host, target.port, () => packet, signal, (msg) => {
        const c = checkReply(msg, id, authenticator, spec.secret);
        return typeof c === 'string' ? undefined : c;
      });
      const name = CODES[code] ?? `code ${code}`;
      return code === 2 || (!spec.expectAccept && (code === 3 || code === 11)) ? pass(startedAt, name) : fail(startedAt, 'body', name);
    } catch (err) {
      if (signal.aborted) return fail(startedAt, 'timeout', 'no RADIUS answer (a wrong secret is dropped silently)');
      return failure(startedAt, classifyError(err, signal));
    }
  },
});
