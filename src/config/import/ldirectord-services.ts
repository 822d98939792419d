import type { ConfigIssue } from '../errors.js';
import { unsupportedPart } from './imported.js';

/** ldirectord's ld_service_to_port, which is also ld_port_to_service read backwards. */
export const SERVICE_DEFAULT_PORT: Record<string, number> = {
  ftp: 21, smtp: 25, dns: 53, http: 80, pop: 110, nntp: 119, imap: 143, ldap: 389, https: 443, submission: 587,
  ldaps: 636, imaps: 993, pops: 995, oracle: 1521, radius: 1812, http_proxy: 3128, mysql: 3306, sip: 5060, pgsql: 5432,
};

export interface ServiceSettings {
  request: string;
  receive: string;
  httpmethod: string;
  virtualhost: string | undefined;
  protocol: string;
  login: string;
  passwd: string;
  database: string;
  secret: string;
}

type Check = Record<string, unknown>;

/** A request that is a full URL (read_config has put a "/" before it): its host and path. */
function urlOf(request: string): { host: string; path: string } | undefined {
  const url = /^\/*https?:\/\/([^/]+)(\/.*)?$/i.exec(request);
  return url ? { host: url[1]!, path: url[2] ?? '/' } : undefined;
}

function pathOf(request: string): string {
  return urlOf(request)?.path ?? (request.startsWith('/') ? request : `/${request}`);
}

/** Whether a receive regex matches an empty body (one JavaScript cannot read is taken as not). */
function matchesEmpty(receive: string): boolean {
  try {
    return new RegExp(receive).test('');
  } catch {
    return false;
  }
}

/** `request` without its leading slash: ldirectord strips it for the name, base, query and file of these services. */
const bare = (request: string) => request.replace(/^\/+/, '');

/**
 * One `service=` as ldirectord's check_<service> does it (ldirectord 4.12,
 * the Debian package). Where ldirectord's own code does something no admin
 * can have meant (dns without receive is always down), rsguard does the
 * sensible thing and says so in a warning.
 */
export function ldirectordService(service: string, s: ServiceSettings, at: { file: string; line: number }, errors: ConfigIssue[], warnings: string[]): Check | undefined {
  const error = (message: string) => void errors.push({ file: at.file, line: at.line, path: 'service', message });
  const warn = (message: string) => warnings.push(`${at.file}:${at.line}: ${message}`);
  switch (service) {
    case 'http':
    case 'https': {
      // ld_setup: a request holding "<service>://" is fetched as that URL, from the host it names, for every real server.
      const url = urlOf(s.request);
      // check_http matches receive against the content, which a HEAD reply does not have: every server is down for ldirectord.
      if (s.httpmethod === 'HEAD' && s.receive && !matchesEmpty(s.receive)) warn(`httpmethod=HEAD with receive: a HEAD reply has no body, so ldirectord's receive never matches and it counts every server down; rsguard checks the status alone (receive is not used)`);
      if (url) warn(`request is the full URL ${bare(s.request)}: ldirectord fetches it from ${url.host} for every real server (one answer marks them all); rsguard asks each real server for ${url.path} with Host ${s.virtualhost ?? url.host}`);
      return {
        kind: service,
        path: pathOf(s.request),
        method: s.httpmethod === 'HEAD' ? 'HEAD' : 'GET',
        ...(s.virtualhost || url ? { virtualHost: s.virtualhost ?? url!.host } : {}),
        ...(s.receive ? { expectBodyRegex: s.receive } : {}),
        // LWP follows redirects (GET and HEAD). verify_hostname 0 turns off only the name check (LWP/Protocol/https.pm
        // sets SSL_verifycn_scheme none and leaves SSL_verify_mode to IO::Socket::SSL, which verifies the chain by default):
        // a self-signed backend is down for ldirectord, and so for rsguard.
        followRedirects: true,
        ...(service === 'https' ? { tlsVerifyHost: false } : {}),
      };
    }
    case 'http_proxy': {
      if (!/^http:\/\//i.test(bare(s.request))) return error('service=http_proxy needs request="http://host/path" (the URL fetched through the proxy)');
      // The same LWP::UserAgent as check_http, so redirects are followed here too.
      return { kind: 'http_proxy', url: bare(s.request), method: s.httpmethod === 'HEAD' ? 'HEAD' : 'GET', ...(s.receive ? { expectBodyRegex: s.receive } : {}), followRedirects: true };
    }
    case 'simpletcp':
      return { kind: 'tcp', send: bare(s.request).replace(/\\n/g, '\n'), ...(s.receive ? { expectRegex: s.receive } : {}) };
    case 'none':
      return { kind: 'tcp' };
    case 'smtp':
    case 'submission':
      // Net::SMTP: banner and EHLO (HELO for old servers); no STARTTLS.
      return { kind: 'smtp', helo: 'rsguard' };
    case 'pop':
    case 'pops':
      // Mail::POP3Client->new returns an object even when it cannot connect, and check_pop only calls login() with a login.
      if (!s.login) warn(`service=${service} without login: ldirectord counts every server up whatever happens (Mail::POP3Client->new returns an object even when the server is away); rsguard checks the +OK greeting instead`);
      return { kind: 'pop', ...(service === 'pops' ? { tls: true, tlsVerify: false } : {}), ...(s.login ? { user: s.login, pass: s.passwd } : {}) };
    case 'imap':
    case 'imaps':
      return { kind: 'imap', ...(service === 'imaps' ? { tls: true, tlsVerify: false } : {}), ...(s.login ? { user: s.login, pass: s.passwd } : {}) };
    case 'nntp':
      return { kind: 'nntp' };
    case 'ftp': {
      // check_ftp fetches `request` and matches `receive`; with no receive its empty pattern matches anything, even a dead server: rsguard checks the login then.
      if (!s.receive) warn('service=ftp without receive: ldirectord counts every server up whatever happens; rsguard checks the banner and login instead');
      // Net::FTP login: an empty user is anonymous (`$user ||= "anonymous"`), an empty password is sent empty.
      // check_ftp does cwd("/") and gets the request as read_config stored it, with its leading "/": an absolute path.
      return { kind: 'ftp', ...(s.login ? { user: s.login } : {}), pass: s.passwd, ...(s.receive ? { retrieve: s.request.startsWith('/') ? s.request : `/${s.request}`, expectRegex: s.receive } : {}) };
    }
    case 'ldap':
    case 'ldaps':
      return {
        kind: 'ldap',
        ...(service === 'ldaps' ? { tls: true, tlsVerify: false } : {}),
        ...(s.login && s.passwd ? { bindDn: s.login, password: s.passwd } : {}),
        base: bare(s.request),
        ...(s.receive ? { expectDnRegex: s.receive } : {}),
      };
    case 'dns': {
      const name = bare(s.request);
      if (!name) return error('service=dns needs request= (the name to look up)');
      if (!s.receive) warn('service=dns without receive: ldirectord marks every server down; rsguard counts a NOERROR answer as up');
      const type = /\.(in-addr|ip6)\.arpa\.?$/i.test(name) ? 'PTR' : 'A';
      return { kind: 'dns', query: name, type, recursion: true, transport: s.protocol === 'tcp' ? 'tcp' : 'udp', ...(s.receive ? { expectAnswerRegex: s.receive } : {}) };
    }
    case 'mysql':
    case 'pgsql': {
      const query = bare(s.request);
      if (!s.login || !query) return error(`service=${service} needs login= and request= (the query); ldirectord marks the server down without them`);
      return { kind: service, user: s.login, password: s.passwd, ...(s.database ? { database: s.database } : {}), query, minRows: 1 };
    }
    case 'sip':
      // read_config sets login to ldirectord@HOSTNAME only for an explicit service=sip; inferred from port 5060, check_sip asks for "sip:" with no user.
      if (!s.login) return error('service sip (from the virtual\'s port) needs login= or service=sip: ldirectord sends OPTIONS sip: with no user, which no server answers 200, so every server would be down');
      return { kind: 'sip', uri: s.login, transport: s.protocol === 'tcp' ? 'tcp' : 'udp' };
    case 'radius':
      if (!s.secret) return error('service=radius needs secret= (the shared secret)');
      return { kind: 'radius', secret: s.secret, user: s.login || 'rsguard', password: s.passwd };
    case 'oracle': {
      const message = 'service=oracle is not supported by rsguard (no Oracle client here): use checktype=connect, or checktype=external with a script';
      const replaceWith = '{ kind: tcp } (checktype=connect) or { kind: exec, command: [/path/to/check] } (checktype=external)';
      return unsupportedPart(errors, { ...at, path: 'service' }, message, replaceWith);
    }
    default:
      return error(`unknown service ${JSON.stringify(service)}`);
  }
}
