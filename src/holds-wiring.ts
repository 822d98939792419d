import { AdminStore, adminFileFor, type AdminEntry } from './engine/admin-store.js';
import type { Monitor } from './engine/monitor.js';
import type { PoolKeeper } from './engine/pool-keeper.js';
import type { AdminState } from './engine/server-table.js';
import { HoldNotKept } from './http/drain-routes.js';
import type { Leadership } from './leadership.js';
import type { Logger } from './log.js';
import type { Model } from './model/model.js';

export interface Holds {
  /** The API's: refused (HoldNotKept) on a standby; answers once the hold is kept (in Redis too, in distributed mode). */
  setAdmin(vs: string, rs: string, mode: AdminState['mode'], on: boolean, by: string | null, reason: string | null): Promise<AdminState | null | undefined>;
  /** Taking over the lease: the leader's holds from Redis replace this process's own, before the first plan. */
  takeOver(): Promise<void>;
}

/**
 * Part of the composition root's wiring: operator holds (drains,
 * maintenance) survive a restart on disk, and in distributed mode a
 * takeover through Redis. Redis wins whenever it answers: the disk copy is
 * this host's last view, and a stale drain read from it would undo an
 * undrain done on another host. The disk is read instead only when Redis
 * has no document yet (the first leader writes its own there) or does not
 * answer at start (a hold lost is worse than a stale one; taking over reads
 * Redis again). An agent check's drain or maint is a hold too, kept the same way.
 */
export async function wireHolds(model: Model, configFile: string, pools: PoolKeeper, monitor: Monitor, leadership: Leadership, log: Logger): Promise<Holds> {
  const records = () => monitor.serverRecords();
  monitor.onAdminAsked = (vs, rs, ask) => pools.agentAdmin(vs, rs, ask);
  const file = adminFileFor(model.global.stateFile, configFile);
  const disk = new AdminStore(file, (err) => log.error({ file, err: err.message }, 'drains and maintenance not kept on disk'));
  const redis = leadership.holds();
  const fromRedis = (entries: AdminEntry[], msg: string) => {
    const counts = pools.restoreAdmin(entries, true);
    log.info({ key: redis?.key, ...counts }, msg);
    disk.save(records());
  };
  let entries: AdminEntry[] | undefined;
  try {
    entries = await redis?.load();
  } catch (err) {
    log.warn({ key: redis?.key, file, err: (err as Error).message }, 'drains and maintenance not read from Redis at start: the copy on disk is used until this scheduler leads');
  }
  if (entries) fromRedis(entries, 'drains and maintenance restored from Redis');
  else {
    const { restored, dropped } = pools.restoreAdmin(disk.load());
    if (restored || dropped) log.info({ file, restored, dropped }, 'drains and maintenance restored from disk');
  }
  pools.onAdminChange = () => {
    disk.save(records());
    // Not awaited here (the pool keeper is synchronous): the API waits for it through flush().
    void redis?.save(records());
  };
  return {
    async setAdmin(vs, rs, mode, on, by, reason) {
      if (!leadership.leading()) {
        const leader = leadership.view()?.holder;
        throw new HoldNotKept(`this scheduler stands by: drains and maintenance are set on the leader (${leader ?? 'none holds the lease right now, try again in a few seconds'}), which keeps them in Redis for whichever scheduler leads next`, leader);
      }
      const now = pools.setAdmin(vs, rs, mode, on, by, reason);
      // A change was handed to the store by onAdminChange: wait for that write, not a second one. With no change (an
      // undrain sent twice) it answers how the last write went, a failed one tried again: the leader is Redis's only writer.
      const written = await redis?.flush();
      if (written && !written.ok) throw new HoldNotKept(`${mode} ${on ? 'set' : 'ended'} on this scheduler, but not kept in Redis (${written.message}): a takeover now would not know it; rsguard retries the write, and sending this again is harmless`, leadership.view()?.holder);
      return now;
    },
    async takeOver() {
      if (!redis) return;
      let found: AdminEntry[] | undefined;
      try {
        found = await redis.load();
      } catch (err) {
        log.error({ key: redis.key, err: (err as Error).message }, 'drains and maintenance not read from Redis on taking over: this scheduler keeps its own');
        return;
      }
      if (found) fromRedis(found, 'drains and maintenance taken from Redis on taking over');
      // None there yet (the first leader on this queue, or Redis lost its data): this scheduler's own go there.
      else await redis.save(records());
    },
  };
}
