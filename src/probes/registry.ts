import { execProbe } from './exec.js';
import { fpmProbe } from './fpm.js';
import { httpProbe } from './http.js';
import { httpsProbe } from './https.js';
import { icmpProbe } from './icmp.js';
import type { ProbeKind } from './kind.js';
import { tcpProbe } from './tcp.js';
import { smtpProbe } from './smtp.js';
import { popProbe } from './pop.js';
import { imapProbe } from './imap.js';
import { ftpProbe } from './ftp.js';
import { nntpProbe } from './nntp.js';
import { dnsProbe } from './dns.js';
import { udpProbe } from './udp.js';
import { fileProbe } from './file.js';
import { mysqlProbe } from './mysql.js';
import { pgsqlProbe } from './pgsql.js';
import { ldapProbe } from './ldap.js';
import { radiusProbe } from './radius.js';
import { sipProbe } from './sip.js';
import { httpProxyProbe } from './http-proxy.js';
import { grpcProbe } from './grpc.js';
import { agentProbe } from './agent.js';

/** The one list of probe kinds; the config schema and docs derive from it. */
export const PROBES = [tcpProbe, httpProbe, httpsProbe, icmpProbe, fpmProbe, execProbe, smtpProbe, popProbe, imapProbe, ftpProbe, nntpProbe, dnsProbe, udpProbe, fileProbe, mysqlProbe, pgsqlProbe, ldapProbe, radiusProbe, sipProbe, httpProxyProbe, grpcProbe, agentProbe] as const;

export type ProbeKindName = (typeof PROBES)[number]['kind'];

const byKind = new Map<string, ProbeKind>(PROBES.map((p) => [p.kind, p as unknown as ProbeKind]));

export function probeFor(kind: string): ProbeKind | undefined {
  return byKind.get(kind);
}

export const PROBE_KINDS: readonly string[] = PROBES.map((p) => p.kind);
