import type { z } from 'zod';
import type { BalancerDef } from '../model/model.js';
import type { Actuator } from './actuator.js';
import type { BalancerKind } from './balancer-kind.js';
import { dryRun } from './dry-run.js';
import { haproxyBalancer } from './haproxy/index.js';
import { ipvsBalancer } from './ipvs/index.js';
import { noneBalancer } from './none/index.js';

/** The one list of balancer kinds; the config schema derives `balancer:` from it. */
export const BALANCERS = [noneBalancer, ipvsBalancer, haproxyBalancer] as const;

const byKind = new Map<string, BalancerKind>(BALANCERS.map((b) => [b.kind, b as unknown as BalancerKind]));

export function balancerFor(kind: string): BalancerKind | undefined {
  return byKind.get(kind);
}

/** The config keys every balancer adds to virtual, real and sorry servers, merged (the schema spreads them in). */
const mergedFields = (part: 'virtualService' | 'realServer' | 'sorryServer'): z.ZodRawShape =>
  Object.assign({}, ...BALANCERS.map((b) => ('fields' in b ? (b.fields?.[part] ?? {}) : {})));

export const BALANCER_FIELDS = { virtualService: mergedFields('virtualService'), realServer: mergedFields('realServer'), sorryServer: mergedFields('sorryServer') };

/** Copies the balancer-owned keys of a config object into the model's `balancerOptions`. */
export function balancerOptions(input: Record<string, unknown>, shape: z.ZodRawShape): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(shape)) if (input[k] !== undefined) out[k] = input[k];
  return Object.keys(out).length ? out : undefined;
}

/** The actuator for the configured balancer; in dry run it reads and plans but never writes. */
export function createActuator(def: BalancerDef, dry: boolean): Actuator {
  const actuator = balancerFor(def.kind)!.create(def);
  return dry ? dryRun(actuator) : actuator;
}
