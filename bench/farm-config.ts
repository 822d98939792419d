// node dist/bench/farm-config.js ldirectord|keepalived|haproxy N > FILE
// A config of the given format with N real servers, checked as the bench's YAML checks its farm (GET /health, every
// 1 s, 1 s timeout), 250 to a virtual service as there: for `npm run bench -- --config FILE`, which moves its real
// servers onto the farm's ports. The addresses written here (10.0.0.0/8, port 80) are placeholders.
import { haproxyConfig } from './haproxy-peer.js';

const [format, count] = process.argv.slice(2);
const n = Number(count);
if (!['ldirectord', 'keepalived', 'haproxy'].includes(format ?? '') || !Number.isInteger(n) || n < 1) {
  console.error('usage: farm-config.js ldirectord|keepalived|haproxy N');
  process.exit(2);
}
const PER = 250;
const real = (i: number) => `10.${Math.floor(i / 62500) % 250}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
const groups: number[][] = [];
for (let i = 0; i < n; i += PER) groups.push(Array.from({ length: Math.min(PER, n - i) }, (_, k) => i + k + 1));
const vip = (g: number) => `192.0.2.${(g % 250) + 1}`;
const vport = (g: number) => 80 + Math.floor(g / 250);

function ldirectord(): string {
  // checktimeout=1 is negotiatetimeout's default too; service=http with request/receive is LWP's GET and a regex on the body.
  const head = 'checktimeout=1\ncheckinterval=1\nquiescent=no\n';
  return head + groups.map((g, v) => `virtual=${vip(v)}:${vport(v)}\n${g.map((i) => `\treal=${real(i)}:80 gate\n`).join('')}\tservice=http\n\trequest="health"\n\treceive="ok"\n\tchecktype=negotiate\n\tscheduler=wrr\n\tprotocol=tcp\n`).join('');
}

function keepalived(): string {
  // HTTP_GET judges the status (keepalived matches a body only by digest or a PCRE build's regex).
  const check = '    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 1\n      retry 0\n    }\n';
  return groups
    .map((g, v) => `virtual_server ${vip(v)} ${vport(v)} {\n  delay_loop 1\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n${g.map((i) => `  real_server ${real(i)} 80 {\n    weight 1\n${check}  }\n`).join('')}}\n`)
    .join('');
}

const out = format === 'ldirectord' ? ldirectord() : format === 'keepalived' ? keepalived() : haproxyConfig({ kind: 'http', ports: Array.from({ length: n }, (_, i) => 10000 + (i % 50000)), intervalMs: 1000 }, '/run/rsguard-bench-haproxy.sock');
process.stdout.write(out);
