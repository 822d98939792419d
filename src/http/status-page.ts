/**
 * The status page at `/`: the shell and its style. What it shows and how is
 * in status-page-script.ts (served as /status-page.js, the only script the
 * page may run); the data is /api/board, /api/events and the drain API.
 * Nothing is loaded from anywhere but rsguard.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rsguard status</title>
<style>
  :root { --up: #1a7f37; --down: #cf222e; --soft: #bf8700; --rising: #8cc796; --error: #8250df; --neutral: #8c959f; --empty: #e6e9ec; --muted: #57606a; --line: #d0d7de; }
  body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
  header { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; padding: 8px 16px; background: #24292f; color: #fff; }
  header h1 { font-size: 17px; margin: 0; }
  header .meta { color: #c9d1d9; font-size: 12px; }
  header .error { color: #ff8182; }
  #counts { display: flex; gap: 6px; flex-wrap: wrap; }
  .chip { border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; background: #57606a; color: #fff; }
  .chip.down { background: var(--down); } .chip.failing { background: var(--soft); } .chip.error { background: var(--error); } .chip.up { background: var(--up); } .chip.drained { background: #0969da; } .chip.maint { background: #8250df; }
  #filter { flex: 1 1 260px; max-width: 420px; padding: 4px 8px; border-radius: 4px; border: 1px solid #57606a; background: #fff; }
  #auth { display: flex; gap: 6px; align-items: center; font-size: 12px; color: #c9d1d9; }
  #auth input { width: 12em; padding: 2px 6px; }
  button { font: inherit; font-size: 12px; padding: 1px 8px; border: 1px solid var(--line); border-radius: 4px; background: #f6f8fa; cursor: pointer; }
  button.confirm { background: #fff8c5; border-color: #d4a72c; font-weight: 600; }
  #notice { padding: 6px 16px; font-size: 12px; background: #fff8c5; border-bottom: 1px solid #d4a72c; }
  #notice.bad { background: #ffebe9; border-color: #ff8182; }
  main { padding: 12px 16px; display: grid; gap: 10px; }
  section.vs { background: #fff; border: 1px solid var(--line); border-radius: 6px; }
  section.vs.failing { border-color: #ff8182; }
  section.vs h2 { font-size: 14px; margin: 0; padding: 6px 10px; display: flex; gap: 0.5em 1em; flex-wrap: wrap; align-items: center; cursor: pointer; user-select: none; }
  section.vs.open h2 { border-bottom: 1px solid var(--line); }
  section.vs h2 .toggle { width: 1em; color: var(--muted); }
  section.vs h2 .where, section.vs h2 .sched { font-weight: 400; color: var(--muted); }
  section.vs h2 .tally { font-weight: 400; margin-left: auto; }
  .left-alone { padding: 4px 10px; font-size: 12px; color: var(--muted); border-bottom: 1px solid var(--line); }
  .state.unknown { color: var(--error); }
  .sorry-active { color: #fff; background: var(--down); border-radius: 4px; padding: 0 6px; }
  table { border-collapse: collapse; width: 100%; }
  section.vs table { table-layout: fixed; }
  section.vs td { overflow: hidden; text-overflow: ellipsis; }
  th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #eaeef2; white-space: nowrap; vertical-align: middle; }
  th { color: var(--muted); font-weight: 600; font-size: 11px; }
  td.detail { white-space: normal; color: var(--muted); max-width: 36em; font-size: 12px; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  canvas { display: block; }
  .state { font-weight: 600; }
  .state.up { color: var(--up); } .state.down { color: var(--down); } .state.soft { color: var(--soft); }
  .since { color: var(--muted); font-size: 11px; }
  .badge { font-size: 11px; border-radius: 4px; padding: 0 5px; margin-left: 4px; color: #fff; background: #0969da; }
  .badge.held, .badge.stale { background: var(--muted); } .badge.flap { background: var(--soft); } .badge.cerr { background: var(--error); } .badge.maint { background: #8250df; }
  .actions button + button { margin-left: 4px; }
  .avail-warn { color: var(--soft); font-weight: 600; } .avail-bad { color: var(--down); font-weight: 600; }
  tr.more td { text-align: center; }
  .flap { color: var(--soft); font-weight: 600; }
  #events li { font-family: ui-monospace, monospace; font-size: 12px; }
  .error { color: var(--down); }
  .legend { color: var(--muted); font-size: 11px; display: flex; gap: 10px; align-items: center; }
  .legend i { display: inline-block; width: 8px; height: 10px; margin-right: 3px; vertical-align: -1px; }
</style>
</head>
<body>
<header>
  <h1>rsguard</h1>
  <span class="meta" id="meta">loading…</span>
  <span class="meta" id="balancer"></span>
  <span id="counts"></span>
  <input id="filter" type="search" placeholder="filter: service, address, down, failing, error, drained, maint…" aria-label="filter" autocomplete="off">
  <span id="auth"></span>
</header>
<div id="notice" hidden></div>
<main>
  <div class="legend">bar: last 60 checks, newest right · <span><i style="background:var(--up)"></i>up</span><span><i style="background:var(--soft)"></i>failing (soft)</span><span><i style="background:var(--down)"></i>down</span><span><i style="background:var(--rising)"></i>rising (soft)</span><span><i style="background:var(--error)"></i>check error (rsguard could not check)</span><span><i style="background:var(--neutral)"></i>no change (said nothing of health)</span> · availability: time the server was up (hard state), check errors not counted</div>
  <div id="services"></div>
  <section class="vs open" id="vrrp-section" hidden><h2>VRRP (run by keepalived; the last state it reported)</h2><table><thead><tr><th>kind</th><th>name</th><th>state</th><th>since</th><th>interface</th><th>virtual IPs / members</th></tr></thead><tbody id="vrrp"></tbody></table></section>
  <section class="vs open"><h2>Recent transitions</h2><ul id="events"></ul></section>
</main>
<script src="/status-page.js"></script>
</body>
</html>
`;
