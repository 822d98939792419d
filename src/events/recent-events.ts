import type { MonitorEvent } from '../engine/events.js';

/** The last transitions, for the status page: a bounded ring, newest last. */
export class RecentEvents {
  private readonly items: Array<{ at: number; type: string; text: string }> = [];
  constructor(private readonly max = 100) {}

  add(e: MonitorEvent): void {
    const text = describe(e);
    if (!text) return;
    this.items.push({ at: e.at, type: e.type, text });
    if (this.items.length > this.max) this.items.shift();
  }

  list(): Array<{ at: number; type: string; text: string }> {
    return [...this.items];
  }
}

function describe(e: MonitorEvent): string | undefined {
  switch (e.type) {
    case 'server-hard':
      return `${e.server.vsName} ${e.server.rs} ${e.from} -> ${e.to}${e.check ? ` (${e.check}: ${e.reason})` : ''}`;
    case 'server-weight':
      return `${e.server.vsName} ${e.server.rs} weight ${e.weight} (${e.check})`;
    case 'server-flapping':
      return `${e.server.vsName} ${e.server.rs} ${e.flapping ? 'started' : 'stopped'} flapping`;
    case 'server-admin':
      return `${e.server.vsName} ${e.server.rs} ${e.mode === 'maint' ? (e.on ? 'in maintenance' : 'out of maintenance') : e.on ? 'drained' : 'undrained'}${e.by ? ` by ${e.by}` : ''}${e.reason ? ` (${e.reason})` : ''}`;
    case 'sorry-server':
      return `${e.vsName} sorry server ${e.active ? 'in' : 'out'}`;
    case 'sorry-health':
      return `${e.vsName} sorry server ${e.server} ${e.up ? 'up' : 'down'}${e.check ? ` (${e.check}: ${e.reason})` : ''}`;
    case 'quorum':
      return `${e.vsName} quorum ${e.up ? 'gained' : 'lost'} (up weight ${e.upWeight})`;
    case 'vrrp':
      return `VRRP ${e.transition.kind.toLowerCase()} ${e.transition.name} ${e.transition.state} (priority ${e.transition.priority})`;
    case 'check-error':
      return e.active ? `checks cannot run (${e.reason}): ${e.check}: ${e.detail}` : `checks run again (${e.reason})`;
    case 'safety-valve':
      return `${e.vsName} ${e.held}/${e.total} down in one interval: ${e.confirmed ? 'confirmed, applied' : 'held for confirmation'}`;
    default:
      return undefined;
  }
}
