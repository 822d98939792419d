import type { ConfigIssue } from '../errors.js';
import { seconds } from './imported.js';
import { ldirectordService, SERVICE_DEFAULT_PORT } from './ldirectord-services.js';

export interface CheckSettings {
  checktype: string;
  service: string | undefined;
  request: string;
  receive: string;
  httpmethod: string;
  virtualhost: string | undefined;
  checkport: number | undefined;
  checkcommand: string;
  checkcount: number;
  checkTimeout: number;
  negotiateTimeout: number;
  interval: number;
  vport: number | undefined;
  protocol: string;
  login: string;
  passwd: string;
  database: string;
  secret: string;
  /**
   * ldirectord's ld_checkport: checkport, else the real server's port, else
   * the service's well-known port. Set to that last one for the real servers
   * that have no port (fwmark and port-0 virtuals).
   */
  servicePort?: number | undefined;
}

type Check = Record<string, unknown>;

/** ldirectord infers the negotiate service from the virtual's port (ld_port_to_service), never from checkport; a fwmark virtual is `none`. */
export function inferredService(s: Pick<CheckSettings, 'service' | 'vport' | 'protocol'>): string {
  if (s.service) return s.service;
  if (s.protocol === 'fwm' || !s.vport) return 'none';
  return Object.entries(SERVICE_DEFAULT_PORT).find(([, p]) => p === s.vport)?.[0] ?? 'none';
}

/**
 * The negotiate check of a service; 'up' for service none, which
 * _check_real hands to check_none: the server is put up without any check
 * (a fwmark virtual, or a port ldirectord has no service for, unless
 * service= says otherwise).
 */
function negotiate(s: CheckSettings, at: { file: string; line: number }, errors: ConfigIssue[], warnings: string[]): Check | 'up' | undefined {
  const service = inferredService(s);
  if (service === 'none') {
    warnings.push(`${at.file}:${at.line}: service none: ldirectord's negotiate check of it (check_none) puts every real server up without checking it, and so does rsguard; use checktype=connect for a connect check`);
    return 'up';
  }
  const port = s.checkport ?? s.servicePort;
  const timing = { timeout: seconds(s.negotiateTimeout), ...(port ? { port } : {}) };
  // The anonymous ftp login and the sip user are read_config's, set only by an explicit service= (ldirectord-reader.ts).
  const c = ldirectordService(service, s, at, errors, warnings);
  if (c?.unsupported) return c;
  return c ? { ...c, ...timing } : undefined;
}

/**
 * check_ping: Net::Ping waits checktimeout for each of checkcount echo
 * requests; rsguard's icmp timeout covers them all and is shared out
 * between them, so it is checktimeout × checkcount.
 */
function ping(s: CheckSettings, at: { file: string; line: number }, errors: ConfigIssue[]): Check[] {
  if (s.checkcount > 10) {
    errors.push({ file: at.file, line: at.line, path: 'checkcount', message: `checkcount=${s.checkcount}: rsguard's icmp check sends at most 10 echo requests` });
    return [];
  }
  return [{ kind: 'icmp', count: s.checkcount, timeout: seconds(s.checkTimeout * s.checkcount) }];
}

/**
 * The checks one ldirectord virtual (or one real with its own request/receive)
 * means. `off` is returned as is: nothing of that virtual goes in the pool.
 */
export function ldirectordChecks(s: CheckSettings, at: { file: string; line: number }, errors: ConfigIssue[], warnings: string[]): Check[] | 'off' {
  const port = s.checkport ?? s.servicePort;
  const connectTiming = { timeout: seconds(s.checkTimeout), ...(port ? { port } : {}) };
  switch (s.checktype) {
    case 'off':
      return 'off';
    case 'on':
      return [];
    case 'connect':
      // A connect check on a UDP virtual is a ping in ldirectord.
      return s.protocol === 'udp' ? ping(s, at, errors) : [{ kind: 'tcp', ...connectTiming }];
    case 'ping':
      return ping(s, at, errors);
    case 'external':
    case 'external-perl':
      if (s.checktype === 'external-perl') warnings.push(`${at.file}:${at.line}: checktype=external-perl runs the script as an external command`);
      return [{ kind: 'exec', command: [s.checkcommand], timeout: seconds(s.checkTimeout) }];
    case 'negotiate': {
      const c = negotiate(s, at, errors, warnings);
      return c && c !== 'up' ? [c] : [];
    }
    default: {
      if (/^\d+$/.test(s.checktype)) {
        // "N connect checks, then one negotiate": a connect check every round and the negotiate one every N+1 rounds.
        // With N = 0 _check_real negotiates every round and never connects (num_connects >= 0 always holds).
        const n = Number(s.checktype);
        const c = negotiate(s, at, errors, warnings);
        if (!c) return [];
        if (n === 0) return c === 'up' ? [] : [c];
        return c === 'up' ? [{ kind: 'tcp', ...connectTiming }] : [{ kind: 'tcp', ...connectTiming }, { ...c, interval: seconds(s.interval * (n + 1)) }];
      }
      errors.push({ file: at.file, line: at.line, path: 'checktype', message: `unknown checktype ${JSON.stringify(s.checktype)}: expected connect, negotiate, ping, external, external-perl, off, on or a number` });
      return [];
    }
  }
}
