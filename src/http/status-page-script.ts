import { STATUS_PAGE_HELPERS } from './status-page-helpers.js';

/**
 * The status page's script (plain browser JavaScript, no framework: a few
 * hundred lines of DOM do it). It polls /api/board and draws, per virtual
 * service, each real server's state, time in state, a bar of its last checks,
 * a response-time sparkline and availability. Thousands of servers stay
 * readable: groups with failures come first and open, healthy groups of a
 * large farm stay closed (a strip of one cell per server), rows are failures
 * first and capped per group, and a filter narrows everything. Drain and
 * undrain go through the drain API with a token kept in sessionStorage.
 * Everything a real server can influence is inserted as text, never as HTML.
 * Kept free of backquotes and dollar-brace so it can live in this string.
 */
export const STATUS_PAGE_SCRIPT = STATUS_PAGE_HELPERS + String.raw`
  function serverRow(vs, rs) {
    var stateText = rs.state + ' (' + rs.stateType + ')';
    var since = rs.since === null ? '' : (rs.sinceStart ? '≥ ' : '') + duration(Date.now() - rs.since);
    var bar = el('canvas', { class: 'bar', width: BEATS * BEAT_W, height: BAR_H, 'data-beats': rs.beats, title: barTitle(rs.beats) });
    drawBar(bar, rs.beats);
    var spark = el('canvas', { class: 'spark', width: SPARK_W, height: SPARK_H, title: sparkTitle(rs.ms, rs.beats) });
    drawSpark(spark, rs.ms, rs.beats);
    var weight = el('td', { class: 'weight' }, rs.weight + (rs.weight !== rs.configuredWeight ? ' / ' + rs.configuredWeight : ''),
      rs.drained ? el('span', { class: 'badge drained', title: rs.hold || '' }, 'drained') : '',
      rs.maint ? el('span', { class: 'badge maint', title: rs.hold || '' }, 'maintenance') : '',
      rs.heldBySafetyValve ? el('span', { class: 'badge held', title: 'down, kept in the pool by the safety valve until confirmed' }, 'held') : '',
      rs.stale ? el('span', { class: 'badge stale', title: 'no result for over three intervals: the state shown is the last known one' }, 'stale') : '',
      rs.flapping ? el('span', { class: 'badge flap' }, 'flapping') : '');
    var action = '';
    // A server whose name gives no address is in no pool: nothing to drain. A held server offers only its release.
    if (board.writable && rs.state !== 'unknown') {
      var verbs = rs.maint ? ['unmaint'] : rs.drained ? ['undrain'] : ['drain', 'maint'];
      // While one asks to be confirmed it stands alone: the wider button keeps its place, and the other cannot be hit by mistake.
      var pending = confirming && confirming.vs === vs.key && confirming.rs === rs.key && confirming.until > Date.now() && verbs.indexOf(confirming.verb) >= 0 ? confirming.verb : null;
      action = el('span', { class: 'actions' }, verbs.filter(function (verb) { return !pending || verb === pending; }).map(function (verb) {
        var asking = verb === pending;
        return el('button', { class: verb + (asking ? ' confirm' : ''), 'data-action': verb, 'data-vs': vs.key, 'data-rs': rs.key, title: asking ? 'click again to ' + verb + ' ' + rs.key : verb + ' ' + rs.key + ' (asks to confirm)' }, asking ? 'confirm ' + verb : verb);
      }));
    }
    var detail = rs.checkError ? el('span', {}, el('span', { class: 'badge cerr' }, 'check error'), ' ' + rs.checkError + '; state held') : rs.detail;
    return el('tr', { 'data-rs': rs.key, 'data-rank': rank(rs) },
      el('td', { class: 'addr' }, rs.key),
      el('td', {}, el('span', { class: 'state ' + rs.state + (rs.stateType === 'soft' ? ' soft' : '') }, stateText), el('div', { class: 'since', title: rs.sinceStart ? 'so since rsguard began following it' : 'since the state changed' }, since)),
      el('td', { class: 'bar-cell' }, bar),
      el('td', {}, spark),
      el('td', { class: 'num last-ms' }, rs.lastMs === null ? 'pending' : rs.lastMs + ' ms'),
      el('td', { class: 'num avail hour ' + availClass(rs.hour) }, percent(rs.hour)),
      el('td', { class: 'num avail day ' + availClass(rs.day) }, percent(rs.day)),
      weight,
      el('td', {}, action),
      el('td', { class: 'detail' }, detail));
  }

  /** The same column widths in every group, so the bars of all services line up. */
  function colgroup() {
    return el('colgroup', {}, [175, 125, BEATS * BEAT_W + 24, SPARK_W + 24, 80, 80, 80, 150, 175, null].map(function (w) { return el('col', w ? { style: 'width:' + w + 'px' } : {}); }));
  }

  function strip(servers) {
    var w = Math.min(servers.length, 200) * 3;
    var c = el('canvas', { class: 'strip', width: w, height: 10, title: 'one cell per real server' });
    var ctx = c.getContext('2d');
    if (ctx) for (var i = 0; i < servers.length && i < 200; i++) {
      var r = rank(servers[i]);
      ctx.fillStyle = r === 0 ? COLORS.d : r === 1 ? COLORS.e : r <= 4 ? COLORS.f : r === 5 ? '#0969da' : COLORS.u;
      ctx.fillRect(i * 3, 0, 2, 10);
    }
    return c;
  }

  function tallyOf(servers) {
    var t = { total: servers.length, up: 0, down: 0, failing: 0, error: 0, drained: 0, maint: 0 };
    for (var i = 0; i < servers.length; i++) {
      var rs = servers[i], r = rank(rs);
      if (rs.state === 'up' && rs.stateType === 'hard') t.up++;
      if (r === 0) t.down++;
      else if (r === 1) t.error++;
      else if (r <= 4) t.failing++;
      if (rs.drained) t.drained++;
      if (rs.maint) t.maint++;
    }
    return t;
  }

  function render() {
    if (!board) return;
    var b = board.balancer;
    document.getElementById('meta').textContent = board.source + ' · ' + new Date(board.generatedAt).toLocaleTimeString();
    var bal = document.getElementById('balancer');
    bal.textContent = 'balancer: ' + b.kind + (b.ok ? '' : ' · ' + (b.lastError || 'error'));
    bal.className = 'meta' + (b.ok ? '' : ' error');
    var all = [];
    board.services.forEach(function (vs) { all = all.concat(vs.servers); });
    var t = tallyOf(all);
    document.getElementById('counts').replaceChildren(
      el('span', { class: 'chip', 'data-count': 'total' }, t.total + ' servers'),
      el('span', { class: 'chip up', 'data-count': 'up' }, t.up + ' up'),
      t.down ? el('span', { class: 'chip down', 'data-count': 'down' }, t.down + ' down') : '',
      t.failing ? el('span', { class: 'chip failing', 'data-count': 'failing' }, t.failing + ' failing') : '',
      t.error ? el('span', { class: 'chip error', 'data-count': 'error' }, t.error + ' check error') : '',
      t.drained ? el('span', { class: 'chip drained', 'data-count': 'drained' }, t.drained + ' drained') : '',
      t.maint ? el('span', { class: 'chip maint', 'data-count': 'maint' }, t.maint + ' in maintenance') : '');
    renderAuth();

    var match = matcher(document.getElementById('filter').value);
    var big = all.length > OPEN_ALL_UP_TO;
    var groups = board.services.map(function (vs) {
      var servers = match ? vs.servers.filter(function (rs) { return match(vs, rs); }) : vs.servers.slice();
      servers.sort(function (a, c) { return rank(a) - rank(c) || (a.key < c.key ? -1 : a.key > c.key ? 1 : 0); });
      var bad = 0, down = 0;
      for (var i = 0; i < servers.length; i++) {
        if (failing(servers[i])) bad++;
        if (rank(servers[i]) === 0) down++;
      }
      return { vs: vs, servers: servers, bad: bad, down: down, alarm: !vs.quorumUp || vs.sorryServerActive };
    }).filter(function (g) { return !match || g.servers.length > 0; });
    // Failures first: services out of quorum or on their sorry server, then the most servers down, then the most to look at (check errors, soft...), then by name.
    groups.sort(function (a, c) { return (c.alarm - a.alarm) || (c.down - a.down) || (c.bad - a.bad) || (a.vs.name < c.vs.name ? -1 : a.vs.name > c.vs.name ? 1 : 0); });

    // The rows are drawn anew each poll: the focused header or button is found again, so a keyboard user keeps their place.
    var focused = document.activeElement, refocus = null;
    if (focused && focused.hasAttribute('data-toggle')) refocus = '[data-toggle="' + CSS.escape(focused.getAttribute('data-toggle')) + '"]';
    else if (focused && focused.hasAttribute('data-action')) refocus = '[data-action="' + CSS.escape(focused.getAttribute('data-action')) + '"][data-vs="' + CSS.escape(focused.getAttribute('data-vs')) + '"][data-rs="' + CSS.escape(focused.getAttribute('data-rs')) + '"]';
    document.getElementById('services').replaceChildren.apply(document.getElementById('services'), groups.map(function (g) {
      var vs = g.vs;
      var hand = toggled.get(vs.key);
      var open = hand !== undefined ? hand : (!big || g.bad > 0 || g.alarm || !!match);
      var tl = tallyOf(g.servers);
      var head = el('h2', { 'data-toggle': vs.key, title: open ? 'close' : 'open', role: 'button', tabindex: '0', 'aria-expanded': open ? 'true' : 'false' },
        el('span', { class: 'toggle' }, open ? '▾' : '▸'),
        el('span', { class: 'name' }, vs.name), el('span', { class: 'where' }, vs.where), el('span', { class: 'sched' }, vs.scheduler),
        vs.sorryServer ? el('span', { class: vs.sorryServerActive ? 'sorry-active' : '' }, 'sorry ' + vs.sorryServer + (vs.sorryServerActive ? ' ACTIVE' : '')) : '',
        vs.quorumUp ? '' : el('span', { class: 'error' }, 'quorum lost'),
        vs.adopted ? el('span', { class: 'badge held', title: 'the balancer had this service before rsguard: rsguard manages its real servers and never deletes it' }, 'adopted') : '',
        vs.foreign && vs.foreign.length ? el('span', { class: 'badge held', title: 'real servers in the balancer that the config does not name; left in place' }, vs.foreign.length + ' foreign') : '',
        el('span', { class: 'tally' }, tl.up + '/' + tl.total + ' up' + (tl.down ? ' · ' + tl.down + ' down' : '') + (tl.failing ? ' · ' + tl.failing + ' failing' : '') + (tl.error ? ' · ' + tl.error + ' check error' : '') + (tl.drained ? ' · ' + tl.drained + ' drained' : '') + (tl.maint ? ' · ' + tl.maint + ' in maintenance' : '')),
        strip(g.servers));
      var section = el('section', { class: 'vs' + (open ? ' open' : '') + (g.bad || g.alarm ? ' failing' : ''), 'data-vs': vs.name, 'data-key': vs.key }, head);
      if (!open) return section;
      var alone = (vs.foreign || []).map(function (f) { return f.server + ' (weight ' + f.weight + ', ' + f.forwarding + ')'; });
      if (alone.length || (vs.leftAsFound || []).length) {
        section.append(el('div', { class: 'left-alone' },
          alone.length ? 'left alone in the balancer (not in the config): ' + alone.join(', ') : '',
          alone.length && vs.leftAsFound.length ? ' · ' : '',
          vs.leftAsFound.length ? 'left as found: ' + vs.leftAsFound.join(', ') : ''));
      }
      // In a large farm a service opened for its failures shows those (and a few healthy rows for comparison), not all its rows.
      var limit = showAll.has(vs.key) ? g.servers.length : big && hand === undefined && !match ? g.bad + 3 : ROWS_PER_GROUP;
      var rows = g.servers.slice(0, limit).map(function (rs) { return serverRow(vs, rs); });
      if (g.servers.length > limit) rows.push(el('tr', { class: 'more' }, el('td', { colspan: 10 }, el('button', { 'data-more': vs.key }, 'show all ' + g.servers.length + ' (' + (g.servers.length - limit) + ' more)'))));
      var thead = el('tr', {}, el('th', {}, 'real server'), el('th', {}, 'state · for'), el('th', {}, 'last 60 checks'), el('th', {}, 'response time'), el('th', {}, 'last'), el('th', {}, '1 h'), el('th', {}, '24 h'), el('th', {}, 'weight'), el('th', {}, ''), el('th', {}, 'detail'));
      section.append(el('table', {}, colgroup(), el('thead', {}, thead), el('tbody', {}, rows)));
      return section;
    }));
    if (refocus) { var again = document.querySelector(refocus); if (again) again.focus(); }
    if (match && !groups.length) document.getElementById('services').append(el('p', { class: 'empty' }, 'no real server matches the filter'));
    renderVrrp(board.vrrp);
  }

  function renderAuth() {
    var box = document.getElementById('auth');
    if (!board.writable) { box.replaceChildren('read-only (no API token configured)'); return; }
    if (box.dataset.mode === (token() ? 'set' : 'ask')) return;
    if (token()) {
      box.dataset.mode = 'set';
      box.replaceChildren('API token set', el('button', { id: 'forget-token', type: 'button' }, 'forget'));
    } else {
      box.dataset.mode = 'ask';
      var input = el('input', { id: 'token', type: 'password', placeholder: 'API token to drain', autocomplete: 'off' });
      var form = el('form', { id: 'token-form' }, input, el('button', { type: 'submit' }, 'use'));
      box.replaceChildren(form);
    }
  }

  function renderVrrp(list) {
    document.getElementById('vrrp-section').hidden = !list || list.length === 0;
    document.getElementById('vrrp').replaceChildren.apply(document.getElementById('vrrp'), (list || []).map(function (v) {
      return el('tr', { 'data-vrrp': v.name },
        el('td', {}, v.kind), el('td', {}, v.name),
        el('td', {}, el('span', { class: 'state ' + (v.state === 'MASTER' ? 'up' : v.state === 'FAULT' ? 'down' : '') }, v.state + (v.priority != null ? ' ' + v.priority : ''))),
        el('td', {}, v.since ? ago(v.since) : ''), el('td', {}, v.interface || ''),
        el('td', { class: 'detail' }, v.kind === 'group' ? (v.instances || []).join(' ') : v.virtualIps.join(' ')));
    }));
  }
  function renderEvents() {
    document.getElementById('events').replaceChildren.apply(document.getElementById('events'), events.slice().reverse().map(function (e) {
      return el('li', {}, new Date(e.at).toLocaleTimeString() + '  ' + e.text);
    }));
  }
  function notice(text, bad) {
    var n = document.getElementById('notice');
    n.textContent = text;
    n.className = bad ? 'bad' : '';
    n.hidden = !text;
  }

  var DONE = { drain: 'drained ', undrain: 'undrained ', maint: 'in maintenance: ', unmaint: 'out of maintenance: ' };
  async function setHold(vsKey, rsKey, verb) {
    var t = token();
    if (!t) { notice('enter the API token first (kept for this browser tab only)', true); var i = document.getElementById('token'); if (i) i.focus(); return; }
    try {
      var res = await fetch('/api/' + verb, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + t }, body: JSON.stringify({ vs: vsKey, rs: rsKey }) });
      var body = await res.json().catch(function () { return {}; });
      if (res.status === 401) { setToken(''); renderAuth(); notice('the API token was refused (' + (body.error || res.status) + '): enter it again', true); return; }
      if (!res.ok) { notice(verb + ' failed: ' + (body.error || res.status), true); return; }
      notice(DONE[verb] + body.vs + ' ' + body.rs, false);
      await tick();
    } catch (err) {
      notice('cannot reach rsguard: ' + err.message, true);
    }
  }

  document.addEventListener('click', function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;
    var act = target.closest('[data-action]');
    if (act) {
      var want = { vs: act.getAttribute('data-vs'), rs: act.getAttribute('data-rs'), verb: act.getAttribute('data-action') };
      if (confirming && confirming.vs === want.vs && confirming.rs === want.rs && confirming.verb === want.verb && confirming.until > Date.now()) {
        confirming = null;
        if (DONE[want.verb]) void setHold(want.vs, want.rs, want.verb);
      } else {
        want.until = Date.now() + CONFIRM_MS;
        confirming = want;
        render();
        setTimeout(function () { if (confirming === want) { confirming = null; render(); } }, CONFIRM_MS + 50);
      }
      return;
    }
    var more = target.closest('[data-more]');
    if (more) { showAll.add(more.getAttribute('data-more')); render(); return; }
    if (target.closest('#forget-token')) { setToken(''); renderAuth(); return; }
    var head = target.closest('[data-toggle]');
    if (head) {
      var key = head.getAttribute('data-toggle');
      var section = head.closest('section');
      toggled.set(key, !(section && section.classList.contains('open')));
      render();
    }
  });
  document.addEventListener('keydown', function (ev) {
    if ((ev.key === 'Enter' || ev.key === ' ') && ev.target instanceof Element && ev.target.matches('[data-toggle]')) {
      ev.preventDefault();
      ev.target.click();
    }
  });
  document.addEventListener('submit', function (ev) {
    if (!(ev.target instanceof Element) || ev.target.id !== 'token-form') return;
    ev.preventDefault();
    var v = document.getElementById('token').value.trim();
    if (!v) return;
    setToken(v);
    renderAuth();
    notice('API token kept for this browser tab', false);
  });
  var typing = null;
  document.addEventListener('visibilitychange', function () {
    if (document.hidden || !board) return;
    clearTimeout(timer);
    void loop();
  });
  document.getElementById('filter').addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(render, 120);
  });

  async function tick() {
    try {
      var both = await Promise.all([fetch('/api/board').then(function (r) { return r.json(); }), fetch('/api/events').then(function (r) { return r.json(); })]);
      board = both[0];
      events = both[1].events;
      render();
      renderEvents();
      document.body.dataset.ready = '1';
    } catch (err) {
      document.getElementById('meta').textContent = 'cannot reach rsguard: ' + err.message;
    }
  }
  async function loop() {
    await tick();
    var n = 0;
    if (board) board.services.forEach(function (vs) { n += vs.servers.length; });
    // A large farm is polled less often (its board is megabytes), a hidden tab rarely.
    timer = setTimeout(loop, document.hidden ? 15000 : n > 2000 ? 5000 : 2000);
  }
  void loop();
})();
`;

