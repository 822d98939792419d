// Writes the Grafana dashboards (dashboards/*.json) from one description, so
// every panel has the same datasource and layout rules. Run: node dashboards/build.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url));
const ds = { type: 'prometheus', uid: '${datasource}' };
let nextId = 1;

function panel(type, title, targets, gridPos, extra = {}) {
  return { id: nextId++, type, title, datasource: ds, gridPos, targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: ds, expr, legendFormat })), ...extra };
}
const stat = (title, expr, x, y, w = 6, thresholds) =>
  panel('stat', title, [[expr, '']], { x, y, w, h: 4 }, { fieldConfig: { defaults: { thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] } }, overrides: [] }, options: { reduceOptions: { calcs: ['lastNotNull'] } } });
const ts = (title, targets, x, y, w = 12, unit = 'short') => panel('timeseries', title, targets, { x, y, w, h: 8 }, { fieldConfig: { defaults: { unit }, overrides: [] } });
const table = (title, targets, x, y, w = 24) => panel('table', title, targets.map(([e, l]) => [e, l]), { x, y, w, h: 8 }, { options: { showHeader: true } });

function dashboard(uid, title, panels, variables = []) {
  nextId = 1;
  return {
    uid,
    title,
    tags: ['rsguard'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '10s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }, { name: 'instance', type: 'query', datasource: ds, query: 'label_values(rsguard_checks, instance)', includeAll: true, multi: true, label: 'Director' }, ...variables],
    },
    panels: panels(),
  };
}

const red = { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] };
const sel = 'instance=~"$instance"';

const overview = dashboard('rsguard-overview', 'rsguard / Overview', () => [
  stat('Real servers up', `sum(rsguard_real_server_up{${sel}})`, 0, 0),
  stat('Real servers down', `count(rsguard_real_server_up{${sel}} == 0) or vector(0)`, 6, 0, 6, red),
  stat('On sorry server', `sum(rsguard_virtual_service_sorry_active{${sel}})`, 12, 0, 6, red),
  stat('VRRP masters', `count(rsguard_vrrp_state{${sel}} == 1) or vector(0)`, 18, 0),
  table('Virtual services', [[`sum by (vs) (rsguard_real_server_up{${sel}})`, 'up'], [`count by (vs) (rsguard_real_server_up{${sel}})`, 'total'], [`max by (vs) (rsguard_virtual_service_sorry_active{${sel}})`, 'sorry'], [`min by (vs) (rsguard_sorry_server_up{${sel}})`, 'sorry server up'], [`max by (vs) (rsguard_virtual_service_quorum_up{${sel}})`, 'quorum']], 0, 4),
  table('Real servers', [[`rsguard_real_server_up{${sel}}`, 'up'], [`rsguard_real_server_weight{${sel},kind="desired"}`, 'weight'], [`rsguard_real_server_flapping{${sel}}`, 'flapping']], 0, 12),
  ts('VRRP state (1 master, 2 backup, 3 fault)', [[`rsguard_vrrp_state{${sel}}`, '{{instance}} {{vrrp_instance}}']], 0, 20),
  ts('Hard transitions', [[`sum by (vs, to) (increase(rsguard_real_server_transitions_total{${sel}}[5m]))`, '{{vs}} {{to}}']], 12, 20),
  table('Held by an operator (drain, maintenance): seconds held', [[`time() - rsguard_real_server_admin_since_seconds{${sel}}`, 'held for']], 0, 28),
]);

