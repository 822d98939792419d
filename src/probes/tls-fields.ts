import { z } from 'zod';
import tls from 'node:tls';
import { pemFile } from './ca-file.js';
import { LocalFault } from './outcome.js';

/**
 * TLS fields of the http, https and tcp probes beyond tlsVerify/tlsCa: what
 * HAProxy's server line can ask of a check's handshake (check-sni, verifyhost,
 * crt, crl-file), so an imported check verifies exactly what HAProxy did.
 */
/** A client certificate, for every probe that speaks TLS (the mail, news and directory probes take these alone). */
export const clientCertFields = {
  /** A PEM with the client certificate and, unless `tlsKey` is given, its key (HAProxy `crt`). */
  tlsCert: z.string().startsWith('/', 'must be an absolute path').optional(),
  tlsKey: z.string().startsWith('/', 'must be an absolute path').optional(),
  /** The passphrase of an encrypted `tlsKey` (keepalived's SSL `password`). */
  tlsPassphrase: z.string().optional(),
  /** A file whose first line is that passphrase, so it stays out of the config (mode 0600, read at load and on SIGHUP). */
  tlsPassphraseFile: z.string().startsWith('/', 'must be an absolute path').optional(),
};

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
  ...clientCertFields,
  /** A PEM certificate revocation list checked with the chain (HAProxy `crl-file`). */
  tlsCrl: z.string().startsWith('/', 'must be an absolute path').optional(),
};

export interface TlsExtra {
  tlsServerName?: string | false | undefined;
  tlsVerifyHost?: string | false | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsPassphrase?: string | undefined;
  tlsPassphraseFile?: string | undefined;
  tlsCrl?: string | undefined;
}

/** The client certificate, passphrase and CRL contents for tls.connect (files read once per reload, see read-once.ts). */
export function tlsFiles(spec: TlsExtra): { cert?: string; key?: string; passphrase?: string; crl?: string } {
  return {
    ...(spec.tlsCert ? { cert: pemFile(spec.tlsCert, 'certificate'), key: pemFile(spec.tlsKey ?? spec.tlsCert, 'key') } : {}),
    ...(spec.tlsCert && spec.tlsPassphraseFile ? { passphrase: firstLine(pemFile(spec.tlsPassphraseFile, 'passphrase')) } : spec.tlsCert && spec.tlsPassphrase !== undefined ? { passphrase: spec.tlsPassphrase } : {}),
    ...(spec.tlsCrl ? { crl: pemFile(spec.tlsCrl, 'CRL') } : {}),
  };
}

const firstLine = (text: string) => text.split(/\r?\n/, 1)[0]!;

/**
 * tls.connect, with what it throws before any byte leaves (a key that does not
 * open with its passphrase, a certificate that is not PEM, a key that does not
 * match) made a LocalFault: this host's files, not the server's health, so a
 * check error and never a down server. Network errors come later, as events.
 */
export function connectTls(options: tls.ConnectionOptions): tls.TLSSocket {
  try {
    return tls.connect(options);
  } catch (err) {
    // A socket handed over (a SOCKS4 tunnel) goes with the failure, or it would stay open behind the check.
    options.socket?.destroy();
    throw new LocalFault(`cannot set up the TLS client (certificate, key, passphrase or CA): ${(err as Error).message}`);
  }
}
