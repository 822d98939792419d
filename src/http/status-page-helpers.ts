/**
 * The first part of the status page's script (see status-page-script.ts):
 * its constants, state and the drawing helpers (bars, sparklines, ranks,
 * the filter). It opens the page script's one function scope, which the
 * second part closes, so both run as one script.
 * Kept free of backquotes and dollar-brace so it can live in this string.
 */
export const STATUS_PAGE_HELPERS = String.raw`'use strict';
(function () {
  var COLORS = { u: '#1a7f37', d: '#cf222e', f: '#bf8700', r: '#8cc796', e: '#8250df', n: '#8c959f' };
  var BEAT_NAME = { u: 'up', d: 'down', f: 'failing', r: 'rising', e: 'check error', n: 'no change' };
  var BEATS = 60, BEAT_W = 4, BAR_H = 16, SPARK_W = 110, SPARK_H = 20;
  /** Above this many servers, healthy groups start closed. */
  var OPEN_ALL_UP_TO = 300;
  /** Rows drawn per open group before a "show all" row. */
  var ROWS_PER_GROUP = 100;
  var TOKEN_KEY = 'rsguard-api-token';

  var board = null;
  var events = [];
  /** Groups the operator opened or closed by hand (key -> true/false); others follow the defaults. */
  var toggled = new Map();
  var showAll = new Set();
  var timer = null;
  /** A drain or undrain clicked once: the button asks to be clicked again within a few seconds (a stray click moves no traffic). */
  var CONFIRM_MS = 5000;
  var confirming = null;

  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    var add = function (c) {
      if (c === undefined || c === null || c === '') return;
      if (Array.isArray(c)) c.forEach(add);
      else e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    };
    for (var i = 2; i < arguments.length; i++) add(arguments[i]);
    return e;
  }
  function token() { try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (err) { return ''; } }
  function setToken(t) { try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch (err) { /* storage off: the token lasts this page */ } }

  function duration(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + (s % 60) + 's';
    var h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  function ago(iso) { return iso ? duration(Date.now() - Date.parse(iso)) + ' ago' : ''; }
  function percent(r) {
    if (r === null || r === undefined) return '–';
    if (r === 1) return '100%';
    // Never rounded up to 100%: a server that was down at all shows it. Two decimals where they matter (99.95%), one below.
    var p = r * 100;
    return (p >= 99 ? Math.min(99.99, Math.floor(p * 100) / 100) : Math.floor(p * 10) / 10) + '%';
  }
  function availClass(r) { return r === null || r === undefined ? '' : r < 0.9 ? 'avail-bad' : r < 0.99 ? 'avail-warn' : ''; }

  /** 0 is worst: the order of rows in a group. */
  function rank(rs) {
    // An operator took it out on purpose: whatever its checks say is not a failure to look at.
    if (rs.maint) return 5;
    if (rs.state === 'down' && rs.stateType === 'hard') return 0;
    if (rs.checkError) return 1;
    if (rs.stateType === 'soft') return 2;
    if (rs.stale) return 3;
    if (rs.heldBySafetyValve) return 4;
    if (rs.drained) return 5;
    if (rs.flapping) return 6;
    return 7;
  }
  /** A server an operator has to look at. */
  function failing(rs) { return rank(rs) <= 4; }
  function words(rs) {
    var w = [rs.state, rs.stateType];
    if (rs.state === 'down' && rs.stateType === 'hard') w.push('failed', 'failing');
    if (rs.stateType === 'soft') w.push('soft', rs.state === 'down' ? 'failing' : 'rising');
    if (rs.checkError) w.push('error', 'check error', rs.checkError);
    if (rs.drained) w.push('drained', 'drain');
    if (rs.maint) w.push('maint', 'maintenance', 'drained');
    if (rs.stale) w.push('stale');
    if (rs.flapping) w.push('flapping');
    if (rs.heldBySafetyValve) w.push('held');
    return w.join(' ');
  }
  function matcher(q) {
    var terms = q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return null;
    return function (vs, rs) {
      var hay = (vs.name + ' ' + vs.where + ' ' + rs.key + ' ' + words(rs) + ' ' + rs.detail).toLowerCase();
      for (var i = 0; i < terms.length; i++) if (hay.indexOf(terms[i]) < 0) return false;
      return true;
    };
  }

  function drawBar(canvas, beats) {
    var ctx = canvas.getContext('2d');
    if (!ctx) return;
    var pad = BEATS - beats.length;
    for (var i = 0; i < BEATS; i++) {
      var b = i < pad ? '' : beats.charAt(i - pad);
      ctx.fillStyle = COLORS[b] || '#e6e9ec';
      ctx.fillRect(i * BEAT_W, 0, BEAT_W - 1, BAR_H);
    }
  }
  function drawSpark(canvas, ms, beats) {
    var ctx = canvas.getContext('2d');
    if (!ctx || !ms.length) return;
    var max = 1;
    for (var i = 0; i < ms.length; i++) if (beats.charAt(i) !== 'e' && ms[i] > max) max = ms[i];
    var step = SPARK_W / Math.max(BEATS - 1, 1);
    var x0 = (BEATS - ms.length) * step;
    ctx.strokeStyle = '#0969da';
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    var pen = false;
    for (var j = 0; j < ms.length; j++) {
      // A check error measured nothing about the server: a gap, not a point.
      if (beats.charAt(j) === 'e') { pen = false; continue; }
      var x = x0 + j * step, y = SPARK_H - 2 - (ms[j] / max) * (SPARK_H - 4);
      if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    for (var k = 0; k < ms.length; k++) {
      if (beats.charAt(k) !== 'd' && beats.charAt(k) !== 'f') continue;
      ctx.fillStyle = COLORS[beats.charAt(k)];
      ctx.fillRect(x0 + k * step - 1.5, SPARK_H - 2 - (ms[k] / max) * (SPARK_H - 4) - 1.5, 3, 3);
    }
  }
  function barTitle(beats) {
    var n = {};
    for (var i = 0; i < beats.length; i++) n[beats.charAt(i)] = (n[beats.charAt(i)] || 0) + 1;
    var parts = [];
    for (var k in BEAT_NAME) if (n[k]) parts.push(n[k] + ' ' + BEAT_NAME[k]);
    return 'last ' + beats.length + ' checks, newest right: ' + (parts.join(', ') || 'none yet');
  }
  function sparkTitle(ms, beats) {
    var v = ms.filter(function (_, i) { return beats.charAt(i) !== 'e'; }).slice().sort(function (a, b) { return a - b; });
    if (!v.length) return 'no response times yet';
    return 'response time over the last ' + v.length + ' checks: min ' + v[0] + ' ms, median ' + v[Math.floor(v.length / 2)] + ' ms, max ' + v[v.length - 1] + ' ms';
  }

`;
