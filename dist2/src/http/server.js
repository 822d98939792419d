import Fastify from 'fastify';
import { registerDrainRoutes } from './drain-routes.js';
import { STATUS_PAGE } from './status-page.js';
import { registerVrrpRoutes } from './vrrp-routes.js';
/** The read-only API: status document, Prometheus metrics, liveness. Loopback by default (config). */
export function buildHttpServer(deps) {
    const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });
    // Malformed JSON and wrong content types get a 4xx with a reason, never a stack trace.
    app.setErrorHandler(async (err, _req, reply) => {
        const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        reply.code(code);
        return { error: code === 500 ? 'internal error' : err.message };
    });
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'").send(STATUS_PAGE));
    app.get('/api/status', async () => deps.status());
    app.get('/api/events', async () => ({ events: deps.events() }));
    app.get('/metrics', async (_req, reply) => {
        reply.header('content-type', deps.registry.contentType);
        return deps.registry.metrics();
    });
    app.get('/healthz', async (_req, reply) => {
        const h = deps.healthy();
        reply.code(h.ok ? 200 : 503);
        return h;
    });
    app.get('/api/health', async (_req, reply) => {
        const h = deps.health();
        reply.code(h.ok ? 200 : 503);
        return h;
    });
    registerDrainRoutes(app, deps.drains);
    registerVrrpRoutes(app, deps.vrrp);
    app.setNotFoundHandler(async (req, reply) => {
        reply.code(404);
        return { error: 'not found', path: req.url };
    });
    return app;
}
//# sourceMappingURL=server.js.map