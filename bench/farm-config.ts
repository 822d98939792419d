// node dist/bench/farm-config.js ldirectord|keepalived|haproxy N [http|tcp] > FILE
// A config of the given format with N real servers, checked as the bench's YAML checks its farm (GET /health or a
// connect, every 1 s, 1 s timeout), 250 to a virtual service as there: for `npm run bench -- --config FILE`, which
// moves its real servers onto the farm's ports (and `--imports N`, which writes one of each and runs them). The
// addresses written here (10.0.0.0/8, port 80) are placeholders.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { haproxyConfig } from './haproxy-peer.js';

export type FarmConfigFormat = 'ldirectord' | 'keepalived' | 'haproxy';
const PER = 250;
const real = (i: number) => `10.${Math.floor(i / 62500) % 250}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
const vip = (g: number) => `192.0.2.${(g % 250) + 1}`;
const vport = (g: number) => 80 + Math.floor(g / 250);

function groupsOf(n: number): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < n; i += PER) groups.push(Array.from({ length: Math.min(PER, n - i) }, (_, k) => i + k + 1));
  return groups;
}

function ldirectord(n: number, kind: 'http' | 'tcp'): string {
  // checktimeout=1 is negotiatetimeout's default too; service=http with request/receive is LWP's GET and a regex on the
  // body; checktype=connect is a TCP connect to the real server's port.
  const head = 'checktimeout=1\ncheckinterval=1\nquiescent=no\n';
  const check = kind === 'http' ? '\tservice=http\n\trequest="health"\n\treceive="ok"\n\tchecktype=negotiate\n' : '\tchecktype=connect\n';
  return head + groupsOf(n).map((g, v) => `virtual=${vip(v)}:${vport(v)}\n${g.map((i) => `\treal=${real(i)}:80 gate\n`).join('')}${check}\tscheduler=wrr\n\tprotocol=tcp\n`).join('');
}

function keepalived(n: number, kind: 'http' | 'tcp'): string {
  // HTTP_GET judges the status (keepalived matches a body only by digest or a PCRE build's regex).
  const check =
    kind === 'http'
      ? '    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 1\n      retry 0\n    }\n'
      : '    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n';
  return groupsOf(n)
    .map((g, v) => `virtual_server ${vip(v)} ${vport(v)} {\n  delay_loop 1\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n${g.map((i) => `  real_server ${real(i)} 80 {\n    weight 1\n${check}  }\n`).join('')}}\n`)
    .join('');
}

export function farmConfig(format: FarmConfigFormat, n: number, kind: 'http' | 'tcp' = 'http'): string {
  if (format === 'ldirectord') return ldirectord(n, kind);
  if (format === 'keepalived') return keepalived(n, kind);
  return haproxyConfig({ kind, ports: Array.from({ length: n }, (_, i) => 10000 + (i % 50000)), intervalMs: 1000 }, '/run/rsguard-bench-haproxy.sock');
}

/** The file name a format's config goes by (`--imports` writes them so; the tables show it). */
export function farmConfigName(format: FarmConfigFormat, n: number, kind: 'http' | 'tcp'): string {
  return `${format}-${kind}-${n}.${format === 'ldirectord' ? 'cf' : format === 'keepalived' ? 'conf' : 'cfg'}`;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [format, count, kind = 'http'] = process.argv.slice(2);
  const n = Number(count);
  if (!['ldirectord', 'keepalived', 'haproxy'].includes(format ?? '') || !Number.isInteger(n) || n < 1 || !['http', 'tcp'].includes(kind)) {
    console.error('usage: farm-config.js ldirectord|keepalived|haproxy N [http|tcp]');
    process.exit(2);
  }
  process.stdout.write(farmConfig(format as FarmConfigFormat, n, kind as 'http' | 'tcp'));
}
