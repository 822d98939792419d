// npm run bench [-- --seconds 60 --sizes 1000,5000 --kinds http,tcp --rss 10000]
// The core bench: rsguard (embedded mode, a child process) checks N loopback
// targets served by one nginx, every 1 s, and we read what it achieved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { startNginxFarm } from './nginx-farm.js';
import { freePort } from '../test/helpers/ports.js';
import { cpuSplit, familyCpuSeconds, rssMb } from './proc-stats.js';
import { diffBuckets, histogram, quantile, sumMetric, waitForMetrics } from './prom-text.js';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli.js');
function arg(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
}
const seconds = Number(arg('seconds', '60'));
const warmup = Number(arg('warmup', '8'));
const sizes = arg('sizes', '1000,5000').split(',').map(Number);
const kinds = arg('kinds', 'http,tcp').split(',');
const rssSize = Number(arg('rss', '10000'));
/** Interval of the RSS row: at 1 s, 10,000 servers are 10,000 checks/s, more than two cores carry beside the farm. */
const rssInterval = arg('rss-interval', '1s');
const BASE_PORT = 12000;
function intervalMs(text) {
    const m = /^(\d+)(ms|s)$/.exec(text);
    if (!m)
        throw new Error(`--rss-interval wants 500ms or 5s, got ${text}`);
    return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}
function configFor(kind, ports, apiPort, interval = '1s') {
    const check = kind === 'http' ? '{ kind: http, path: /health, expectBody: ok }' : '{ kind: tcp }';
    const per = 250;
    const vss = [];
    for (let v = 0; v * per < ports.length; v++) {
        const slice = ports.slice(v * per, (v + 1) * per);
        vss.push(`  - name: vs${v}\n    address: 192.0.2.${(v % 250) + 1}:${80 + Math.floor(v / 250)}\n    checks: [${check}]\n    realServers:\n${slice.map((p) => `      - { address: 127.0.0.1:${p} }`).join('\n')}`);
    }
    return `global:\n  listen: 127.0.0.1:${apiPort}\n  logLevel: warn\n  concurrency: 10000\n  startupSpread: 1s\n  checkDefaults: { interval: ${interval}, timeout: 1s, retryInterval: 1s, fall: 3, rise: 2 }\nvirtualServices:\n${vss.join('\n')}\n`;
}
async function runOne(kind, n, farmPid, ports, dir, measure, interval = '1s') {
    const file = path.join(dir, `bench-${kind}-${n}.yaml`);
    // A fresh API port for each row, so one row's shutdown can never collide with the next row's start.
    const apiPort = await freePort();
    const metrics = async () => (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    writeFileSync(file, configFor(kind, ports.slice(0, n), apiPort, interval));
    // Its warn/error log lines go to our stderr, so a failed row says why.
    const child = spawn(process.execPath, [cli, 'run', '-c', file], { stdio: ['ignore', process.stderr, 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    try {
        await waitForMetrics(metrics, () => child.exitCode !== null);
        await new Promise((r) => setTimeout(r, warmup * 1000));
        const m0 = await metrics();
        const cpu0 = cpuSplit(child.pid);
        const ng0 = familyCpuSeconds(farmPid);
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, measure * 1000));
        if (child.exitCode !== null || child.signalCode !== null)
            throw new Error(`rsguard exited during the run (${child.exitCode ?? child.signalCode})`);
        const m1 = await metrics();
        const cpu1 = cpuSplit(child.pid);
        const ng1 = familyCpuSeconds(farmPid);
        const elapsed = (performance.now() - t0) / 1000;
        const rss = rssMb(child.pid);
        const done = sumMetric(m1, 'rsguard_probe_results_total') - sumMetric(m0, 'rsguard_probe_results_total');
        const failures = sumMetric(m1, 'rsguard_probe_results_total', (l) => l.includes('outcome="failure"')) - sumMetric(m0, 'rsguard_probe_results_total', (l) => l.includes('outcome="failure"'));
        const lag = diffBuckets(histogram(m0, 'rsguard_schedule_lag_seconds'), histogram(m1, 'rsguard_schedule_lag_seconds'));
        const due = (n * elapsed * 1000) / intervalMs(interval);
        return {
            kind,
            n,
            interval,
            due: Math.round(due / elapsed),
            done: Math.round(done / elapsed),
            pct: (100 * done) / due,
            failures,
            lagP50: quantile(0.5, lag) * 1000,
            lagP99: quantile(0.99, lag) * 1000,
            cpuPer1000: ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / done) * 1000,
            userPer1000: ((cpu1.user - cpu0.user) / done) * 1000,
            sysPer1000: ((cpu1.system - cpu0.system) / done) * 1000,
            nginxCpuPer1000: ((ng1 - ng0) / done) * 1000,
            rss,
        };
    }
    finally {
        child.kill('SIGTERM');
        await exited;
    }
}
const maxN = Math.max(...sizes, rssSize);
const farm = await startNginxFarm(BASE_PORT, maxN);
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-'));
const rows = [];
try {
    for (const n of sizes)
        for (const kind of kinds)
            rows.push(await runOne(kind, n, farm.pid, farm.ports, dir, seconds));
    if (rssSize > 0)
        rows.push(await runOne('http', rssSize, farm.pid, farm.ports, dir, Math.min(seconds, 20), rssInterval));
}
finally {
    await farm.stop();
    rmSync(dir, { recursive: true, force: true });
}
const header = ['kind', 'N', 'interval', 'due/s', 'done/s', 'done %', 'failures', 'lag p50 ms', 'lag p99 ms', 'CPU s/1000', 'user', 'sys', 'nginx CPU s/1000', 'RSS MB'];
const table = rows.map((r) => [r.kind, String(r.n), r.interval, String(r.due), String(r.done), r.pct.toFixed(2), String(r.failures), r.lagP50.toFixed(2), r.lagP99.toFixed(2), r.cpuPer1000.toFixed(3), r.userPer1000.toFixed(3), r.sysPer1000.toFixed(3), r.nginxCpuPer1000.toFixed(3), r.rss.toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`\nrsguard core bench: ${seconds}s per row (RSS row ${Math.min(seconds, 20)}s; warm-up ${warmup}s), one nginx farm, ${new Date().toISOString()}`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table)
    console.log(line(row));
//# sourceMappingURL=core-bench.js.map