import { z } from 'zod';
import type { BalancerDef } from '../../model/model.js';
import { duration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { HaproxyActuator } from './haproxy-actuator.js';
import { haproxyBackendOf } from './options.js';
import { RuntimeClient } from './runtime-client.js';

export interface HaproxyDef extends BalancerDef {
  kind: 'haproxy';
  socket: string;
  timeoutMs: number;
  serverStateFile?: string;
  watchIntervalMs: number;
}

export const haproxyBalancer = defineBalancer({
  kind: 'haproxy',
  schema: z.object({
    /** Admin-level stats socket: a unix socket path or HOST:PORT. */
    socket: z.string().min(1),
    reconcileInterval: duration.default(10_000),
    timeout: duration.default(2000),
    /**
     * HAProxy's `server-state-file`: rsguard keeps it equal to HAProxy's state
     * after every reconcile, so a reloaded or restarted HAProxy starts with the
     * servers rsguard holds out still out (haproxy.cfg needs
     * `load-server-state-from-file global` in defaults).
     */
    serverStateFile: z.string().min(1).optional(),
    /** Ask HAProxy for its pid this often and reapply the pools at once when it changed (0: only the periodic repair). */
    watchInterval: duration.default(500),
  }),
  build: (b): HaproxyDef => ({ kind: 'haproxy', socket: b.socket, reconcileIntervalMs: b.reconcileInterval, timeoutMs: b.timeout, ...(b.serverStateFile ? { serverStateFile: b.serverStateFile } : {}), watchIntervalMs: b.watchInterval }),
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
  create: (def) => new HaproxyActuator(new RuntimeClient(def.socket, def.timeoutMs), { serverStateFile: def.serverStateFile, watchIntervalMs: def.watchIntervalMs }),
});
