import net from 'node:net';
import { z } from 'zod';
import { encodeRequest, FastCgiProtocolError, FastCgiReader, parseCgiOutput } from './fastcgi.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { socketExchange } from '../lib/socket-exchange.js';
const MAX_RESPONSE = 64 * 1024;
const REQUEST_ID = 1;
export const fpmSpec = z
    .object({
    /** php-fpm `ping.path`. */
    path: z.string().startsWith('/').default('/ping'),
    /** php-fpm `ping.response`; the body must equal it. */
    expect: z.string().min(1).default('pong'),
    /** Connect to this unix socket instead of the real server's host:port. */
    socket: z.string().startsWith('/').optional(),
    /** php-fpm `pm.status_path`; when set the pool status is read too (`?json`). */
    statusPath: z.string().startsWith('/').optional(),
    /** Fail when the pool's `listen queue` is above this (needs statusPath). */
    maxListenQueue: z.number().int().min(0).optional(),
})
    .strict()
    .refine((s) => s.maxListenQueue === undefined || s.statusPath !== undefined, { message: 'maxListenQueue needs statusPath', path: ['maxListenQueue'] });
function paramsFor(path, query, target) {
    return {
        GATEWAY_INTERFACE: 'FastCGI/1.0',
        REQUEST_METHOD: 'GET',
        SCRIPT_NAME: path,
        SCRIPT_FILENAME: path,
        REQUEST_URI: query ? `${path}?${query}` : path,
        DOCUMENT_URI: path,
        QUERY_STRING: query,
        SERVER_PROTOCOL: 'HTTP/1.1',
        SERVER_SOFTWARE: 'rsguard',
        REMOTE_ADDR: '127.0.0.1',
        SERVER_ADDR: target.host,
        SERVER_PORT: String(target.port),
    };
}
/** One FastCGI request on its own connection; rejects on socket errors, protocol errors and abort. */
function call(spec, target, path, query, signal) {
    const socket = spec.socket ? net.connect({ path: spec.socket }) : net.connect({ host: target.host, port: target.port });
    const reader = new FastCgiReader(REQUEST_ID, MAX_RESPONSE);
    return socketExchange(socket, 'connect', signal, {
        request: () => encodeRequest(REQUEST_ID, paramsFor(path, query, target)),
        data: (chunk) => {
            reader.push(chunk);
            return reader.done;
        },
        end: () => {
            throw new FastCgiProtocolError('connection closed before END_REQUEST');
        },
    });
}
export const fpmProbe = defineProbe({
    kind: 'fpm',
    spec: fpmSpec,
    run: async (target, spec, { signal }) => {
        const startedAt = performance.now();
        try {
            const ping = await call(spec, target, spec.path, '', signal);
            const out = parseCgiOutput(ping.stdout);
            if (out.status !== 200) {
                const stderr = ping.stderr.length ? `: ${snippet(ping.stderr.toString('utf8'), 80)}` : '';
                return fail(startedAt, 'status', `status ${out.status} for ${spec.path}${stderr}`);
            }
            if (out.body !== spec.expect && out.body.trimEnd() !== spec.expect) {
                return fail(startedAt, 'body', `expected ${JSON.stringify(spec.expect)}, got ${JSON.stringify(snippet(out.body, 40))}`);
            }
            if (!spec.statusPath)
                return pass(startedAt, spec.expect);
            const status = await call(spec, target, spec.statusPath, 'json', signal);
            const parsed = parseCgiOutput(status.stdout);
            if (parsed.status !== 200)
                return fail(startedAt, 'status', `status ${parsed.status} for ${spec.statusPath}`);
            let pool;
            try {
                pool = JSON.parse(parsed.body);
            }
            catch {
                return fail(startedAt, 'protocol', `pool status is not JSON: ${snippet(parsed.body, 40)}`);
            }
            const queue = Number(pool['listen queue']);
            if (!Number.isFinite(queue))
                return fail(startedAt, 'protocol', 'pool status lacks "listen queue"');
            if (spec.maxListenQueue !== undefined && queue > spec.maxListenQueue) {
                return fail(startedAt, 'status', `listen queue ${queue} > ${spec.maxListenQueue}`);
            }
            return pass(startedAt, `${spec.expect}, listen queue ${queue}, active ${String(pool['active processes'])}/${String(pool['total processes'])}`);
        }
        catch (err) {
            if (err instanceof FastCgiProtocolError && !signal.aborted)
                return fail(startedAt, 'protocol', err.message);
            return failure(startedAt, classifyError(err, signal));
        }
    },
});
//# sourceMappingURL=fpm.js.map