import { z } from 'zod';
import type { RealServerDef, VirtualServiceDef } from '../../model/model.js';

/**
 * Passive health, as HAProxy's `observe` + `on-error` + `error-limit`: errors
 * in the real traffic HAProxy carries to a server count against it. rsguard
 * reads them from HAProxy's counters (error-counters.ts), not per request.
 */
export const passiveSchema = z
  .object({
    /** layer4: failed connections; layer7: those and 5xx answers, invalid or aborted responses; none: off (a server that opts out of its service's). */
    observe: z.enum(['layer4', 'layer7', 'none']),
    /** Consecutive errors (no good answer among them) that make the `onError` action happen (HAProxy's default 10). */
    errorLimit: z.number().int().min(1).max(1_000_000).default(10),
    /**
     * What the errors do to the server's active checks, as HAProxy's on-error:
     * fail-check counts one failed check (HAProxy's default), sudden-death
     * leaves one more failed check before down, mark-down takes the server
     * down at once. Back up only through `rise` passing active checks.
     */
    onError: z.enum(['fail-check', 'sudden-death', 'mark-down']).default('fail-check'),
    /**
     * Also act when errors make this share of the answers within one read
     * (Envoy's failure_percentage), counted only over `minRequests` answers:
     * catches a server that fails most requests but not a run of them.
     */
    errorRate: z.object({ percent: z.number().gt(0).max(100), minRequests: z.number().int().min(1).default(20) }).strict().optional(),
  })
  .strict();

export type PassiveInput = z.input<typeof passiveSchema>;
export type PassiveSpec = z.output<typeof passiveSchema>;
export type PassiveObserve = Exclude<PassiveSpec['observe'], 'none'>;
export type ActivePassiveSpec = PassiveSpec & { observe: PassiveObserve };

/** The passive spec of one real server: its own `haproxyPassive`, else its virtual service's `haproxy.passive`; none when off. */
export function passiveOf(vs: Pick<VirtualServiceDef, 'balancerOptions'>, rs: Pick<RealServerDef, 'balancerOptions'>): ActivePassiveSpec | undefined {
  const own = rs.balancerOptions?.haproxyPassive as PassiveSpec | undefined;
  const service = (vs.balancerOptions?.haproxy as { passive?: PassiveSpec } | undefined)?.passive;
  const spec = own ?? service;
  return spec && spec.observe !== 'none' ? (spec as ActivePassiveSpec) : undefined;
}
