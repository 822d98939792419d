import Fastify, { type FastifyInstance } from 'fastify';
import type { StatusDocument } from '../read/status-document.js';
import type { Registry } from 'prom-client';
import { CachedJson } from './cached-json.js';
import { registerDrainRoutes, type DrainDeps } from './drain-routes.js';
import { STATUS_PAGE } from './status-page.js';
import { STATUS_PAGE_SCRIPT } from './status-page-script.js';
import type { StatusBoard } from '../read/status-board.js';
import { registerVrrpRoutes, type VrrpDeps } from './vrrp-routes.js';

export interface HttpDeps {
  status: () => StatusDocument;
  /** What the status page draws: state and recent history of every real server. */
  board: () => StatusBoard;
  /** The config in force (its identity changes at a reload): status and board snapshots of an older one are not served. */
  config?: () => object;
  /** Milliseconds a status document may be served again before it is rebuilt (default 250). */
  statusMaxAgeMs?: number;
  clock?: () => number;
  drains: DrainDeps;
  vrrp: VrrpDeps;
  registry: Registry;
  events: () => Array<{ at: number; type: string; text: string }>;
  healthy: () => { ok: boolean; detail: string };
  /** Fit to hold the VIPs (not blind): `rsguard health`, keepalived vrrp_script. */
  health: () => { ok: boolean };
}

/** The read-only API: status document, Prometheus metrics, liveness. Loopback by default (config). */
export function buildHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });
  // Malformed JSON and wrong content types get a 4xx with a reason, never a stack trace.
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, _req, reply) => {
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    reply.code(code);
    return { error: code === 500 ? 'internal error' : err.message };
  });
  // The page runs only rsguard's own script (no inline script, nothing from elsewhere): a check detail that slipped into markup could not run.
  const csp = "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:";
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', csp).send(STATUS_PAGE));
  app.get('/status-page.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(STATUS_PAGE_SCRIPT));
  // Browsers ask for it; a 404 would sit in every console.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  const clock = deps.clock ?? Date.now;
  const config = deps.config ?? (() => undefined);
  const status = new CachedJson(deps.status, clock, deps.statusMaxAgeMs ?? 250, 1, config);
  app.get('/api/status', async (_req, reply) => reply.type('application/json; charset=utf-8').send(status.get()));
  // Thousands of servers with their histories: built at most once a second whoever polls, and taking at most a tenth of the event loop.
  const board = new CachedJson(deps.board, clock, Math.max(1000, deps.statusMaxAgeMs ?? 250), 0.1, config);
  app.get('/api/board', async (req, reply) => {
    reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    return /\bgzip\b/.test(req.headers['accept-encoding'] ?? '') ? reply.header('content-encoding', 'gzip').send(board.gzipped()) : reply.send(board.get());
  });
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
  // A drain, maintenance or VRRP call changes what status shows: `rsguard drain` then `rsguard status` must see it,
  // not a snapshot from before the call (before the reply goes out, so the client cannot ask first).
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 400) {
      status.invalidate();
      board.invalidate();
    }
    return payload;
  });
  registerDrainRoutes(app, deps.drains);
  registerVrrpRoutes(app, deps.vrrp);
  app.setNotFoundHandler(async (req, reply) => {
    reply.code(404);
    return { error: 'not found', path: req.url };
  });
  return app;
}
