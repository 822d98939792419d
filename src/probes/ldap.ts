import { z } from 'zod';
import { tlsFields, tlsOptions } from './dialog.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { compiled, regexField } from './regex-cache.js';
import { untilAborted } from '../lib/settle-once.js';
import type { ProbeResult } from './types.js';
import { lazyModule } from './lazy-module.js';

const loadLdapts = lazyModule('ldapts', () => import('ldapts'));

export const ldapSpec = z
  .object({
    /** ldaps: TLS from the first byte (port 636). */
    tls: z.boolean().default(false),
    /** Simple bind as this DN; without it an anonymous bind (ldirectord's default). */
    bindDn: z.string().min(1).optional(),
    password: z.string().default(''),
    /** Read this entry (scope base, objectClass=*), as ldirectord's `request`; exactly one entry must come back. */
    base: z.string().optional(),
    /** The entry's DN must match (ldirectord `receive`). */
    expectDnRegex: regexField
      .optional(),
    ...tlsFields,
  })
  .strict();

/** ldapts: a maintained client with promises and TLS; BER encoding is not something to hand-roll for a check. */
export const ldapProbe = defineProbe({
  kind: 'ldap',
  spec: ldapSpec,
  run: async (target, spec, { signal, timeoutMs }): Promise<ProbeResult> => {
    const { Client, InvalidCredentialsError } = await loadLdapts();
    const startedAt = performance.now();
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const t = spec.tls ? tlsOptions(spec) : undefined;
    const client = new Client({
      url: `${spec.tls ? 'ldaps' : 'ldap'}://${host}:${target.port}`,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      ...(t ? { tlsOptions: { rejectUnauthorized: t.verify, ...(t.ca ? { ca: t.ca } : {}), ...(t.servername ? { servername: t.servername } : {}), ...(t.cert ? { cert: t.cert, key: t.key, ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}) } : {}) } } : {}),
    });
    try {
      return await untilAborted(
        (async () => {
          try {
            await client.bind(spec.bindDn ?? '', spec.password);
          } catch (err) {
            if (err instanceof InvalidCredentialsError) return fail(startedAt, 'body', `bind refused: ${snippet(err.message, 80)}`);
            throw err;
          }
          if (spec.base === undefined) return pass(startedAt, spec.bindDn ? `bound as ${spec.bindDn}` : 'anonymous bind');
          const { searchEntries } = await client.search(spec.base, { scope: 'base', filter: '(objectClass=*)', sizeLimit: 2, timeLimit: Math.max(1, Math.ceil(timeoutMs / 1000)) });
          if (searchEntries.length !== 1) return fail(startedAt, 'body', `${searchEntries.length} entries for base ${JSON.stringify(spec.base)}, need 1`);
          const dn = searchEntries[0]!.dn;
          if (spec.expectDnRegex && !compiled(spec.expectDnRegex).test(dn)) return fail(startedAt, 'body', `entry ${snippet(dn, 80)} does not match`);
          return pass(startedAt, `read ${snippet(dn, 80)}`);
        })(),
        signal,
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // An LDAP result code other than success is the server's answer (no such object, unwilling): down.
      if (!signal.aborted && typeof code === 'number') return fail(startedAt, 'body', snippet((err as Error).message, 120));
      return failure(startedAt, classifyError(err, signal));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  },
});
