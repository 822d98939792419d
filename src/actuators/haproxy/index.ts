import { z } from 'zod';
import type { BalancerDef } from '../../model/model.js';
import { duration } from '../../lib/duration.js';
import { defineBalancer } from '../balancer-kind.js';
import { HaproxyActuator } from './haproxy-actuator.js';
import { haproxyBackendOf } from './options.js';
import { passiveSchema } from './passive-spec.js';
import { RuntimeClient } from './runtime-client.js';

export interface HaproxyDef extends BalancerDef {
  kind: 'haproxy';
  socket: string;
  timeoutMs: number;
  serverStateFile?: string;
  watchIntervalMs: number;
  /** How often passive health reads every server's counters (one `show stat` for all). */
  passiveIntervalMs: number;
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
    /** How often passive health (`haproxy.passive`) reads every server's error counters, in one request for all. */
    passiveInterval: duration.default(1000),
  }),
  build: (b): HaproxyDef => ({ kind: 'haproxy', socket: b.socket, reconcileIntervalMs: b.reconcileInterval, timeoutMs: b.timeout, ...(b.serverStateFile ? { serverStateFile: b.serverStateFile } : {}), watchIntervalMs: b.watchInterval, passiveIntervalMs: b.passiveInterval }),
  fields: {
    /** The HAProxy backend this virtual service drives. */
    virtualService: { haproxy: z.object({ backend: z.string().min(1), passive: passiveSchema.optional() }).strict().optional() },
    /** The server's name in its HAProxy backend; by default it is found by address. Its own passive health replaces the service's. */
    realServer: { haproxyServer: z.string().min(1).optional(), haproxyPassive: passiveSchema.optional() },
    sorryServer: { haproxyServer: z.string().min(1).optional() },
  },
  identity: (vs) => {
    const backend = haproxyBackendOf(vs);
    return backend === undefined ? undefined : `backend:${backend}`;
  },
  validate: (vss) => vss.flatMap((vs, index) => (haproxyBackendOf(vs) ? [] : [{ index, message: 'balancer haproxy needs haproxy.backend on every virtual service' }])),
  create: (def) => new HaproxyActuator(new RuntimeClient(def.socket, def.timeoutMs), { serverStateFile: def.serverStateFile, watchIntervalMs: def.watchIntervalMs }),
});
