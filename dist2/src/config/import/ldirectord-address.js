import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { parseHostPort } from '../../lib/address.js';
import { SERVICE_PORTS } from './imported.js';
/**
 * ldirectord takes `ip:port`, `host:port` and service names (`:http`), like
 * getaddrinfo/getservbyname; names are resolved once, at load.
 */
export async function resolveHostPort(text, family) {
    let s = text.trim();
    const named = /^(.*):([a-z][a-z0-9-]*)$/i.exec(s);
    if (named && !net.isIPv6(s)) {
        const port = SERVICE_PORTS[named[2].toLowerCase()];
        if (port === undefined)
            return `unknown service name ${JSON.stringify(named[2])} in ${JSON.stringify(text)}`;
        s = `${named[1]}:${port}`;
    }
    const direct = parseHostPort(s);
    if (typeof direct !== 'string')
        return direct;
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s);
    if (!m || !/^[a-z0-9.-]+$/i.test(m[1]))
        return direct;
    try {
        const { address } = await lookup(m[1], { family });
        const port = m[2] === undefined ? undefined : Number(m[2]);
        return { host: address, port, family };
    }
    catch (err) {
        return `cannot resolve ${JSON.stringify(m[1])}: ${err.code ?? err.message}`;
    }
}
function ipv4ToInt(ip) {
    return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIpv4(n) {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
const MAX_RANGE = 4096;
/** `real=192.168.1.1->192.168.1.5:80` expands to five real servers (IPv4 only, as in ldirectord). */
export async function expandRange(spec, family) {
    const m = /^([\d.]+)->([\d.]+)(?::(\S+))?$/.exec(spec);
    if (!m) {
        const hp = await resolveHostPort(spec, family);
        return typeof hp === 'string' ? hp : [{ host: hp.host, port: hp.port }];
    }
    if (family === 6)
        return 'address ranges are IPv4 only';
    if (!net.isIPv4(m[1]) || !net.isIPv4(m[2]))
        return `bad address range ${JSON.stringify(spec)}`;
    const port = m[3] === undefined ? undefined : await resolveHostPort(`${m[1]}:${m[3]}`, 4);
    if (typeof port === 'string')
        return port;
    const from = ipv4ToInt(m[1]);
    const to = ipv4ToInt(m[2]);
    if (to < from)
        return `address range ${JSON.stringify(spec)} runs backwards`;
    if (to - from >= MAX_RANGE)
        return `address range ${JSON.stringify(spec)} has more than ${MAX_RANGE} addresses`;
    const out = [];
    for (let n = from; n <= to; n++)
        out.push({ host: intToIpv4(n), port: port?.port });
    return out;
}
//# sourceMappingURL=ldirectord-address.js.map