import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
function ip(...args) {
    return execFileSync('ip', args, { encoding: 'utf8' });
}
export function createBlackhole() {
    const id = randomInt(1000, 9999);
    const ns = `rsgbh${id}`;
    const host = `rsgh${id}`;
    const peer = `rsgn${id}`;
    const octet = randomInt(1, 250);
    const address = `10.251.${octet}.2`;
    ip('netns', 'add', ns);
    try {
        ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
        ip('addr', 'add', `10.251.${octet}.1/32`, 'dev', host);
        ip('link', 'set', host, 'up');
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'addr', 'add', `${address}/32`, 'dev', peer);
        ip('-n', ns, 'link', 'set', peer, 'up');
        ip('route', 'add', `${address}/32`, 'dev', host);
        const mac = ip('-n', ns, '-br', 'link', 'show', peer).trim().split(/\s+/)[2];
        // A permanent neighbour entry: without it the host would wait on ARP and report "unreachable", not a timeout.
        ip('neigh', 'replace', address, 'lladdr', mac, 'dev', host, 'nud', 'permanent');
    }
    catch (err) {
        ip('netns', 'del', ns);
        throw err;
    }
    return {
        address,
        close() {
            try {
                ip('link', 'del', host);
            }
            catch {
                /* gone with the namespace */
            }
            ip('netns', 'del', ns);
        },
    };
}
//# sourceMappingURL=blackhole-netns.js.map