import type { BalancerDef } from '../config/model.js';
import { noActuator, type Actuator } from './actuator.js';
import { HaproxyActuator } from './haproxy/haproxy-actuator.js';
import { RuntimeClient } from './haproxy/runtime-client.js';
import { IpvsActuator } from './ipvs/ipvs-actuator.js';
import { fileOwnership, noOwnership } from './ownership.js';
import { execRunner } from './ipvs/command-runner.js';

/** Picks the actuator for the configured balancer; dry-run actuators read but never write. */
export function createActuator(balancer: BalancerDef, dryRun: boolean): Actuator {
  switch (balancer.kind) {
    case 'none':
      return noActuator;
    case 'haproxy':
      return new HaproxyActuator(new RuntimeClient(balancer.socket, balancer.timeoutMs), dryRun);
    case 'ipvs':
      return new IpvsActuator(execRunner(balancer.ipvsadm, balancer.timeoutMs), { dryRun, cleanStop: balancer.cleanStop, ownership: dryRun ? noOwnership : fileOwnership(balancer.stateFile) });
  }
}
