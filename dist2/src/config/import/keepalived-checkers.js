import net from 'node:net';
import { seconds } from './imported.js';
import { tokenizeLine } from './keepalived-parser.js';
const at = (n) => ({ file: n.file, line: n.line });
export function number(n, errors, min = 0) {
    const v = Number(n.args[0]);
    if (n.args.length === 0 || !Number.isFinite(v) || v < min) {
        errors.push({ ...at(n), path: n.key, message: `expected a number ≥ ${min}, got ${JSON.stringify(n.args.join(' '))}` });
        return undefined;
    }
    return v;
}
/** Reads the timing keywords any level may carry into `into`. Returns true when the node was one of them. */
export function readInherited(n, into, errors) {
    switch (n.key) {
        case 'delay_loop':
            into.delayLoop = number(n, errors, 0.001) ?? into.delayLoop;
            return true;
        case 'connect_timeout':
            into.connectTimeout = number(n, errors, 0.001) ?? into.connectTimeout;
            return true;
        case 'retry':
        case 'nb_get_retry':
            into.retry = number(n, errors, 0) ?? into.retry;
            return true;
        case 'delay_before_retry':
            into.delayBeforeRetry = number(n, errors, 0.001) ?? into.delayBeforeRetry;
            return true;
        case 'alpha':
            into.alpha = n.args[0] !== 'false' && n.args[0] !== 'no';
            return true;
        case 'virtualhost':
            into.virtualhost = n.args[0];
            return true;
        default:
            return false;
    }
}
const CHECKER_IGNORED = new Set(['bindto', 'bind_port', 'bind_if', 'fwmark', 'log_all_failures', 'warmup', 'http_protocol', 'fast_recovery', 'tls_compliant', 'enable_sni', 'user', 'misc_dynamic']);
const UNSUPPORTED = new Set(['SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'BFD_CHECK', 'FILE_CHECK']);
export const CHECKERS = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'PING_CHECK', ...UNSUPPORTED]);
/**
 * One keepalived checker block as rsguard checks with their timing resolved:
 * down after retry+1 consecutive failures with delay_before_retry between
 * them, up after one success, re-checked every delay_loop. Each `url` of an
 * HTTP_GET is its own check: all must pass, as in keepalived.
 */
export function checkerToChecks(node, parent, errors, warnings) {
    if (UNSUPPORTED.has(node.key)) {
        errors.push({ ...at(node), path: node.key, message: `${node.key} is not supported by rsguard: use TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK or PING_CHECK` });
        return [];
    }
    const own = { ...parent };
    const common = {};
    const urls = [];
    let miscPath;
    let miscTimeout;
    let sniName;
    for (const c of node.children ?? []) {
        if (readInherited(c, own, errors))
            continue;
        switch (c.key) {
            case 'connect_ip':
                if (!net.isIP(c.args[0] ?? ''))
                    errors.push({ ...at(c), path: c.key, message: `expected an IP address, got ${JSON.stringify(c.args[0])}` });
                else
                    common.host = c.args[0];
                break;
            case 'connect_port':
                common.port = number(c, errors, 1);
                break;
            case 'url':
                urls.push(c);
                break;
            case 'misc_path':
                miscPath = c.args.join(' ');
                break;
            case 'misc_timeout':
                miscTimeout = number(c, errors, 0.001);
                break;
            case 'sni_name':
                sniName = c.args[0];
                break;
            default:
                if (CHECKER_IGNORED.has(c.key))
                    warnings.push(`${c.file}:${c.line}: ${node.key} ${c.key} accepted but not acted on`);
                else
                    errors.push({ ...at(c), path: c.key, message: `unknown ${node.key} keyword ${c.key}` });
        }
    }
    const isMisc = node.key === 'MISC_CHECK';
    const isHttp = node.key === 'HTTP_GET' || node.key === 'SSL_GET';
    const delayLoop = own.delayLoop ?? 60;
    const retry = own.retry ?? (isMisc ? 0 : 1);
    const timing = {
        interval: seconds(delayLoop),
        timeout: seconds(isMisc ? (miscTimeout ?? delayLoop) : (own.connectTimeout ?? 5)),
        retryInterval: seconds(own.delayBeforeRetry ?? (isHttp ? 3 : 1)),
        fall: retry + 1,
        rise: 1,
        alpha: own.alpha ?? false,
    };
    switch (node.key) {
        case 'TCP_CHECK':
            return [{ kind: 'tcp', ...common, ...timing }];
        case 'PING_CHECK':
            return [{ kind: 'icmp', ...common, ...timing }];
        case 'MISC_CHECK': {
            if (!miscPath) {
                errors.push({ ...at(node), path: node.key, message: 'MISC_CHECK needs misc_path' });
                return [];
            }
            return [{ kind: 'exec', command: tokenizeLine(miscPath), appendTarget: false, ...timing }];
        }
        default: {
            if (urls.length === 0) {
                errors.push({ ...at(node), path: node.key, message: `${node.key} needs at least one url { path ... } block` });
                return [];
            }
            if (sniName && own.virtualhost && sniName !== own.virtualhost)
                warnings.push(`${node.file}:${node.line}: sni_name differs from virtualhost; rsguard sends the virtual host as SNI`);
            return urls.map((u) => urlCheck(node.key === 'SSL_GET' ? 'https' : 'http', u, own.virtualhost ?? sniName, common, timing, errors, warnings));
        }
    }
}
function urlCheck(kind, url, vhost, common, timing, errors, warnings) {
    const check = { kind, path: '/', ...common, ...timing };
    const status = [];
    let regex;
    let invert = false;
    let virtualHost = vhost;
    for (const c of url.children ?? []) {
        switch (c.key) {
            case 'path':
                check.path = c.args[0]?.startsWith('/') ? c.args[0] : `/${c.args[0] ?? ''}`;
                break;
            case 'status_code':
                for (const a of c.args)
                    status.push(/^\d+$/.test(a) ? Number(a) : a);
                break;
            case 'digest':
                check.digest = c.args[0];
                break;
            case 'virtualhost':
                virtualHost = c.args[0];
                break;
            case 'regex':
                regex = c.args.join(' ');
                break;
            case 'regex_no_match':
                invert = true;
                break;
            case 'regex_options':
            case 'regex_stack':
            case 'regex_min_offset':
            case 'regex_max_offset':
                warnings.push(`${c.file}:${c.line}: url ${c.key} accepted but not acted on`);
                break;
            default:
                errors.push({ ...at(c), path: c.key, message: `unknown url keyword ${c.key}` });
        }
    }
    if (status.length)
        check.expectStatus = status;
    if (regex !== undefined)
        check[invert ? 'rejectBodyRegex' : 'expectBodyRegex'] = regex;
    if (virtualHost)
        check.virtualHost = virtualHost;
    // keepalived's SSL_GET verifies no certificate unless an SSL block with a CA is set up.
    if (kind === 'https')
        check.tlsVerify = false;
    return check;
}
//# sourceMappingURL=keepalived-checkers.js.map