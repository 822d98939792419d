import { execProbe } from './exec.js';
import { fpmProbe } from './fpm.js';
import { httpProbe } from './http.js';
import { httpsProbe } from './https.js';
import { icmpProbe } from './icmp.js';
import { tcpProbe } from './tcp.js';
/** The one list of probe kinds; the config schema and docs derive from it. */
export const PROBES = [tcpProbe, httpProbe, httpsProbe, icmpProbe, fpmProbe, execProbe];
const byKind = new Map(PROBES.map((p) => [p.kind, p]));
export function probeFor(kind) {
    return byKind.get(kind);
}
export const PROBE_KINDS = PROBES.map((p) => p.kind);
//# sourceMappingURL=registry.js.map