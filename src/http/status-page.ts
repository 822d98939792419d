/**
 * The status page at `/`: every virtual service, its real servers with state,
 * weight, last check, latency and flapping, the sorry server, the VRRP
 * instances keepalived reported, and recent transitions; it polls the JSON API every 2 s. Everything a real server can
 * influence (check details) is inserted as text, never as HTML.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rsguard status</title>
<style>
  :root { --up: #1a7f37; --down: #cf222e; --soft: #9a6700; --muted: #57606a; --line: #d0d7de; }
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { display: flex; gap: 1.5em; align-items: baseline; padding: 12px 20px; background: #24292f; color: #fff; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { color: #c9d1d9; font-size: 13px; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section.vs { background: #fff; border: 1px solid var(--line); border-radius: 6px; }
  section.vs h2 { font-size: 15px; margin: 0; padding: 10px 12px; border-bottom: 1px solid var(--line); display: flex; gap: 1em; flex-wrap: wrap; }
  .sorry-active { color: #fff; background: var(--down); border-radius: 4px; padding: 0 6px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 12px; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
  td.detail { white-space: normal; color: var(--muted); max-width: 40em; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  .state { font-weight: 600; }
  .state.up { color: var(--up); } .state.down { color: var(--down); } .state.soft { color: var(--soft); }
  .flap { color: var(--soft); font-weight: 600; }
  #events li { font-family: ui-monospace, monospace; font-size: 12px; }
  .error { color: var(--down); }
</style>
</head>
<body>
<header><h1>rsguard</h1><span class="meta" id="meta">loading…</span><span class="meta" id="balancer"></span></header>
<main>
  <div id="services"></div>
  <section class="vs" id="vrrp-section" hidden><h2>VRRP (run by keepalived; the last state it reported)</h2><table><thead><tr><th>kind</th><th>name</th><th>state</th><th>since</th><th>interface</th><th>virtual IPs / members</th></tr></thead><tbody id="vrrp"></tbody></table></section>
  <section class="vs"><h2>Recent transitions</h2><ul id="events"></ul></section>
</main>
<script>
const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return e;
};
const ago = (iso) => { if (!iso) return ''; const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)); return s < 60 ? s + 's ago' : Math.round(s / 60) + 'm ago'; };
function addr(host, port) { return port == null ? host : (host.includes(':') ? '[' + host + ']' : host) + ':' + port; }
function render(doc) {
  document.getElementById('meta').textContent = doc.source + ' · ' + new Date(doc.generatedAt).toLocaleTimeString();
  const b = doc.balancer;
  const bal = document.getElementById('balancer');
  bal.textContent = 'balancer: ' + b.kind + (b.ok ? '' : ' · ' + (b.lastError || 'error'));
  bal.className = 'meta' + (b.ok ? '' : ' error');
  const root = document.getElementById('services');
  root.replaceChildren(...doc.virtualServices.map((vs) => {
    const where = vs.protocol === 'fwmark' ? 'fwmark ' + vs.fwmark : vs.protocol.toUpperCase() + ' ' + addr(vs.address, vs.port);
    const h = el('h2', {}, el('span', { class: 'name' }, vs.name), el('span', {}, where), el('span', {}, vs.scheduler),
      vs.sorryServer ? el('span', { class: vs.sorryServerActive ? 'sorry-active' : '' }, 'sorry ' + vs.sorryServer + (vs.sorryServerActive ? ' ACTIVE' : '')) : '',
      vs.quorumUp ? '' : el('span', { class: 'error' }, 'quorum lost'));
    const rows = vs.realServers.map((rs) => {
      const lc = rs.lastCheck;
      return el('tr', { 'data-rs': addr(rs.address, rs.port) },
        el('td', {}, addr(rs.address, rs.port)),
        el('td', {}, el('span', { class: 'state ' + rs.state + (rs.stateType === 'soft' ? ' soft' : '') }, rs.state + ' (' + rs.stateType + ')')),
        el('td', {}, rs.weight + (rs.weight !== rs.configuredWeight ? ' / ' + rs.configuredWeight : '') + (rs.drained ? ' drained' : '')),
        el('td', {}, rs.flapping ? el('span', { class: 'flap' }, 'flapping') : ''),
        el('td', {}, lc ? (lc.ok ? 'ok' : 'FAIL') + ' ' + lc.durationMs.toFixed(1) + ' ms' : 'pending'),
        el('td', {}, lc ? ago(lc.at) : ''),
        el('td', { class: 'detail' }, lc ? lc.detail : ''));
    });
    if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: '7', class: 'detail' }, 'no real servers: empty pool')));
    const head = el('tr', {}, ...['real server', 'state', 'weight', '', 'last check', 'when', 'detail'].map((t) => el('th', {}, t)));
    return el('section', { class: 'vs', 'data-vs': vs.name }, h, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
  }));
}
function renderVrrp(list) {
  document.getElementById('vrrp-section').hidden = !list || list.length === 0;
  document.getElementById('vrrp').replaceChildren(...(list || []).map((v) => el('tr', { 'data-vrrp': v.name },
    el('td', {}, v.kind), el('td', {}, v.name),
    el('td', {}, el('span', { class: 'state ' + (v.state === 'MASTER' ? 'up' : v.state === 'FAULT' ? 'down' : '') }, v.state + (v.priority != null ? ' ' + v.priority : ''))),
    el('td', {}, v.since ? ago(v.since) : ''), el('td', {}, v.interface || ''),
    el('td', { class: 'detail' }, v.kind === 'group' ? (v.instances || []).join(' ') : v.virtualIps.join(' ')))));
}
function renderEvents(events) {
  document.getElementById('events').replaceChildren(...events.slice().reverse().map((e) => el('li', {}, new Date(e.at).toLocaleTimeString() + '  ' + e.text)));
}
async function tick() {
  try {
    const [doc, events] = await Promise.all([fetch('/api/status').then((r) => r.json()), fetch('/api/events').then((r) => r.json())]);
    render(doc);
    renderVrrp(doc.vrrp);
    renderEvents(events.events);
  } catch (err) {
    document.getElementById('meta').textContent = 'cannot reach rsguard: ' + err.message;
  }
}
tick();
setInterval(tick, 2000);
</script>
</body>
</html>
`;
