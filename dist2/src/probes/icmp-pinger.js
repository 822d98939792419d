import { randomInt } from 'node:crypto';
import net from 'node:net';
import raw from 'raw-socket';
export class PingPermissionError extends Error {
    name = 'PingPermissionError';
}
const ECHO_REQUEST_V4 = 8;
const ECHO_REPLY_V4 = 0;
const ECHO_REQUEST_V6 = 128;
const ECHO_REPLY_V6 = 129;
const PAYLOAD = Buffer.from('rsguard-icmp-echo');
export function createPinger() {
    const identifier = randomInt(1, 0xffff);
    let sequence = randomInt(0, 0xffff);
    const sockets = new Map();
    const pending = new Map();
    let openError;
    const keyOf = (address, seq) => `${address}#${seq}`;
    function socketFor(family) {
        const existing = sockets.get(family);
        if (existing)
            return existing;
        let socket;
        try {
            socket = raw.createSocket({
                protocol: family === 4 ? raw.Protocol.ICMP : raw.Protocol.ICMPv6,
                addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
            });
        }
        catch (err) {
            const message = err.message;
            if (/not permitted|EPERM|EACCES/i.test(message)) {
                openError = new PingPermissionError('icmp needs CAP_NET_RAW: run as root, or grant it (setcap cap_net_raw+ep on node, or AmbientCapabilities=CAP_NET_RAW)');
                throw openError;
            }
            throw err;
        }
        socket.on('message', (buffer, source) => onMessage(family, buffer, source));
        // A socket error fails nothing in flight by itself; those probes time out on their own deadline.
        socket.on('error', () => sockets.delete(family));
        socket.on('close', () => sockets.delete(family));
        sockets.set(family, socket);
        return socket;
    }
    function onMessage(family, buffer, source) {
        // IPv4 raw sockets hand us the IP header too; IPv6 ones do not.
        const offset = family === 4 ? (buffer[0] & 0x0f) * 4 : 0;
        if (buffer.length < offset + 8)
            return;
        const type = buffer[offset];
        if (type !== (family === 4 ? ECHO_REPLY_V4 : ECHO_REPLY_V6))
            return;
        if (buffer.readUInt16BE(offset + 4) !== identifier)
            return;
        const key = keyOf(source, buffer.readUInt16BE(offset + 6));
        const entry = pending.get(key);
        if (!entry)
            return;
        pending.delete(key);
        entry.resolve(performance.now() - entry.sentAt);
    }
    function ping(address, signal) {
        return new Promise((resolve, reject) => {
            const family = net.isIP(address);
            if (family !== 4 && family !== 6)
                return reject(new Error(`not an IP address: ${address}`));
            if (openError)
                return reject(openError);
            let socket;
            try {
                socket = socketFor(family);
            }
            catch (err) {
                return reject(err);
            }
            sequence = (sequence + 1) & 0xffff;
            const seq = sequence;
            const key = keyOf(address, seq);
            const packet = Buffer.alloc(8 + PAYLOAD.length);
            packet[0] = family === 4 ? ECHO_REQUEST_V4 : ECHO_REQUEST_V6;
            packet.writeUInt16BE(identifier, 4);
            packet.writeUInt16BE(seq, 6);
            PAYLOAD.copy(packet, 8);
            // The kernel fills in the ICMPv6 checksum (it covers a pseudo-header we cannot see).
            if (family === 4)
                raw.writeChecksum(packet, 2, raw.createChecksum(packet));
            const onAbort = () => {
                pending.delete(key);
                reject(signal.reason ?? new Error('aborted'));
            };
            if (signal.aborted)
                return onAbort();
            signal.addEventListener('abort', onAbort, { once: true });
            pending.set(key, {
                sentAt: performance.now(),
                resolve: (rtt) => {
                    signal.removeEventListener('abort', onAbort);
                    resolve(rtt);
                },
            });
            socket.send(packet, 0, packet.length, address, (err) => {
                if (!err)
                    return;
                pending.delete(key);
                signal.removeEventListener('abort', onAbort);
                reject(err);
            });
        });
    }
    return {
        ping,
        close() {
            for (const socket of sockets.values())
                socket.close();
            sockets.clear();
            pending.clear();
        },
    };
}
//# sourceMappingURL=icmp-pinger.js.map