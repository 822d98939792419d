import type { StatusDocument } from './status-document.js';

const FORWARD: Record<string, string> = { dr: 'Route', nat: 'Masq', tun: 'Tunnel' };

function addr(host: string, port: number | null): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === null ? h : `${h}:${port}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

/** ANSI colours for a terminal; the identity when colour is off (pipes, NO_COLOR, mail bodies). */
type Paint = (text: string, tone: 'good' | 'bad' | 'warn') => string;
const plain: Paint = (t) => t;
const ansi: Paint = (t, tone) => `\x1b[${tone === 'good' ? 32 : tone === 'bad' ? 31 : 33}m${t}\x1b[0m`;

/** `ipvsadm -Ln` layout with health columns added. Colour is applied after padding, so columns line up either way. */
export function renderStatusTable(doc: StatusDocument, opts: { color?: boolean } = {}): string {
  const paint = opts.color ? ansi : plain;
  const out = ['rsguard: virtual services and real server health'];
  // Distributed mode: a standby's table is what the leader last stored, not what this process drives.
  const l = doc.leadership;
  if (l) out.push(l.role === 'leader' ? `scheduler: leader (lease token ${l.token ?? '?'}, ${(l.remainingMs / 1000).toFixed(1)} s left)` : `scheduler: standby (leader ${l.holder ?? 'none'}${l.token !== undefined ? `, token ${l.token}` : ''}); this process writes nothing`);
  out.push('Prot LocalAddress:Port Scheduler', '  -> RemoteAddress:Port           Forward Weight State      Flap Last check');
  for (const vs of doc.virtualServices) {
    const local = vs.protocol === 'fwmark' ? `FWM  ${vs.fwmark}` : `${vs.protocol.toUpperCase()}  ${addr(vs.address!, vs.port)}`;
    const sorry = vs.sorryServer ? `  sorry ${vs.sorryServer}${vs.sorryServerActive ? ' (ACTIVE)' : ''}${vs.sorryServerHealth === 'down' ? ' (DOWN: will not stand in)' : ''}` : '';
    // Older servers' documents lack the ownership fields.
    const found = vs.adopted ? `  (found in the table${vs.leftAsFound?.length ? `, left as found: ${vs.leftAsFound.join(', ')}` : ''})` : '';
    out.push(`${pad(local, 30)} ${vs.scheduler}  (${vs.name})${sorry}${found}`);
    // Said, not left blank: an empty pool (a HAProxy backend whose servers come at run time) is not a table cut short.
    if (!vs.realServers.length) out.push('  -> (no real servers: empty pool)');
    for (const rs of vs.realServers) {
      // A check that cannot run says so first: the state beside it is held, not measured.
      const last = rs.checkError
        ? `CHECK ERROR (${rs.checkError.reason}) ${rs.checkError.detail}; ${rs.state === 'unknown' ? 'not in the pool until it resolves' : 'state held'}`
        : rs.lastCheck
          ? `${rs.lastCheck.ok === null ? 'no change' : rs.lastCheck.ok ? 'ok' : 'FAIL'} ${rs.lastCheck.durationMs.toFixed(1)}ms ${rs.lastCheck.detail}`
          : 'pending';
      const via = rs.tracks ? ` (via ${rs.tracks})` : '';
      // An operator's hold comes first: it, not the checks, is why the weight is what it is.
      const hold = rs.admin ? `${rs.admin.mode === 'maint' ? 'MAINT' : 'DRAIN'}${rs.admin.reason ? ` (${rs.admin.reason})` : ''}; ` : '';
      out.push(
        `  -> ${pad(addr(rs.address, rs.port), 28)}${pad(FORWARD[rs.forwarding] ?? rs.forwarding, 8)}${pad(String(rs.weight), 7)}${paint(pad(rs.state === 'unknown' ? 'unknown' : `${rs.state}/${rs.stateType}`, 11), rs.state === 'unknown' ? 'warn' : rs.state === 'up' ? (rs.stateType === 'hard' ? 'good' : 'warn') : rs.stateType === 'hard' ? 'bad' : 'warn')}${pad(rs.flapping ? 'yes' : 'no', 5)}${hold}${rs.checkError ? paint(last, 'warn') : last}${via}`,
      );
      const p = rs.passive;
      if (p) {
        const last = p.lastAction ? `; last ${p.lastAction.action} ${p.lastAction.at}: ${p.lastAction.why}` : '';
        out.push(`       passive ${p.observe} (${p.onError} at ${p.errorLimit} errors): ${p.problem ? paint(p.problem, 'warn') : `${p.errors} errors, ${p.ok} ok, run ${p.run}${last}`}`);
      }
    }
    for (const f of vs.foreign ?? []) out.push(`  -> ${pad(f.server, 28)}${pad(FORWARD[f.forwarding] ?? f.forwarding, 8)}${pad(String(f.weight), 7)}${paint(pad('foreign', 11), 'warn')}${pad('-', 5)}not in the config, not added by rsguard: left in place`);
  }
  if (doc.vrrp?.length) {
    out.push('', 'VRRP (run by keepalived; states as keepalived reported them)', 'Kind     Name                 State      Since                     Interface  Virtual IPs');
    for (const v of doc.vrrp) {
      const state = v.priority !== null && v.state !== 'unknown' ? `${v.state} ${v.priority}` : v.state;
      const what = v.kind === 'group' ? `members ${(v.instances ?? []).join(' ')}` : v.virtualIps.join(' ');
      const tone = v.state === 'MASTER' ? 'good' : v.state === 'FAULT' ? 'bad' : undefined;
      out.push(`${pad(v.kind, 9)}${pad(v.name, 21)}${tone ? paint(pad(state, 11), tone) : pad(state, 11)}${pad(v.since ?? '-', 26)}${pad(v.interface ?? '-', 11)}${what}${v.configured ? '' : ' (not in the config)'}`);
    }
  }
  const sd = doc.ipvsSyncDaemon;
  if (sd) {
    const running = sd.running.map((d) => `${d.role} (syncid ${d.syncId}, ${d.interface})`).join(', ') || 'none';
    const line = `IPVS sync daemon: follows ${sd.vrrpInstance} (${sd.vrrpState ?? 'no state reported yet'}), wants ${sd.want}; running: ${running}`;
    out.push('', sd.error ? `${line}\n  ${paint(`not as wanted: ${sd.error}`, 'bad')}` : line);
  }
  return out.join('\n');
}
