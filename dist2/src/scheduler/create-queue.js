import { BullmqQueue } from './bullmq-queue.js';
import { EmbeddedQueue } from './embedded-queue.js';
import { defaultStateFile, FileStateStore } from './file-state-store.js';
import { redisConnection, resolveRedisUrl } from './redis-connection.js';
import { RedisStateStore } from './state-store.js';
/**
 * Embedded (in-process pool, states in a local file) or distributed (BullMQ
 * on Redis, states in Redis), chosen by one rule for the scheduler and
 * `rsguard worker` alike (resolveRedisUrl).
 */
export function createQueue(model, configFile, resources, clock, log) {
    const redisUrl = resolveRedisUrl({ config: model.queue.redis });
    if (redisUrl) {
        const redis = [redisConnection(redisUrl, 'rsguard-scheduler'), redisConnection(redisUrl, 'rsguard-events')];
        const queue = new BullmqQueue(redis[0], redis[1], model.queue.prefix, clock, (message) => log.error({ err: message }, 'probe jobs not queued, checks are stale'));
        const stateStore = new RedisStateStore(redis[0], model.queue.prefix, (err) => log.error({ err: err.message }, 'check states not saved to Redis'));
        return {
            queue,
            mode: 'distributed',
            distributed: queue,
            stateStore,
            stateStoreName: 'Redis',
            async close() {
                await queue.close();
                await stateStore.close();
                for (const r of redis)
                    r.disconnect();
            },
        };
    }
    const queue = new EmbeddedQueue(model.global.concurrency, resources, clock);
    const file = model.global.stateFile === undefined ? defaultStateFile(configFile) : model.global.stateFile;
    const stateStore = file ? new FileStateStore(file, (err) => log.error({ file, err: err.message }, 'check states not saved')) : undefined;
    return {
        queue,
        mode: 'embedded',
        ...(stateStore ? { stateStore, stateStoreName: file } : {}),
        async close() {
            await queue.close();
            await stateStore?.close();
        },
    };
}
//# sourceMappingURL=create-queue.js.map