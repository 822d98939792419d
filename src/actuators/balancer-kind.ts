import type { z } from 'zod';
import type { BalancerDef, Model, VirtualServiceDef } from '../model/model.js';
import type { Actuator } from './actuator.js';

/**
 * One kind of balancer, the way a probe kind is one probe: its `balancer:`
 * fields (a zod object, defaults included), how they become the model's
 * definition, checks of the whole config only it needs, and its actuator.
 * A new balancer is a folder under src/actuators/ exporting one of these,
 * and one line in registry.ts.
 */
export interface BalancerKind<S extends z.ZodObject = z.ZodObject, D extends BalancerDef = BalancerDef> {
  kind: string;
  schema: S;
  build(input: z.output<S>): D;
  /**
   * Keys this balancer adds to virtual services, real servers and sorry
   * servers in the config (HAProxy: `haproxy.backend`, `haproxyServer`). They
   * reach the model as `balancerOptions`, which only this balancer reads.
   */
  fields?: { virtualService?: z.ZodRawShape; realServer?: z.ZodRawShape; sorryServer?: z.ZodRawShape };
  /**
   * What a virtual service is to this balancer, when it is not its protocol
   * and address (the IPVS service, `tcp:10.0.0.1:80`): HAProxy's runtime API
   * addresses servers by backend and server name, so several backends behind
   * one frontend share its bind and are told apart by their backend name.
   * The model's key; two virtual services with the same one are duplicates.
   */
  identity?(vs: Pick<VirtualServiceDef, 'balancerOptions'>): string | undefined;
  /** Problems with the virtual services that only this balancer has (HAProxy: each needs a backend). */
  validate?(virtualServices: readonly VirtualServiceDef[]): Array<{ index: number; message: string }>;
  /** Settings that depend on the rest of the model (IPVS: the sync daemon's id from its VRRP instance): filled in on `def`; problems returned, each naming its `balancer.` key. */
  resolve?(def: D, vrrp: Model['vrrp']): string[];
  create(def: D): Actuator;
}

export function defineBalancer<S extends z.ZodObject, D extends BalancerDef>(b: BalancerKind<S, D>): BalancerKind<S, D> {
  return b;
}
