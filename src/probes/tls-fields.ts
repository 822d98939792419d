import { z } from 'zod';
import { pemFile } from './ca-file.js';

/**
 * TLS fields of the http, https and tcp probes beyond tlsVerify/tlsCa: what
 * HAProxy's server line can ask of a check's handshake (check-sni, verifyhost,
 * crt, crl-file), so an imported check verifies exactly what HAProxy did.
 */
export const tlsExtraFields = {
  /**
   * SNI sent (HAProxy `check-sni`), which the certificate must then carry.
   * Default: `virtualHost` when it is a name; `false` sends none.
   */
  tlsServerName: z.union([z.string().min(1), z.literal(false)]).optional(),
  /**
   * The name the certificate must carry when no SNI is sent (HAProxy
   * `verifyhost`); default the address. `false` checks the chain only, as
   * HAProxy does with neither SNI nor verifyhost (ssl_sock_srv_verifycbk).
   */
  tlsVerifyHost: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** A PEM with the client certificate and, unless `tlsKey` is given, its key (HAProxy `crt`). */
  tlsCert: z.string().startsWith('/', 'must be an absolute path').optional(),
  tlsKey: z.string().startsWith('/', 'must be an absolute path').optional(),
  /** A PEM certificate revocation list checked with the chain (HAProxy `crl-file`). */
  tlsCrl: z.string().startsWith('/', 'must be an absolute path').optional(),
};

export interface TlsExtra {
  tlsServerName?: string | false | undefined;
  tlsVerifyHost?: string | false | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCrl?: string | undefined;
}

/** The client certificate and CRL contents for tls.connect (files read once per process). */
export function tlsFiles(spec: TlsExtra): { cert?: string; key?: string; crl?: string } {
  return {
    ...(spec.tlsCert ? { cert: pemFile(spec.tlsCert, 'certificate'), key: pemFile(spec.tlsKey ?? spec.tlsCert, 'key') } : {}),
    ...(spec.tlsCrl ? { crl: pemFile(spec.tlsCrl, 'CRL') } : {}),
  };
}
