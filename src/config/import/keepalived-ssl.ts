import path from 'node:path';
import type { KaNode } from './keepalived-parser.js';
import { tolerate, unknownKeyword, type KaSink } from './keepalived-sink.js';

/**
 * keepalived's root `SSL { password ca certificate key }` block (check_parser.c
 * ssl_handler and friends, check_ssl.c build_ssl_ctx): one SSL context for
 * every SSL_GET checker of the file, wherever the block stands. keepalived
 * loads `certificate` and `key` as the client certificate and `password` as
 * the key's passphrase; it loads `ca` too but never asks OpenSSL to verify the
 * server (no SSL_CTX_set_verify, so SSL_VERIFY_NONE), so the CA changes no
 * verdict and rsguard's SSL_GET checks verify nothing either.
 */
export interface KaSsl {
  cert?: string;
  key?: string;
  passphrase?: string;
  /** Loaded by keepalived, used for nothing: kept only to say so. */
  ca?: string;
}

const KEYWORDS: Record<string, keyof KaSsl> = { password: 'passphrase', ca: 'ca', certificate: 'cert', key: 'key' };
/** The word handle_ssl_file's messages use for each keyword. */
const TYPE: Record<string, string> = { password: 'password', ca: 'cafile', certificate: 'certfile', key: 'keyfile' };

// keepalived daemonizes with chdir("/"): a relative path is opened from the root.
const fromRoot = (p: string) => (path.isAbsolute(p) ? p : path.join('/', p));

/** The last SSL block, as keepalived keeps ("SSL context already specified - replacing"). */
export function sslBlock(nodes: KaNode[], sink: KaSink): KaSsl | undefined {
  let out: KaSsl | undefined;
  for (const n of nodes) {
    if (n.key !== 'SSL') continue;
    if (out) tolerate(sink, n, 'SSL context already specified - replacing');
    out = {};
    for (const c of n.children ?? []) {
      const field = KEYWORDS[c.key];
      if (!field) {
        unknownKeyword(sink, c);
        continue;
      }
      // handle_ssl_file: "SSL %s missing" and the value is left as it was.
      if (c.args[0] === undefined) {
        tolerate(sink, c, `SSL ${TYPE[c.key]} missing`);
        continue;
      }
      if (field === 'ca') sink.warnings.push(`${c.file}:${c.line}: SSL ca is loaded by keepalived but never used to verify a real server (SSL_VERIFY_NONE); rsguard's SSL_GET checks verify nothing either`);
      if (out[field] !== undefined) tolerate(sink, c, `SSL ${TYPE[c.key]} already specified - replacing`);
      out[field] = field === 'passphrase' ? c.args[0] : fromRoot(c.args[0]);
    }
    if (out.key && !out.cert) sink.warnings.push(`${n.file}:${n.line}: SSL key without certificate: keepalived sends no client certificate, nor does rsguard`);
  }
  return out;
}

/** The block's client certificate on every https check that came from an SSL_GET. */
export function withSsl(virtualServices: Array<Record<string, unknown>>, ssl: KaSsl | undefined): void {
  if (!ssl?.cert) return;
  for (const vs of virtualServices) {
    for (const rs of (vs.realServers ?? []) as Array<{ checks?: Array<Record<string, unknown>> }>) {
      for (const check of rs.checks ?? []) {
        if (check.kind !== 'https') continue;
        check.tlsCert = ssl.cert;
        if (ssl.key) check.tlsKey = ssl.key;
        if (ssl.passphrase !== undefined) check.tlsPassphrase = ssl.passphrase;
      }
    }
  }
}
