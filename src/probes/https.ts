import { defineProbe } from './kind.js';
import { httpsProbeRun } from './http.js';
import { httpSpec } from './http-spec.js';

/** HTTP over TLS: same spec as http; `virtualHost` also sets SNI, `tlsVerify: false` skips certificate checks. */
export const httpsProbe = defineProbe({ kind: 'https', spec: httpSpec, socks4: true, run: httpsProbeRun });
