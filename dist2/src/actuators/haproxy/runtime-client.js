import net from 'node:net';
import { socketExchange } from '../../lib/socket-exchange.js';
import { BalancerUnavailable } from '../actuator.js';
/** Replies larger than this are a broken or hostile peer (show stat on a huge config stays far below). */
const MAX_REPLY = 16 * 1024 * 1024;
/**
 * HAProxy's runtime API in non-interactive mode: connect, write one line
 * (commands chained with `;`), read until HAProxy closes. Not every error
 * reply ends with an empty line, so the end of the connection is the only
 * reliable end of a reply.
 */
export class RuntimeClient {
    address;
    timeoutMs;
    constructor(address, timeoutMs) {
        this.address = address;
        this.timeoutMs = timeoutMs;
    }
    connectOptions() {
        if (this.address.startsWith('/'))
            return { path: this.address };
        const colon = this.address.lastIndexOf(':');
        const host = this.address.slice(0, colon).replace(/^\[|\]$/g, '');
        return { host, port: Number(this.address.slice(colon + 1)) };
    }
    send(command) {
        if (/[\r\n]/.test(command))
            return Promise.reject(new Error('a runtime API command must be one line'));
        const signal = AbortSignal.timeout(this.timeoutMs);
        const chunks = [];
        let size = 0;
        return socketExchange(net.connect(this.connectOptions()), 'connect', signal, {
            request: () => `${command}\n`,
            data: (d) => {
                size += d.length;
                if (size > MAX_REPLY)
                    throw new BalancerUnavailable(`HAProxy runtime API ${this.address}: reply larger than ${MAX_REPLY} bytes`);
                chunks.push(d);
                return undefined;
            },
            // HAProxy closes when it has answered: the end of the connection is the end of the reply.
            end: () => Buffer.concat(chunks).toString('utf8'),
        }).catch((err) => {
            if (err instanceof BalancerUnavailable)
                throw err;
            if (signal.aborted)
                throw new BalancerUnavailable(`HAProxy runtime API ${this.address}: no reply within ${this.timeoutMs} ms`);
            throw new BalancerUnavailable(`HAProxy runtime API ${this.address}: ${err.code ?? err.message}`);
        });
    }
}
//# sourceMappingURL=runtime-client.js.map