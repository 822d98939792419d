import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, listenOn, waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

type Mode = 'pass' | 'fail';
interface Started {
  port: number;
  port2?: number;
  close: () => Promise<void>;
}
interface Case {
  name: string;
  /** The backend's check directives. */
  lines: (s: Started) => string;
  /** Options after `check` on the server line. */
  opts?: (mode: Mode) => string;
  start: (mode: Mode) => Promise<Started>;
}

const closeAll = (...servers: net.Server[]) => async () => {
  for (const s of servers) {
    (s as http.Server).closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
};

async function httpServer(handler: http.RequestListener, tls?: { key: string; cert: string }): Promise<Started> {
  const s = tls ? https.createServer(tls, handler) : http.createServer(handler);
  return { port: await listenOn(s), close: closeAll(s) };
}

/** A line server: `reply` answers each chunk; a string ends the conversation after it when `end` says so. */
async function tcpServer(onConn: (sock: net.Socket) => void): Promise<Started> {
  const s = net.createServer((sock) => {
    sock.on('error', () => {});
    onConn(sock);
  });
  return { port: await listenOn(s), close: closeAll(s) };
}

/**
 * nginx speaking HTTP/2 (h2c with prior knowledge, or TLS with ALPN h2),
 * answering `status`: a real h2 server both HAProxy and rsguard check.
 */
async function nginxH2(status: number, cert?: { key: string; cert: string }): Promise<Started> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-h2v-'));
  const port = await freePort();
  let tlsLines = '';
  if (cert) {
    writeFileSync(path.join(dir, 'c.pem'), cert.cert);
    writeFileSync(path.join(dir, 'k.pem'), cert.key);
    tlsLines = `ssl_certificate ${dir}/c.pem; ssl_certificate_key ${dir}/k.pem;`;
  }
  writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp { access_log off; client_body_temp_path ${dir};\n  server { listen 127.0.0.1:${port}${cert ? ' ssl' : ''} http2; ${tlsLines} location / { return ${status} "h2"; } } }\n`);
  const proc = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  await waitFor('nginx', () => new Promise<true | undefined>((r) => { const c = net.connect(port, '127.0.0.1', () => (c.destroy(), r(true))); c.on('error', () => r(undefined)); }));
  return {
    port,
    close: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** 200 only to requests of this HTTP version: it tells which request line a check sent. */
async function versionServer(version: string): Promise<Started> {
  return httpServer((req, res) => void res.writeHead(`HTTP/${req.httpVersion}` === version ? 200 : 505).end(`got HTTP/${req.httpVersion}`));
}

/** 200 to anything; with `requireHost` node's own 400 to an HTTP/1.1 request without Host (as nginx answers it). */
async function hostServer(requireHost: boolean): Promise<Started> {
  const s = http.createServer({ requireHostHeader: requireHost }, (_req, res) => void res.writeHead(200).end('ok'));
  return { port: await listenOn(s), close: closeAll(s) };
}

/** 200 with these headers. */
const withHeaders = (headers: Record<string, string>): http.RequestListener => (_req, res) => void res.writeHead(200, headers).end('ok');

/** An SMTP server over TLS from the first byte: the greeting, then 250 to each command. */
async function smtpsServer(cert: { key: string; cert: string }, greeting: string): Promise<Started> {
  const s = tls.createServer(cert, (sock) => {
    sock.on('error', () => {});
    sock.write(`${greeting}\r\n`);
    sock.on('data', () => sock.write('250 ok\r\n'));
  });
  return { port: await listenOn(s), close: closeAll(s) };
}

const respond = (status: number, body: string): http.RequestListener => (_req, res) => void res.writeHead(status, { 'content-type': 'text/plain' }).end(body);

describe('imported haproxy.cfg checks give the verdict HAProxy 2.6 gives on the same servers', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-verdict-'));
  const a = selfSignedCert(['api.test', '127.0.0.1']);
  const b = selfSignedCert(['api.test', '127.0.0.1']);
  // Names only, no IP: HAProxy sends no SNI and so checks no name (ssl_sock_srv_verifycbk), only the chain.
  const named = selfSignedCert(['api.test']);
  const caA = path.join(dir, 'ca-a.pem');
  const caNamed = path.join(dir, 'ca-named.pem');
  writeFileSync(caA, a.cert);
  writeFileSync(caNamed, named.cert);

  const cases: Case[] = [
    { name: 'status', lines: () => 'option httpchk GET /health\n  http-check expect status 200', start: (m) => httpServer(respond(m === 'pass' ? 200 : 503, 'x')) },
    // No status rule: a 500 whose body has the string passes in HAProxy (the implicit 2xx/3xx rule is gone).
    { name: 'string', lines: () => 'option httpchk GET /\n  http-check expect string all\\ ok', start: (m) => httpServer(respond(500, m === 'pass' ? 'we are all ok' : 'degraded')) },
    { name: 'rstring', lines: () => 'option httpchk GET /\n  http-check expect rstring ^v[0-9]+\\.ok$', start: (m) => httpServer(respond(200, m === 'pass' ? 'v2.ok' : 'v2.bad')) },
    { name: 'multi', lines: () => 'option httpchk GET /\n  http-check expect status 200\n  http-check expect ! string maintenance', start: (m) => httpServer(respond(200, m === 'pass' ? 'fine' : 'in maintenance')) },
    {
      name: 'body',
      lines: () => 'option httpchk\n  http-check send meth POST uri /echo body "ping"\n  http-check expect string pong',
      start: (m) =>
        httpServer((req, res) => {
          let body = '';
          req.on('data', (c: Buffer) => (body += c.toString()));
          req.on('end', () => res.writeHead(200).end(body === (m === 'pass' ? 'ping' : 'other') ? 'pong' : 'nope'));
        }),
    },
    {
      name: 'tcpbin',
      lines: () => 'option tcp-check\n  tcp-check send-binary 50494e470d0a\n  tcp-check expect binary 2b504f4e47\n  tcp-check send QUIT\\r\\n\n  tcp-check expect string +OK',
      start: (m) =>
        tcpServer((sock) =>
          sock.on('data', (d: Buffer) => {
            const t = d.toString();
            if (t.includes('PING')) sock.write(m === 'pass' ? '+PONG\r\n' : '-ERR\r\n');
            if (t.includes('QUIT')) sock.end('+OK\r\n');
          }),
        ),
    },
    // A negated expect passes only once the server has closed without the string.
    { name: 'banner', lines: () => 'option tcp-check\n  tcp-check expect rbinary ^323230\n  tcp-check expect ! string ERR', start: (m) => tcpServer((sock) => sock.end(m === 'pass' ? '220 ready\r\n' : '220 ERR busy\r\n')) },
    { name: 'cafile', lines: () => 'option httpchk GET /health', opts: () => `ssl verify required ca-file ${caA}`, start: (m) => httpServer(respond(200, 'ok'), m === 'pass' ? a : b) },
    { name: 'sni', lines: () => 'option httpchk GET /health', opts: (m) => `ssl verify required ca-file ${caA} check-sni ${m === 'pass' ? 'api.test' : 'wrong.test'}`, start: () => httpServer(respond(200, 'ok'), a) },
    {
      name: 'kubeadm',
      lines: () => 'option httpchk\n  http-check connect ssl\n  http-check send meth GET uri /healthz\n  http-check expect status 200',
      opts: () => 'verify none',
      start: (m) => httpServer((req, res) => void res.writeHead(req.url === '/healthz' ? 200 : 404).end('ok'), m === 'pass' ? a : undefined),
    },
    {
      name: 'ports',
      lines: (s) => `option tcp-check\n  tcp-check connect\n  tcp-check connect port ${s.port2}`,
      start: async (m) => {
        const one = net.createServer((c) => c.on('error', () => {}).end());
        const two = net.createServer((c) => c.on('error', () => {}).end());
        const port = await listenOn(one);
        const port2 = await listenOn(two);
        if (m === 'fail') await new Promise<void>((r) => two.close(() => r()));
        return { port, port2, close: closeAll(...(m === 'pass' ? [one, two] : [one])) };
      },
    },
    { name: 'noname', lines: () => 'option httpchk GET /health', opts: () => `ssl ca-file ${caNamed}`, start: (m) => httpServer(respond(200, 'ok'), m === 'pass' ? named : b) },
    { name: 'verifyhost', lines: () => 'option httpchk GET /health', opts: (m) => `ssl ca-file ${caNamed} verifyhost ${m === 'pass' ? 'api.test' : 'wrong.test'}`, start: () => httpServer(respond(200, 'ok'), named) },
    {
      // With port, the check does not inherit ssl: plain HTTP on the check port.
      name: 'sslport',
      lines: (s) => `option httpchk GET /health\n  default-server port ${s.port2}`,
      opts: () => 'ssl verify none',
      start: async (m) => {
        const tls = await httpServer(respond(200, 'ok'), a);
        const plain = await httpServer(respond(m === 'pass' ? 200 : 503, 'ok'));
        return { port: tls.port, port2: plain.port, close: async () => (await tls.close(), await plain.close()) };
      },
    },
    // The SSLv3 hello: a TLS server answers with a handshake or an alert, an HTTP server with text.
    { name: 'sslhello', lines: () => 'option ssl-hello-chk', start: (m) => httpServer(respond(200, 'ok'), m === 'pass' ? a : undefined) },
    { name: 'tlsconnect', lines: () => '', opts: () => `check-ssl verify required ca-file ${caA}`, start: (m) => httpServer(respond(200, 'ok'), m === 'pass' ? a : b) },
    // http-check expect hdr/fhdr (configuration.txt "http-check expect"): a header there or not, a value that matches or not.
    { name: 'hdr', lines: () => 'option httpchk GET /\n  http-check expect hdr name x-ready', start: (m) => httpServer(withHeaders(m === 'pass' ? { 'x-ready': '1' } : { 'x-other': '1' })) },
    // hdr takes each comma-separated value, fhdr the whole line.
    { name: 'hdrvalue', lines: () => 'option httpchk GET /\n  http-check expect hdr name -m beg x-li value b', start: (m) => httpServer(withHeaders({ 'x-list': m === 'pass' ? 'a, b' : 'a; b' })) },
    { name: 'fhdr', lines: () => 'option httpchk GET /\n  http-check expect fhdr name x-list value "a, b"', start: (m) => httpServer(withHeaders({ 'x-list': m === 'pass' ? 'a, b' : 'a,b' })) },
    // A variable from a response header names the header the next rule wants (reg-tests/checks/http-check-expect.vtc).
    {
      name: 'namelf',
      lines: () => 'option httpchk GET /\n  http-check expect status 200\n  http-check set-var(check.h) res.fhdr(x-which)\n  http-check expect hdr name-lf "%[var(check.h)]" value-lf "%[str(yes)]"',
      start: (m) => httpServer(withHeaders(m === 'pass' ? { 'x-which': 'x-ok', 'x-ok': 'yes' } : { 'x-which': 'x-ok', 'x-ko': 'yes' })),
    },
    // set-var drives the request: the passing server answers that path, the failing one 404s it.
    {
      name: 'varuri',
      lines: () => 'option httpchk\n  http-check set-var(check.p) str(/ready)\n  http-check send meth GET uri-lf "%[var(check.p)]" hdr x-who "%[be_name]/%[srv_name]"\n  http-check expect status 200',
      start: (m) => httpServer((req, res) => void res.writeHead((req.url === '/ready') === (m === 'pass') && req.headers['x-who'] === `varuri_${m}/s1` ? 200 : 404).end('x')),
    },
    // min-recv 5: "valid" is enough to judge the negated rule; 4 bytes are not, and the server never closes (reg-tests/checks/tcp-check_min-recv.vtc).
    { name: 'minrecv', lines: () => 'option tcp-check\n  tcp-check connect\n  tcp-check expect min-recv 5 !rstring "^error"\n  tcp-check expect string vali', start: (m) => tcpServer((sock) => void sock.write(m === 'pass' ? 'valid' : 'vali')) },
    // option smtpchk with check-ssl: SMTP over TLS from the first byte, with the server's TLS options.
    // HTTP/2 checks: check-proto h2 speaks h2c with prior knowledge; over TLS, ALPN h2 (HAProxy's own http-check.vtc be5/be6).
    // The Host header is written: without it HAProxy sends no :authority and nginx answers 400 (node's h2 client always sends one).
    { name: 'h2c', lines: () => 'option httpchk\n  http-check send meth GET uri /health hdr host www.test\n  http-check expect status 200', opts: () => 'check-proto h2', start: (m) => nginxH2(m === 'pass' ? 200 : 503) },
    { name: 'h2tls', lines: () => 'option httpchk\n  http-check send meth GET uri /health hdr host www.test\n  http-check expect status 200', opts: () => `check-ssl verify required ca-file ${caA} check-alpn h2`, start: (m) => nginxH2(m === 'pass' ? 200 : 503, a) },
    // HAProxy's request line is HTTP/1.0 unless written, with no Host unless written: a bare HTTP/1.1 line gets 400 from a server that requires Host (node, nginx).
    { name: 'nohost11', lines: () => 'option httpchk GET /health HTTP/1.1', start: (m) => hostServer(m === 'fail') },
    { name: 'http10', lines: () => 'option httpchk GET /health', start: (m) => versionServer(m === 'pass' ? 'HTTP/1.0' : 'HTTP/1.1') },
    { name: 'smtps', lines: () => 'option smtpchk', opts: () => `check-ssl verify required ca-file ${caA}`, start: (m) => smtpsServer(a, m === 'pass' ? '220 mail ready' : '554 no service') },
    // HAProxy's smtpchk takes any one-line 2xx greeting and no multi-line one ("^2[0-9]{2}[ \r]"): why it is imported as its own ruleset, not as the smtp probe (220, multi-line).
    { name: 'smtpgreet', lines: () => 'option smtpchk', opts: () => `check-ssl verify required ca-file ${caA}`, start: (m) => smtpsServer(a, m === 'pass' ? '250 ready' : '220-first line\r\n220 second line') },
  ];

  const started = new Map<string, Started>();
  let haproxy: Haproxy;
  let text: string;
  /** backend → HAProxy's UP/DOWN once its first checks are done. */
  const haproxySays = new Map<string, string>();

  before(async () => {
    let body = '';
    for (const c of cases) {
      for (const m of ['pass', 'fail'] as const) {
        const s = await c.start(m);
        const be = `${c.name}_${m}`;
        started.set(be, s);
        body += `backend ${be}\n  timeout check 1s\n  ${c.lines(s)}\n  server s1 127.0.0.1:${s.port} check inter 100ms rise 1 fall 1 ${c.opts?.(m) ?? ''}\n`;
      }
    }
    haproxy = new Haproxy(body);
    text = haproxy.config();
    await haproxy.start();
    // `show stat`: every server's first check has completed (check_status no longer INI; `* ` marks the next one running), three times the same: the verdict.
    let last = '';
    let same = 0;
    await waitFor('HAProxy to finish its first checks', async () => {
      const csv = await haproxy.client.send('show stat -1 4 -1');
      const [head, ...rows] = csv.trim().split('\n');
      const f = head!.replace(/^# /, '').split(',');
      const col = (name: string) => f.indexOf(name);
      const now = rows.map((r) => r.split(',')).map((v) => [v[col('pxname')], v[col('status')], v[col('check_status')]] as const);
      if (now.length < cases.length * 2 || now.some(([, , st]) => !st || st.replace(/^\* /, '').startsWith('INI'))) return undefined;
      const snap = JSON.stringify(now.map(([be, status]) => [be, status]));
      same = snap === last ? same + 1 : 0;
      last = snap;
      if (same < 2) return undefined;
      for (const [be, status] of now) haproxySays.set(be!, status!.startsWith('UP') ? 'up' : 'down');
      return true;
    }, 15_000, 300);
  });

  after(async () => {
    await haproxy?.close();
    for (const s of started.values()) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** rsguard's verdict: every imported check of the server passes (rsguard's server is down when any check is). */
  async function rsguardSays(be: string): Promise<string> {
    const r = importHaproxy('haproxy.cfg', text);
    assert.deepEqual(r.errors, [], `import of ${be}`);
    const vs = (r.input.virtualServices as Array<Record<string, unknown>>).find((v) => v.name === be)!;
    const rs = (vs.realServers as Array<Record<string, unknown>>)[0]!;
    const port = Number(String(rs.address).split(':')[1]);
    for (const check of rs.checks as Array<Record<string, unknown>>) {
      const { kind, host, port: checkPort, name, interval, timeout, retryInterval, fall, rise, window, alpha, flap, ...spec } = check;
      void [name, interval, timeout, retryInterval, fall, rise, window, alpha, flap];
      const result = await probe(String(kind), { host: (host as string | undefined) ?? '127.0.0.1', port: (checkPort as number | undefined) ?? port }, spec, 2000);
      if (!result.ok) return `down (${result.detail})`;
    }
    return 'up';
  }

  for (const c of cases) {
    it(`${c.name}: both up on the passing server, both down on the failing one`, async () => {
      assert.equal(haproxySays.get(`${c.name}_pass`), 'up', 'HAProxy on the passing server: the case itself is wrong');
      assert.equal(haproxySays.get(`${c.name}_fail`), 'down', 'HAProxy on the failing server: the case itself is wrong');
      assert.equal(await rsguardSays(`${c.name}_pass`), 'up');
      assert.match(await rsguardSays(`${c.name}_fail`), /^down/);
    });
  }
});
