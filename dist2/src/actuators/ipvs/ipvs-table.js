export class IpvsParseError extends Error {
    name = 'IpvsParseError';
}
const FWD = { '-g': 'dr', '-m': 'nat', '-i': 'tun' };
const PROTO = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };
function serviceKey(tokens) {
    for (let i = 1; i < tokens.length; i++) {
        const t = tokens[i];
        if (PROTO[t])
            return `${PROTO[t]}:${tokens[i + 1]}`;
        if (t === '-f')
            return `fwmark:${tokens[i + 1]}:${tokens.includes('-6') ? 'inet6' : 'inet'}`;
    }
    throw new IpvsParseError(`no service in ${JSON.stringify(tokens.join(' '))}`);
}
function option(tokens, flag) {
    const i = tokens.indexOf(flag);
    return i >= 0 ? tokens[i + 1] : undefined;
}
export function parseIpvsSave(text) {
    const table = new Map();
    for (const raw of text.split('\n')) {
        const line = raw.trim();
        if (!line)
            continue;
        const tokens = line.split(/\s+/);
        if (tokens[0] === '-A') {
            const key = serviceKey(tokens);
            const p = option(tokens, '-p');
            table.set(key, { key, scheduler: option(tokens, '-s') ?? 'wlc', persistenceSec: p === undefined ? null : Number(p), netmask: option(tokens, '-M') ?? null, dests: new Map() });
        }
        else if (tokens[0] === '-a') {
            const service = table.get(serviceKey(tokens));
            if (!service)
                throw new IpvsParseError(`real server line before its service: ${JSON.stringify(line)}`);
            const dest = option(tokens, '-r');
            const weight = Number(option(tokens, '-w') ?? '1');
            const fwd = tokens.find((t) => FWD[t]);
            if (!dest || !Number.isFinite(weight))
                throw new IpvsParseError(`bad real server line ${JSON.stringify(line)}`);
            service.dests.set(dest, { key: dest, weight, forwarding: fwd ? FWD[fwd] : 'dr' });
        }
        else {
            throw new IpvsParseError(`unexpected line from ipvsadm -Sn: ${JSON.stringify(line.slice(0, 80))}`);
        }
    }
    return table;
}
/** ActiveConn of one destination from `ipvsadm -Ln <service>`. */
export function activeConnections(listing, destKey) {
    for (const line of listing.split('\n')) {
        const m = /^\s*->\s+(\S+)\s+\S+\s+\d+\s+(\d+)\s+\d+/.exec(line);
        if (m && m[1] === destKey)
            return Number(m[2]);
    }
    return undefined;
}
//# sourceMappingURL=ipvs-table.js.map