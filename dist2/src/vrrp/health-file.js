import { writeFileAtomic } from '../lib/atomic-write.js';
/**
 * The keepalived track_file side of `global.health.file`: rsguard writes its
 * weight there while it is healthy and 0 when it is sick or stopped, so
 * keepalived (`track_file { f weight 1 }`) lowers the priority of a director
 * whose checker is blind. Written only on change, atomically.
 */
export class HealthFile {
    file;
    weight;
    healthy;
    onError;
    last;
    timer;
    constructor(file, weight, healthy, onError) {
        this.file = file;
        this.weight = weight;
        this.healthy = healthy;
        this.onError = onError;
    }
    start(everyMs = 1000) {
        void this.update();
        this.timer = setInterval(() => void this.update(), everyMs);
        this.timer.unref();
    }
    /** Writes the current verdict; `stopping` forces 0. */
    async update(stopping = false) {
        const file = this.file();
        if (!file)
            return;
        const value = stopping || !this.healthy() ? '0' : String(this.weight());
        const key = `${file}=${value}`;
        if (key === this.last)
            return;
        try {
            await writeFileAtomic(file, `${value}\n`);
            this.last = key;
        }
        catch (err) {
            this.onError(err);
        }
    }
    /** A stopped checker is a blind one: zero the file so keepalived moves the VIPs. */
    async stop() {
        clearInterval(this.timer);
        await this.update(true);
    }
}
//# sourceMappingURL=health-file.js.map