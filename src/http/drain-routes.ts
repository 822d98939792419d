import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Model, RealServerDef, VirtualServiceDef } from '../config/model.js';
import { checkBearer } from './auth.js';

export interface DrainDeps {
  model: () => Model;
  token: () => string | undefined;
  /** `by`: who asked (the API client's address), kept with the drain. */
  setDrain: (vsKey: string, rsKey: string, drained: boolean, by: string) => void;
  activeConnections: (vs: VirtualServiceDef, rs: RealServerDef) => Promise<number>;
}

const target = z.object({ vs: z.string().min(1).max(200), rs: z.string().min(1).max(200) }).strict();

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
  for (const [path, drained] of [['/api/drain', true], ['/api/undrain', false]] as const) {
    app.post(path, async (req, reply) => {
      const auth = checkBearer(req.headers.authorization, deps.token());
      if (!auth.ok) return reply.code(auth.status).send({ error: auth.error });
      const body = target.safeParse(req.body);
      if (!body.success) return reply.code(400).send({ error: 'expected {"vs": NAME, "rs": "IP:PORT"}', issues: body.error.issues.map((i) => i.message) });
      const found = findTarget(deps.model(), body.data.vs, body.data.rs);
      if ('error' in found) return reply.code(404).send({ error: found.error });
      deps.setDrain(found.vs.key, found.rs.key, drained, req.ip);
      return { vs: found.vs.name, rs: found.rs.key, drained };
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
