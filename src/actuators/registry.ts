import type { BalancerDef } from '../config/model.js';
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

/** The actuator for the configured balancer; in dry run it reads and plans but never writes. */
export function createActuator(def: BalancerDef, dry: boolean): Actuator {
  const actuator = balancerFor(def.kind)!.create(def);
  return dry ? dryRun(actuator) : actuator;
}
