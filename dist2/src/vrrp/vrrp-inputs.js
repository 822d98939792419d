import { readKeepalivedFifo } from './fifo-reader.js';
import { appendTransition, checkerLine } from './transition-log.js';
import { drainSpool } from './vrrp-spool.js';
const SPOOL_POLL_MS = 2000;
/**
 * Where VRRP transitions come in besides POST /api/vrrp: keepalived's
 * notify_fifo, and the spool `rsguard notify` writes while the daemon is
 * down. Both follow a reload (the fifo is opened, moved or closed).
 */
export class VrrpInputs {
    model;
    record;
    log;
    clock;
    fifo;
    fifoPath;
    spoolTimer;
    constructor(model, record, log, clock) {
        this.model = model;
        this.record = record;
        this.log = log;
        this.clock = clock;
    }
    async start() {
        await this.ingestSpool();
        this.spoolTimer = setInterval(() => void this.ingestSpool(), SPOOL_POLL_MS);
        this.openFifo(this.model().notify.keepalivedFifo);
    }
    reconfigure() {
        const wanted = this.model().notify.keepalivedFifo;
        if (wanted === this.fifoPath)
            return;
        this.fifo?.stop();
        this.fifo = undefined;
        if (this.fifoPath)
            this.log.info({ fifo: this.fifoPath }, 'notify_fifo closed');
        this.openFifo(wanted);
    }
    stop() {
        this.fifo?.stop();
        clearInterval(this.spoolTimer);
    }
    async ingestSpool() {
        const { transitions, bad } = await drainSpool(this.model().notify.vrrpSpoolDir);
        for (const b of bad)
            this.log.error({ file: b }, 'unreadable vrrp spool entry dropped');
        for (const t of transitions)
            this.record({ ...t, via: 'spool' });
    }
    openFifo(path) {
        this.fifoPath = path;
        if (!path)
            return;
        this.log.info({ fifo: path }, 'reading keepalived notify_fifo');
        this.fifo = readKeepalivedFifo(path, (line) => {
            if (line.type === 'vrrp')
                return this.record({ ...line.transition, via: 'notify_fifo' });
            if (line.type === 'invalid')
                return this.log.warn({ fifo: path, reason: line.reason }, 'notify_fifo line ignored');
            const what = line.type === 'vs' ? { vs: line.vs } : { rs: line.rs, vs: line.vs };
            this.log.info({ fifo: path, ...what, state: line.state }, 'keepalived checker transition');
            const file = this.model().notify.transitionLog;
            if (file)
                void appendTransition(file, checkerLine(line, this.clock()));
        }, (err) => this.log.error({ fifo: path, err: err.message }, 'notify_fifo read failed'), this.clock);
    }
}
//# sourceMappingURL=vrrp-inputs.js.map