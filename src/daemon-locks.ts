import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Model } from './model/model.js';
import { resolveRedisTarget } from './scheduler/resolve-redis.js';
import { stateFileOf } from './scheduler/file-state-store.js';
import { acquireLock, InstanceLocked } from './process/instance-lock.js';

/** Balancer locks live on tmpfs: a reboot clears them with the processes that held them. */
export const RUN_DIR = process.env.RSGUARD_RUN_DIR ?? '/run/rsguard';

/** What one running rsguard owns alone: the balancer target it drives, and the files it writes state into. */
export function lockTargets(model: Model, configFile: string, dryRun: boolean): Array<{ file: string; what: string }> {
  const out: Array<{ file: string; what: string }> = [];
  const b = model.balancer as Model['balancer'] & { socket?: string };
  // A dry run writes nothing to the balancer: it may watch beside the real one.
  // Distributed mode: several schedulers on one queue are meant (one leads, the others stand by); the leader lease, not a local lock, keeps them from both writing.
  const distributed = Boolean(resolveRedisTarget({ config: model.queue.redis }));
  if (!dryRun && !distributed && b.kind === 'ipvs') {
    // IPVS tables are per network namespace: one lock per namespace, whatever the config.
    let ns = 'host';
    try {
      ns = String(statSync('/proc/self/ns/net').ino);
    } catch {
      /* no /proc: one table */
    }
    out.push({ file: path.join(RUN_DIR, `ipvs-netns-${ns}.lock`), what: `the IPVS table (network namespace ${ns})` });
  } else if (!dryRun && !distributed && b.kind === 'haproxy' && b.socket) {
    const target = b.socket.startsWith('/') ? path.resolve(b.socket) : b.socket;
    out.push({ file: path.join(RUN_DIR, `haproxy-${createHash('sha1').update(target).digest('hex').slice(0, 16)}.lock`), what: `HAProxy ${target}` });
  }
  // Distributed mode keeps states in Redis (one scheduler per queue is the leader lease's job).
  if (!distributed) {
    const stateFile = stateFileOf(model.global.stateFile, configFile);
    if (stateFile) out.push({ file: `${stateFile}.lock`, what: `the check state file ${stateFile}` });
  }
  if (model.notify.email) out.push({ file: path.join(model.notify.email.spoolDir, 'rsguard.lock'), what: `the mail spool ${model.notify.email.spoolDir}` });
  return out;
}

/**
 * Takes every lock or none (a refusal releases what was taken); returns the
 * release of all. Only a live holder refuses the start: a lock that cannot be
 * written (a read-only or foreign directory, a full disk) is rsguard's own
 * trouble, told through `cannot`, and must not keep the checker from running.
 */
export async function takeInstanceLocks(model: Model, configFile: string, dryRun: boolean, cannot: (what: string, file: string, err: Error) => void = () => {}): Promise<() => Promise<void>> {
  const releases: Array<() => Promise<void>> = [];
  const releaseAll = async () => {
    for (const r of releases.splice(0).reverse()) await r().catch(() => undefined);
  };
  for (const t of lockTargets(model, configFile, dryRun)) {
    try {
      releases.push(await acquireLock(t.file, t.what, path.resolve(configFile)));
    } catch (err) {
      if (err instanceof InstanceLocked) {
        await releaseAll();
        throw err;
      }
      cannot(t.what, t.file, err as Error);
    }
  }
  return releaseAll;
}
