import { z } from 'zod';
import type { BalancerDef } from '../../config/model.js';
import { duration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { HaproxyActuator } from './haproxy-actuator.js';
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
  validate: (vss) => vss.flatMap((vs, index) => (vs.haproxyBackend ? [] : [{ index, message: 'balancer haproxy needs haproxy.backend on every virtual service' }])),
  create: (def) => new HaproxyActuator(new RuntimeClient(def.socket, def.timeoutMs)),
});
