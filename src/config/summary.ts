import { formatHostPort, vsAddress } from '../lib/address.js';
import { formatDuration } from '../lib/duration.js';
import type { Model } from './model.js';

/** What `rsguard check-config` prints for a valid file. */
export function summarize(model: Model): string {
  const realServers = model.virtualServices.reduce((n, vs) => n + vs.realServers.length, 0);
  const uses = model.virtualServices.reduce((n, vs) => n + vs.realServers.reduce((m, rs) => m + rs.checkIds.length, 0), 0);
  const lines = [
    `${model.source}: OK (${model.format})`,
    `  ${model.virtualServices.length} virtual services, ${realServers} real servers, ${model.checks.size} distinct checks (${uses} check uses)`,
  ];
  for (const vs of model.virtualServices) {
    const where = vs.protocol === 'fwmark' ? vsAddress(vs) : `${vs.protocol} ${vsAddress(vs)}`;
    const sorry = vs.sorryServer ? `, sorry ${formatHostPort(vs.sorryServer.host, vs.sorryServer.port)}` : '';
    lines.push(`  ${vs.name}: ${where} ${vs.scheduler} ${vs.forwarding}, on down ${vs.onDown}${sorry}`);
    for (const rs of vs.realServers) {
      const checks = rs.checkIds.map((id) => {
        const c = model.checks.get(id)!;
        return `${c.label} every ${formatDuration(c.timing.intervalMs)} fall ${c.timing.fall} rise ${c.timing.rise}`;
      });
      lines.push(`    -> ${rs.key} weight ${rs.weight} ${rs.forwarding}: ${checks.length ? checks.join('; ') : 'no checks (always up)'}`);
    }
  }
  for (const w of model.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
