import type { MonitorEvent } from '../engine/events.js';
import type { Logger } from '../lib/logger.js';

/** One line per hard transition at info; soft ones at debug. */
export function logEvent(log: Logger, e: MonitorEvent): void {
  if (e.type === 'sorry-server') {
    log.warn({ vs: e.vsName, vsKey: e.vs, sorryServer: e.active ? 'in' : 'out' }, e.active ? 'sorry server in' : 'sorry server out');
    return;
  }
  if (e.type === 'sorry-health') {
    log[e.up ? 'info' : 'warn']({ vs: e.vsName, vsKey: e.vs, sorryServer: e.server, to: e.up ? 'up' : 'down', check: e.check, reason: e.reason }, e.up ? 'sorry server up' : 'sorry server down: it will not stand in');
    return;
  }
  if (e.type === 'quorum') {
    log[e.up ? 'info' : 'warn']({ vs: e.vsName, vsKey: e.vs, quorum: e.up ? 'up' : 'down', upWeight: e.upWeight, required: e.quorum }, e.up ? 'quorum gained' : 'quorum lost');
    return;
  }
  if (e.type === 'vrrp') {
    const t = e.transition;
    log.warn({ vrrp: t.kind.toLowerCase(), name: t.name, state: t.state, priority: t.priority, via: t.via }, 'vrrp transition');
    return;
  }
  if (e.type === 'check-error') {
    if (e.active) log.error({ checkError: e.reason, checks: e.checks, check: e.check, detail: e.detail }, 'checks cannot run: rsguard fault, servers hold their last state');
    else log.info({ checkError: e.reason, ...(e.detail ? { detail: e.detail } : {}) }, 'checks run again');
    return;
  }
  if (e.type === 'safety-valve') {
    log.warn({ vs: e.vsName, vsKey: e.vs, held: e.held, total: e.total, confirmed: e.confirmed }, e.confirmed ? 'mass failure confirmed by a second round, applying it' : 'mass failure held for a second round of checks (maxDownFraction)');
    return;
  }
  if (e.type === 'daemon') return;
  const where = { vs: e.server.vsName, vsKey: e.server.vs, rs: e.server.rs };
  switch (e.type) {
    case 'server-hard':
      log[e.to === 'down' ? 'warn' : 'info']({ ...where, from: e.from, to: e.to, stateType: 'hard', check: e.check, reason: e.reason }, 'real server state changed');
      return;
    case 'server-soft':
      log.debug({ ...where, from: `${e.from}/${e.fromType}`, to: `${e.to}/${e.toType}`, stateType: e.toType, check: e.check, reason: e.reason }, 'real server soft state');
      return;
    case 'server-weight':
      log.info({ ...where, weight: e.weight, configuredWeight: e.configured, check: e.check }, 'real server weight set by its check');
      return;
    case 'server-admin':
      log.info({ ...where, [e.mode === 'maint' ? 'maint' : 'drained']: e.on, source: e.source, by: e.by, reason: e.reason }, e.mode === 'maint' ? (e.on ? 'real server in maintenance' : 'real server out of maintenance') : e.on ? 'real server drained' : 'real server undrained');
      return;
    case 'server-flapping':
      log.warn({ ...where, flapping: e.flapping, percent: Math.round(e.percent * 10) / 10 }, e.flapping ? 'real server started flapping' : 'real server stopped flapping');
  }
}