const server = dashboard(
  'rsguard-real-server',
  'rsguard / Real server',
  () => [
    ts('Probe latency percentiles', [
      [`histogram_quantile(0.5, sum by (le, kind) (rate(rsguard_probe_duration_seconds_bucket{${sel}}[5m])))`, 'p50 {{kind}}'],
      [`histogram_quantile(0.99, sum by (le, kind) (rate(rsguard_probe_duration_seconds_bucket{${sel}}[5m])))`, 'p99 {{kind}}'],
    ], 0, 0, 12, 's'),
    ts('Failures by reason', [[`sum by (kind, reason) (rate(rsguard_probe_results_total{${sel},outcome="failure"}[5m]))`, '{{kind}} {{reason}}']], 12, 0, 12, 'ops'),
    ts('Up (1) / down (0)', [[`rsguard_real_server_up{${sel},vs=~"$vs",rs=~"$rs"}`, '{{vs}} {{rs}}']], 0, 8),
    ts('Transitions', [[`increase(rsguard_real_server_transitions_total{${sel},vs=~"$vs",rs=~"$rs"}[5m])`, '{{vs}} {{rs}} {{to}}']], 12, 8),
    ts('Weight, desired and applied', [[`rsguard_real_server_weight{${sel},vs=~"$vs",rs=~"$rs"}`, '{{rs}} {{kind}}']], 0, 16),
    ts('Soft state and flapping', [[`rsguard_real_server_soft{${sel},vs=~"$vs",rs=~"$rs"}`, 'soft {{rs}}'], [`rsguard_real_server_flapping{${sel},vs=~"$vs",rs=~"$rs"}`, 'flapping {{rs}}']], 12, 16),
    ts('php-fpm pool: listen queue and workers', [[`rsguard_fpm_listen_queue{${sel},vs=~"$vs",rs=~"$rs"}`, 'queue {{rs}}'], [`rsguard_fpm_processes{${sel},vs=~"$vs",rs=~"$rs"}`, '{{state}} {{rs}}']], 0, 24),
    ts('php-fpm pool: max children reached, slow requests (per 5m)', [[`increase(rsguard_fpm_max_children_reached{${sel},vs=~"$vs",rs=~"$rs"}[5m])`, 'max children {{rs}}'], [`increase(rsguard_fpm_slow_requests{${sel},vs=~"$vs",rs=~"$rs"}[5m])`, 'slow {{rs}}']], 12, 24),
    ts('HAProxy passive health: errors in traffic and on-error actions (per 5m)', [[`increase(rsguard_passive_errors_total{${sel},vs=~"$vs",rs=~"$rs"}[5m])`, 'errors {{rs}}'], [`increase(rsguard_passive_actions_total{${sel},vs=~"$vs",rs=~"$rs"}[5m])`, 'actions {{rs}}']], 0, 32),
  ],
  [
    { name: 'vs', type: 'query', datasource: ds, query: 'label_values(rsguard_real_server_up, vs)', includeAll: true, multi: true, label: 'Virtual service' },
    { name: 'rs', type: 'query', datasource: ds, query: 'label_values(rsguard_real_server_up{vs=~"$vs"}, rs)', includeAll: true, multi: true, label: 'Real server' },
  ],
);

const health = dashboard('rsguard-health', 'rsguard / Health', () => [
  ts('Checks per second', [[`sum by (instance) (rate(rsguard_probe_results_total{${sel}}[1m]))`, '{{instance}}']], 0, 0, 12, 'ops'),
  ts('Schedule lag p99', [[`histogram_quantile(0.99, sum by (le, instance) (rate(rsguard_schedule_lag_seconds_bucket{${sel}}[5m])))`, '{{instance}}']], 12, 0, 12, 's'),
  ts('Probe jobs', [[`rsguard_queue_pending{${sel}}`, 'pending {{instance}}'], [`rsguard_queue_jobs{${sel}}`, '{{state}} {{instance}}'], [`rate(rsguard_queue_results_total{${sel}}[1m])`, '{{outcome}}/s {{instance}}'], [`rsguard_checks_stale{${sel}}`, 'stale checks {{instance}}']], 0, 8),
  ts('Balancer', [[`rsguard_balancer_up{${sel}}`, 'up {{instance}}'], [`increase(rsguard_balancer_errors_total{${sel}}[5m])`, 'errors {{instance}}']], 12, 8),
  ts('Mail', [[`increase(rsguard_mail_sent_total{${sel}}[1h])`, 'sent'], [`increase(rsguard_mail_failed_total{${sel}}[1h])`, 'failed'], [`rsguard_mail_pending{${sel}}`, 'pending']], 0, 16),
  ts('Process CPU and memory', [[`rate(rsguard_process_cpu_seconds_total{${sel}}[1m])`, 'CPU {{instance}}'], [`rsguard_process_resident_memory_bytes{${sel}} / 1e6`, 'RSS MB {{instance}}']], 12, 16),
]);

for (const d of [overview, server, health]) writeFileSync(path.join(here, `${d.uid}.json`), `${JSON.stringify(d, null, 2)}\n`);
