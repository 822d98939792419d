import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Model, RealServerDef, VirtualServiceDef } from '../model/model.js';
import { checkBearer } from './auth.js';

export interface DrainDeps {
  model: () => Model;
  token: () => string | undefined;
  /** Sets or clears a hold; `by`: who asked (the API client's address), kept with it. Returns the server's hold after. */
  setAdmin: (vsKey: string, rsKey: string, mode: 'drain' | 'maint', on: boolean, by: string, reason: string | null) => HoldAnswer | Promise<HoldAnswer>;
  activeConnections: (vs: VirtualServiceDef, rs: RealServerDef) => Promise<number>;
}

type HoldAnswer = { mode: 'drain' | 'maint' } | null | undefined;

/**
 * A hold this scheduler cannot keep where every scheduler on the queue sees
 * it (distributed mode): it is a standby, or Redis did not take the write.
 * Answered 503 with the leader's name, so a deploy script stops there
 * instead of going on with a drain that a takeover would undo.
 */
export class HoldNotKept extends Error {
  override name = 'HoldNotKept';
  constructor(message: string, readonly leader?: string) {
    super(message);
  }
}

const target = z.object({ vs: z.string().min(1).max(200), rs: z.string().min(1).max(200) }).strict();
const holdBody = target.extend({ reason: z.string().max(500).optional() }).strict();
const ROUTES = [
  ['/api/drain', 'drain', true],
  ['/api/undrain', 'drain', false],
  ['/api/maint', 'maint', true],
  ['/api/unmaint', 'maint', false],
] as const;

/** Finds a virtual service by name or key and one of its real servers by `ip:port`. */
export function findTarget(model: Model, vsName: string, rsKey: string): { vs: VirtualServiceDef; rs: RealServerDef } | { error: string } {
  const vs = model.virtualServices.find((v) => v.name === vsName || v.key === vsName);
  if (!vs) return { error: `no virtual service ${JSON.stringify(vsName)}` };
  const rs = vs.realServers.find((r) => r.key === rsKey);
  if (!rs) return { error: `no real server ${JSON.stringify(rsKey)} in ${vs.name}` };
  return { vs, rs };
}

/**
 * Drains for rolling deploys (set weight 0 and keep the server in the table,
 * wait for its connections to finish, deploy, undrain). Write endpoints need
 * the bearer token; bad input gets a 4xx with a reason and changes nothing.
 */
export function registerDrainRoutes(app: FastifyInstance, deps: DrainDeps): void {
  for (const [path, mode, on] of ROUTES) {
    app.post(path, async (req, reply) => {
      const auth = checkBearer(req.headers.authorization, deps.token());
      if (!auth.ok) return reply.code(auth.status).send({ error: auth.error });
      const body = holdBody.safeParse(req.body);
      if (!body.success) return reply.code(400).send({ error: 'expected {"vs": NAME, "rs": "IP:PORT", "reason"?: TEXT}', issues: body.error.issues.map((i) => i.message) });
      const found = findTarget(deps.model(), body.data.vs, body.data.rs);
      if ('error' in found) return reply.code(404).send({ error: found.error });
      let now: HoldAnswer;
      try {
        now = await deps.setAdmin(found.vs.key, found.rs.key, mode, on, req.ip, body.data.reason ?? null);
      } catch (err) {
        if (!(err instanceof HoldNotKept)) throw err;
        return reply.code(503).send({ error: err.message, ...(err.leader ? { leader: err.leader } : {}) });
      }
      // Clearing the other hold changes nothing: said, not silently accepted (undrain does not end a maintenance).
      if (!on && now && now.mode !== mode) return reply.code(409).send({ error: `${found.rs.key} in ${found.vs.name} is in ${now.mode === 'maint' ? 'maintenance' : 'drain'}, not ${mode === 'maint' ? 'maintenance' : 'drain'}: use ${now.mode === 'maint' ? 'unmaint' : 'undrain'}` });
      return { vs: found.vs.name, rs: found.rs.key, admin: now?.mode ?? null, ...(mode === 'drain' ? { drained: on } : { maint: on }) };
    });
  }
  app.get('/api/connections', async (req, reply) => {
    const q = target.safeParse(req.query);
    if (!q.success) return reply.code(400).send({ error: 'expected ?vs=NAME&rs=IP:PORT' });
    const found = findTarget(deps.model(), q.data.vs, q.data.rs);
    if ('error' in found) return reply.code(404).send({ error: found.error });
    try {
      return { vs: found.vs.name, rs: found.rs.key, activeConnections: await deps.activeConnections(found.vs, found.rs) };
    } catch (err) {
      return reply.code(502).send({ error: `cannot read connections from the balancer: ${(err as Error).message}` });
    }
  });
}
