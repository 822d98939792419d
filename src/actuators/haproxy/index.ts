import { z } from 'zod';
import type { BalancerDef } from '../../config/model.js';
import { duration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { HaproxyActuator } from './haproxy-actuator.js';
import { haproxyBackendOf } from './options.js';
import { RuntimeClient } from './runtime-client.js';

export interface HaproxyDef extends BalancerDef {
  kind: 'haproxy';
  socket: string;
  timeoutMs: number;
}

export const haproxyBalancer = defineBalancer({
  kind: 'haproxy',
  schema: z.object({
    /** Admin-level stats socket: a unix socket path or HOST:PORT. */
    socket: z.string().min(1),
    reconcileInterval: duration.default(10_000),
    timeout: duration.default(2000),
  }),
  build: (b): HaproxyDef => ({ kind: 'haproxy', socket: b.socket, reconcileIntervalMs: b.reconcileInterval, timeoutMs: b.timeout }),
  fields: {
    /** The HAProxy backend this virtual service drives. */
    virtualService: { haproxy: z.object({ backend: z.string().min(1) }).strict().optional() },
    /** The server's name in its HAProxy backend; by default it is found by address. */
    realServer: { haproxyServer: z.string().min(1).optional() },
    sorryServer: { haproxyServer: z.string().min(1).optional() },
  },
  identity: (vs) => {
    const backend = haproxyBackendOf(vs);
    return backend === undefined ? undefined : `backend:${backend}`;
  },
  validate: (vss) => vss.flatMap((vs, index) => (haproxyBackendOf(vs) ? [] : [{ index, message: 'balancer haproxy needs haproxy.backend on every virtual service' }])),
  create: (def) => new HaproxyActuator(new RuntimeClient(def.socket, def.timeoutMs)),
});
