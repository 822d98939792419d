import { formatHostPort, vsAddress } from '../lib/address.js';
import { formatDuration } from '../lib/duration.js';
import type { Model } from '../model/model.js';

/** What `rsguard check-config` prints for a valid file. */
export function summarize(model: Model): string {
  const realServers = model.virtualServices.reduce((n, vs) => n + vs.realServers.length, 0);
  const uses = model.virtualServices.reduce((n, vs) => n + vs.realServers.reduce((m, rs) => m + rs.checkIds.length, 0) + (vs.sorryServer?.checkIds.length ?? 0), 0);
  const checkText = (ids: string[]) =>
    ids.map((id) => {
      const c = model.checks.get(id)!;
      return `${c.label} every ${formatDuration(c.timing.intervalMs)} fall ${c.timing.fall} rise ${c.timing.rise}`;
    });
  const lines = [
    `${model.source}: OK (${model.format})`,
    `  ${model.virtualServices.length} virtual services, ${realServers} real servers, ${model.checks.size} distinct checks (${uses} check uses)${model.vrrp.instances.length ? `, ${model.vrrp.instances.length} vrrp instances` : ''}`,
  ];
  for (const vs of model.virtualServices) {
    const where = vs.protocol === 'fwmark' ? vsAddress(vs) : `${vs.protocol} ${vsAddress(vs)}`;
    const sorry = vs.sorryServer ? `, sorry ${formatHostPort(vs.sorryServer.host, vs.sorryServer.port)} (${vs.sorryServer.checkIds.length ? checkText(vs.sorryServer.checkIds).join('; ') : 'unchecked'})` : '';
    lines.push(`  ${vs.name}: ${where} ${vs.scheduler} ${vs.forwarding}, on down ${vs.onDown}${sorry}`);
    for (const rs of vs.realServers) {
      const checks = checkText(rs.checkIds);
      const via = rs.track ? `tracks ${model.virtualServices.find((v) => v.key === rs.track!.vs)?.name ?? rs.track.vs}/${rs.track.rs}, whose checks are ` : '';
      lines.push(`    -> ${rs.key} weight ${rs.weight} ${rs.forwarding}: ${via}${checks.length ? checks.join('; ') : 'no checks (always up)'}`);
    }
    if (!vs.realServers.length) lines.push('    (no real servers: an empty pool)');
  }
  for (const i of model.vrrp.instances) {
    const where = [i.interface, i.virtualRouterId !== undefined ? `vrid ${i.virtualRouterId}` : undefined, i.priority !== undefined ? `priority ${i.priority}` : undefined].filter(Boolean).join(', ');
    lines.push(`  vrrp instance ${i.name}${where ? ` (${where})` : ''}: ${i.virtualIps.length ? i.virtualIps.join(' ') : 'no virtual IPs'}${notifyText(i.keepalivedNotify)}`);
  }
  for (const g of model.vrrp.syncGroups) lines.push(`  vrrp sync group ${g.name}: ${g.instances.join(' ') || 'no instances'}${notifyText(g.keepalivedNotify)}`);
  for (const w of model.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

function notifyText(n: Record<string, string> | undefined): string {
  return n ? `; keepalived runs ${Object.entries(n).map(([k, v]) => `${k === 'notify' ? 'notify' : `notify_${k}`} ${JSON.stringify(v)}`).join(', ')}` : '';
}
