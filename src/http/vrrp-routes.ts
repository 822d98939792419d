import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { vrrpTransition, type VrrpTransition } from '../model/vrrp-event.js';
import { checkBearer } from './auth.js';

export interface VrrpDeps {
  token: () => string | undefined;
  record: (t: VrrpTransition) => void;
  clock: () => number;
}

const body = z.object({ kind: z.string().max(16), name: z.string().max(64), state: z.string().max(32), priority: z.union([z.number(), z.string().max(3)]).optional() }).strict();

/** `POST /api/vrrp` for `rsguard notify`: a keepalived VRRP transition, with the bearer token. */
export function registerVrrpRoutes(app: FastifyInstance, deps: VrrpDeps): void {
  app.post('/api/vrrp', async (req, reply) => {
    const auth = checkBearer(req.headers.authorization, deps.token());
    if (!auth.ok) return reply.code(auth.status).send({ error: auth.error });
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: 'expected {"kind": "INSTANCE"|"GROUP", "name", "state", "priority"}' });
    const t = vrrpTransition(parsed.data.kind, parsed.data.name, parsed.data.state, parsed.data.priority, deps.clock());
    if (typeof t === 'string') return reply.code(400).send({ error: t });
    deps.record({ ...t, via: 'notify' });
    return { recorded: true, ...t };
  });
}
