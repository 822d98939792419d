import { hostname } from 'node:os';
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

function negotiate(s: CheckSettings, at: { file: string; line: number }, errors: ConfigIssue[], warnings: string[]): Check | undefined {
  const service = inferredService(s);
  const port = s.checkport ?? s.servicePort;
  const timing = { timeout: seconds(s.negotiateTimeout), ...(port ? { port } : {}) };
  const c = ldirectordService(service, { ...s, login: s.login || defaultLogin(service), passwd: s.passwd || defaultPasswd(service) }, at, errors, warnings);
  if (c?.unsupported) return c;
  return c ? { ...c, ...timing } : undefined;
}

/** read_config: ftp logs in as anonymous with ldirectord@HOSTNAME, sip asks for ldirectord@HOSTNAME. */
function defaultLogin(service: string): string {
  return service === 'ftp' ? 'anonymous' : service === 'sip' ? `ldirectord@${hostname()}` : '';
}
function defaultPasswd(service: string): string {
  return service === 'ftp' ? `ldirectord@${hostname()}` : '';
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
      return [s.protocol === 'udp' ? { kind: 'icmp', count: s.checkcount, timeout: seconds(s.checkTimeout) } : { kind: 'tcp', ...connectTiming }];
    case 'ping':
      return [{ kind: 'icmp', count: Math.min(10, s.checkcount), timeout: seconds(s.checkTimeout) }];
    case 'external':
    case 'external-perl':
      if (s.checktype === 'external-perl') warnings.push(`${at.file}:${at.line}: checktype=external-perl runs the script as an external command`);
      return [{ kind: 'exec', command: [s.checkcommand], timeout: seconds(s.checkTimeout) }];
    case 'negotiate': {
      const c = negotiate(s, at, errors, warnings);
      return c ? [c] : [];
    }
    default: {
      if (/^\d+$/.test(s.checktype)) {
        // "N connect checks, then one negotiate": a connect check every round and the negotiate one every N+1 rounds.
        const n = Number(s.checktype);
        const c = negotiate(s, at, errors, warnings);
        return c ? [{ kind: 'tcp', ...connectTiming }, { ...c, interval: seconds(s.interval * (n + 1)) }] : [];
      }
      errors.push({ file: at.file, line: at.line, path: 'checktype', message: `unknown checktype ${JSON.stringify(s.checktype)}: expected connect, negotiate, ping, external, external-perl, off, on or a number` });
      return [];
    }
  }
}
