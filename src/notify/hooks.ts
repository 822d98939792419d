import { spawn } from 'node:child_process';
import type { Model } from '../config/model.js';
import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../log.js';

/**
 * keepalived notify_up / notify_down / quorum_up / quorum_down and ldirectord
 * fallbackcommand: run as argv (never through a shell) with a timeout; the
 * exit code is logged. keepalived appends nothing; ldirectord's fallback
 * command gets `start|stop VIP:PORT PROTO`.
 */
export function runHook(argv: string[], timeoutMs: number, log: Logger, what: string): Promise<number | null> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file!, args, { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      log.error({ hook: what, argv, err: err.message }, 'hook failed to start');
      resolve(null);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      log[code === 0 ? 'info' : 'warn']({ hook: what, argv, exitCode: code, signal }, 'hook ran');
      resolve(code);
    });
  });
}

/** The hooks a monitor event calls for. */
export function hooksFor(e: MonitorEvent, model: Model): Array<{ what: string; argv: string[] }> {
  switch (e.type) {
    case 'server-hard': {
      const vs = model.virtualServices.find((v) => v.key === e.server.vs);
      const rs = vs?.realServers.find((r) => r.key === e.server.rs);
      const argv = e.to === 'up' ? rs?.notify?.up : rs?.notify?.down;
      return argv ? [{ what: e.to === 'up' ? 'notify_up' : 'notify_down', argv }] : [];
    }
    case 'quorum': {
      const vs = model.virtualServices.find((v) => v.key === e.vs);
      const argv = e.up ? vs?.notify?.quorumUp : vs?.notify?.quorumDown;
      return argv ? [{ what: e.up ? 'quorum_up' : 'quorum_down', argv }] : [];
    }
    case 'sorry-server': {
      const vs = model.virtualServices.find((v) => v.key === e.vs);
      const cmd = vs?.notify?.fallbackCommand;
      if (!vs || !cmd) return [];
      const where = vs.protocol === 'fwmark' ? `${vs.fwmark}` : `${vs.host}:${vs.port}`;
      return [{ what: 'fallbackcommand', argv: [...cmd, e.active ? 'start' : 'stop', where, vs.protocol === 'fwmark' ? 'fwm' : vs.protocol] }];
    }
    default:
      return [];
  }
}
