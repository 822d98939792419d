import net from 'node:net';
import tls from 'node:tls';
import { HttpResponseParser } from './http-response-parser.js';
import { socketExchange } from '../lib/socket-exchange.js';
export function buildRequest(req) {
    let head = `${req.method} ${req.path} HTTP/1.1\r\nHost: ${req.hostHeader}\r\nUser-Agent: rsguard\r\nAccept: */*\r\nConnection: close\r\n`;
    for (const [name, value] of Object.entries(req.headers)) {
        if (/[\r\n]/.test(name + value))
            continue; // never let a config value split the request
        const lower = name.toLowerCase();
        if (lower === 'host' || lower === 'connection')
            continue;
        head += `${name}: ${value}\r\n`;
    }
    if (req.method === 'POST')
        head += 'Content-Length: 0\r\n';
    return `${head}\r\n`;
}
export function httpCheck(req, signal) {
    const hostName = req.hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const socket = req.tls
        ? tls.connect({
            host: req.host,
            port: req.port,
            servername: net.isIP(hostName) ? undefined : hostName,
            rejectUnauthorized: req.tlsVerify,
            ALPNProtocols: ['http/1.1'],
            // With verification on, the name checked is the virtual host when set (SNI), else the address.
            checkServerIdentity: (_host, cert) => tls.checkServerIdentity(hostName, cert),
        })
        : net.connect({ host: req.host, port: req.port });
    const parser = new HttpResponseParser(req.method === 'HEAD', req.maxBodyBytes);
    return socketExchange(socket, req.tls ? 'secureConnect' : 'connect', signal, {
        request: () => buildRequest(req),
        data: (chunk) => {
            parser.push(chunk);
            return parser.done || (parser.headDone && !req.needBody) ? parser.result() : undefined;
        },
        end: () => {
            parser.end();
            return parser.result();
        },
    });
}
//# sourceMappingURL=http-client.js.map