import { defineProbe } from './kind.js';
import { httpSpec, httpsProbeRun } from './http.js';

/** HTTP over TLS: same spec as http; `virtualHost` also sets SNI, `tlsVerify: false` skips certificate checks. */
export const httpsProbe = defineProbe({ kind: 'https', spec: httpSpec, run: httpsProbeRun });
