import type { Model } from '../model/model.js';
import type { Logger } from '../lib/logger.js';
import { every, realTimers, type Timers } from '../lib/timers.js';
import { readKeepalivedFifo } from './fifo-reader.js';
import { appendTransition, checkerLine } from './transition-log.js';
import type { VrrpTransition } from '../model/vrrp-event.js';
import { drainSpool } from './vrrp-spool.js';

const SPOOL_POLL_MS = 2000;

/**
 * Where VRRP transitions come in besides POST /api/vrrp: keepalived's
 * notify_fifo, and the spool `rsguard notify` writes while the daemon is
 * down. Both follow a reload (the fifo is opened, moved or closed).
 */
export class VrrpInputs {
  private fifo: { stop(): void } | undefined;
  private fifoPath: string | undefined;
  private stopSpool: (() => void) | undefined;

  constructor(
    private readonly model: () => Model,
    private readonly record: (t: VrrpTransition) => void,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly timers: Timers = realTimers,
  ) {}

  async start(): Promise<void> {
    await this.ingestSpool();
    this.stopSpool = every(this.timers, SPOOL_POLL_MS, () => void this.ingestSpool());
    this.openFifo(this.model().notify.keepalivedFifo);
  }

  reconfigure(): void {
    const wanted = this.model().notify.keepalivedFifo;
    if (wanted === this.fifoPath) return;
    this.fifo?.stop();
    this.fifo = undefined;
    if (this.fifoPath) this.log.info({ fifo: this.fifoPath }, 'notify_fifo closed');
    this.openFifo(wanted);
  }

  stop(): void {
    this.fifo?.stop();
    this.stopSpool?.();
  }

  private async ingestSpool(): Promise<void> {
    const { transitions, bad } = await drainSpool(this.model().notify.vrrpSpoolDir);
    for (const b of bad) this.log.error({ file: b }, 'unreadable vrrp spool entry dropped');
    for (const t of transitions) this.record({ ...t, via: 'spool' });
  }

  private openFifo(path: string | undefined): void {
    this.fifoPath = path;
    if (!path) return;
    this.log.info({ fifo: path }, 'reading keepalived notify_fifo');
    this.fifo = readKeepalivedFifo(
      path,
      (line) => {
        if (line.type === 'vrrp') return this.record({ ...line.transition, via: 'notify_fifo' });
        if (line.type === 'invalid') return this.log.warn({ fifo: path, reason: line.reason }, 'notify_fifo line ignored');
        const what = line.type === 'vs' ? { vs: line.vs } : { rs: line.rs, vs: line.vs };
        this.log.info({ fifo: path, ...what, state: line.state }, 'keepalived checker transition');
        const file = this.model().notify.transitionLog;
        if (file) void appendTransition(file, checkerLine(line, this.clock()));
      },
      (err) => this.log.error({ fifo: path, err: err.message }, 'notify_fifo read failed'),
      this.clock,
    );
  }
}
