import { createSyncDaemonKeeper, type SyncDaemonKeeper } from './actuators/ipvs/sync-daemon-keeper.js';
import type { Model } from './model/model.js';
import type { EventBus } from './events/bus.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';

/**
 * Part of the composition root: the IPVS sync daemon (keepalived's
 * lvs_sync_daemon) follows its VRRP instance's transitions off the bus; a dry
 * run starts and stops nothing. Undefined when the balancer has none.
 */
export function wireSyncDaemon(balancer: Model['balancer'], dryRun: boolean, bus: EventBus, metrics: Metrics, log: Logger, clock: () => number): SyncDaemonKeeper | undefined {
  const syncd = dryRun ? undefined : createSyncDaemonKeeper(balancer as Parameters<typeof createSyncDaemonKeeper>[0], log, clock);
  // Declared always (no series without a sync daemon), so the alert rule's metric exists for every rsguard.
  metrics.attachSyncDaemon(() => syncd?.status() ?? null);
  if (!syncd) return undefined;
  bus.subscribe('extra', 'ipvs-sync-daemon', (e) => (e.type === 'vrrp' ? syncd.onVrrp(e.transition) : undefined));
  return syncd;
}
