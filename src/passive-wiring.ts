import type { HaproxyDef } from './actuators/haproxy/index.js';
import { RuntimeClient } from './actuators/haproxy/runtime-client.js';
import type { Model } from './model/model.js';
import type { Monitor } from './engine/monitor.js';
import { PassiveHealth } from './engine/passive-health.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';

/**
 * Passive health with the HAProxy balancer: its own runtime API client on the
 * balancer's socket (a read every passiveInterval, apart from the
 * reconciles), its windows counted in the metrics. None with another
 * balancer (a balancer change needs a restart).
 */
export function wirePassive(model: Model, monitor: Monitor, metrics: Metrics, log: Logger, clock: () => number): PassiveHealth | undefined {
  if (model.balancer.kind !== 'haproxy') return undefined;
  const def = model.balancer as HaproxyDef;
  const client = new RuntimeClient(def.socket, def.timeoutMs);
  return new PassiveHealth(monitor, (command) => client.send(command), log, clock, (vs, rs, errors, _ok, acted) => metrics.observePassive(vs.name, rs.key, errors, acted));
}
