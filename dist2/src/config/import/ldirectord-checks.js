import { seconds } from './imported.js';
/** ldirectord infers the negotiate service from the port when `service` is unset. */
const SERVICE_BY_PORT = {
    21: 'ftp', 25: 'smtp', 53: 'dns', 80: 'http', 110: 'pop', 119: 'nntp', 143: 'imap', 389: 'ldap', 443: 'https', 587: 'submission',
    636: 'ldaps', 993: 'imaps', 995: 'pops', 1521: 'oracle', 1812: 'radius', 3306: 'mysql', 5060: 'sip', 5432: 'pgsql',
};
const UNSUPPORTED = new Set(['ftp', 'smtp', 'submission', 'pop', 'pops', 'imap', 'imaps', 'ldap', 'ldaps', 'nntp', 'dns', 'mysql', 'pgsql', 'oracle', 'sip', 'radius', 'http_proxy']);
function pathOf(request) {
    // ldirectord accepts a full URL as request; the path is what is asked for.
    const url = /^https?:\/\/[^/]+(\/.*)?$/i.exec(request);
    if (url)
        return url[1] ?? '/';
    return request.startsWith('/') ? request : `/${request}`;
}
function negotiate(s, at, errors) {
    const service = s.service ?? (s.protocol === 'fwm' ? 'none' : (SERVICE_BY_PORT[s.checkport ?? s.vport ?? 0] ?? 'none'));
    const timing = { timeout: seconds(s.negotiateTimeout), ...(s.checkport ? { port: s.checkport } : {}) };
    if (service === 'http' || service === 'https') {
        return {
            kind: service,
            path: pathOf(s.request),
            method: s.httpmethod === 'HEAD' ? 'HEAD' : 'GET',
            ...(s.virtualhost ? { virtualHost: s.virtualhost } : {}),
            ...(s.receive ? { expectBodyRegex: s.receive } : {}),
            // ldirectord (LWP) never verifies certificates.
            ...(service === 'https' ? { tlsVerify: false } : {}),
            ...timing,
        };
    }
    if (service === 'simpletcp') {
        return { kind: 'tcp', send: s.request.replace(/\\n/g, '\n'), ...(s.receive ? { expectRegex: s.receive } : {}), ...timing };
    }
    if (service === 'none')
        return { kind: 'tcp', ...timing };
    if (UNSUPPORTED.has(service)) {
        errors.push({ file: at.file, line: at.line, path: 'service', message: `service=${service} is not supported by rsguard: use checktype=connect, or checktype=external with a script` });
        return undefined;
    }
    errors.push({ file: at.file, line: at.line, path: 'service', message: `unknown service ${JSON.stringify(service)}` });
    return undefined;
}
/**
 * The checks one ldirectord virtual (or one real with its own request/receive)
 * means. `off` is returned as is: nothing of that virtual goes in the pool.
 */
export function ldirectordChecks(s, at, errors, warnings) {
    const connectTiming = { timeout: seconds(s.checkTimeout), ...(s.checkport ? { port: s.checkport } : {}) };
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
            if (s.checktype === 'external-perl')
                warnings.push(`${at.file}:${at.line}: checktype=external-perl runs the script as an external command`);
            return [{ kind: 'exec', command: [s.checkcommand], timeout: seconds(s.checkTimeout) }];
        case 'negotiate': {
            const c = negotiate(s, at, errors);
            return c ? [c] : [];
        }
        default: {
            if (/^\d+$/.test(s.checktype)) {
                // "N connect checks, then one negotiate": a connect check every round and the negotiate one every N+1 rounds.
                const n = Number(s.checktype);
                const c = negotiate(s, at, errors);
                return c ? [{ kind: 'tcp', ...connectTiming }, { ...c, interval: seconds(s.interval * (n + 1)) }] : [];
            }
            errors.push({ file: at.file, line: at.line, path: 'checktype', message: `unknown checktype ${JSON.stringify(s.checktype)}: expected connect, negotiate, ping, external, external-perl, off, on or a number` });
            return [];
        }
    }
}
//# sourceMappingURL=ldirectord-checks.js.map