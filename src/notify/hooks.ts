import { runCommand } from '../process/run-command.js';
import { formatHostPort } from '../lib/address.js';
import type { Model } from '../model/model.js';
import { realServerByKey, virtualServiceByKey } from '../model/model-index.js';
import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../lib/logger.js';

/**
 * keepalived notify_up / notify_down / quorum_up / quorum_down and ldirectord
 * fallbackcommand: run as argv (never through a shell) with a timeout; the
 * exit code is logged. keepalived appends nothing; ldirectord's fallback
 * command gets `start|stop VIP:PORT PROTO`.
 */
export async function runHook(argv: string[], timeoutMs: number, log: Logger, what: string): Promise<number | null> {
  const r = await runCommand(argv, { timeoutMs, maxOutput: 0 });
  switch (r.kind) {
    case 'spawn-error':
      log.error({ hook: what, argv, err: r.message }, 'hook failed to start');
      return null;
    case 'exited':
      log[r.code === 0 ? 'info' : 'warn']({ hook: what, argv, exitCode: r.code, signal: null }, 'hook ran');
      return r.code;
    default:
      log.warn({ hook: what, argv, exitCode: null, signal: r.kind === 'signalled' ? r.signal : 'SIGKILL', timedOut: r.kind === 'timeout' }, 'hook ran');
      return null;
  }
}

/** The hooks a monitor event calls for. */
export function hooksFor(e: MonitorEvent, model: Model): Array<{ what: string; argv: string[] }> {
  switch (e.type) {
    case 'server-hard': {
      const rs = realServerByKey(model, e.server.vs, e.server.rs);
      const argv = e.to === 'up' ? rs?.notify?.up : rs?.notify?.down;
      return argv ? [{ what: e.to === 'up' ? 'notify_up' : 'notify_down', argv }] : [];
    }
    case 'quorum': {
      const vs = virtualServiceByKey(model, e.vs);
      const argv = e.up ? vs?.notify?.quorumUp : vs?.notify?.quorumDown;
      return argv ? [{ what: e.up ? 'quorum_up' : 'quorum_down', argv }] : [];
    }
    case 'sorry-server': {
      const vs = virtualServiceByKey(model, e.vs);
      const cmd = vs?.notify?.fallbackCommand;
      if (!vs || !cmd) return [];
      // ldirectord passes the bare mark for fwmark services, HOST:PORT otherwise (IPv6 in brackets).
      const where = vs.protocol === 'fwmark' ? `${vs.fwmark}` : formatHostPort(vs.host!, vs.port);
      return [{ what: 'fallbackcommand', argv: [...cmd, e.active ? 'start' : 'stop', where, vs.protocol === 'fwmark' ? 'fwm' : vs.protocol] }];
    }
    default:
      return [];
  }
}
