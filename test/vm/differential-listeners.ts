// The real servers of the differential IPVS test (test/vm/differential-scenario.ts):
// one process per network namespace, told over stdin (one JSON command a line)
// which addresses and ports to answer on and what to answer, and which address
// to take down. Replies one JSON line per command on stdout.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import readline from 'node:readline';
import type dgram from 'node:dgram';
import { tcpProtocolServer, udpProtocolServer, type TcpProtocol, type UdpProtocol } from './differential-protocols.js';

export interface ListenerSpec {
  host: string;
  port: number;
  /**
   * http: HTTP/1.x; https: the same over TLS; smtp: a 220 banner and 250 to every command; tcp: accepts and waits;
   * the others as differential-protocols.ts answers them (dns, radius and sip over UDP).
   */
  kind: 'http' | 'https' | 'smtp' | 'tcp' | TcpProtocol | UdpProtocol;
  /** Status for a path the checks name (keepalived status_code); any other path gets 200. */
  statuses: Record<string, number>;
  /** Sent as every body (and FTP file): the strings the checks expect to find (ldirectord receive, keepalived regex). */
  body: string;
  /** dns: the A record of every name. */
  address?: string;
  /** radius: the shared secret. */
  secret?: string;
}

const UDP_KINDS: ReadonlySet<string> = new Set<UdpProtocol>(['dns', 'radius', 'sip']);
const TCP_PROTOCOLS: ReadonlySet<string> = new Set<TcpProtocol>(['ftp', 'pop', 'imap', 'nntp', 'ldap', 'mysql', 'pgsql']);

// fetch: a GET from inside this namespace (rsguard's API, which listens in it), answered as `body`.
type Command = { op: 'setup'; listeners: ListenerSpec[]; tls: { key: string; cert: string } } | { op: 'down'; host: string } | { op: 'reset' } | { op: 'fetch'; url: string };

const servers: Array<{ host: string; server: net.Server | dgram.Socket; open?: Set<net.Socket> }> = [];

function handler(spec: ListenerSpec): http.RequestListener {
  return (req, res) => {
    const pathOnly = (req.url ?? '/').split('?')[0]!;
    const status = spec.statuses[req.url ?? '/'] ?? spec.statuses[pathOnly] ?? 200;
    res.writeHead(status, { 'content-type': 'text/html', connection: 'close' });
    res.end(req.method === 'HEAD' ? undefined : spec.body);
  };
}

function smtpServer(): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    s.write('220 rs ESMTP ready\r\n');
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const cmd = buf.slice(0, nl).trim().toUpperCase();
        buf = buf.slice(nl + 1);
        if (cmd.startsWith('QUIT')) s.end('221 bye\r\n');
        else s.write('250 ok\r\n');
      }
    });
  });
}

async function listen(spec: ListenerSpec, tls: { key: string; cert: string }): Promise<void> {
  const options = { host: spec.host, body: spec.body, address: spec.address ?? '127.0.0.1', secret: spec.secret ?? '' };
  if (UDP_KINDS.has(spec.kind)) {
    const sock = udpProtocolServer(spec.kind as UdpProtocol, options);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(spec.port, spec.host, () => resolve());
    });
    servers.push({ host: spec.host, server: sock });
    return;
  }
  let server: net.Server;
  if (TCP_PROTOCOLS.has(spec.kind)) server = tcpProtocolServer(spec.kind as TcpProtocol, options);
  else if (spec.kind === 'smtp') server = smtpServer();
  else if (spec.kind === 'https') server = https.createServer({ key: tls.key, cert: tls.cert }, handler(spec));
  else if (spec.kind === 'http') server = http.createServer(handler(spec));
  else server = net.createServer((s) => s.on('error', () => {}));
  if (server instanceof http.Server || server instanceof https.Server) server.on('clientError', (_e, s) => s.destroy());
  // Closed with its sessions (a protocol session left open would hold server.close()).
  const open = new Set<net.Socket>();
  server.on('connection', (c: net.Socket) => {
    open.add(c);
    c.once('close', () => open.delete(c));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host, () => resolve());
  });
  servers.push({ host: spec.host, server, open });
}

async function close(host?: string): Promise<void> {
  const gone = servers.filter((s) => host === undefined || s.host === host);
  for (const s of gone) servers.splice(servers.indexOf(s), 1);
  await Promise.all(
    gone.map(
      ({ server, open }) =>
        new Promise<void>((r) => {
          if (!(server instanceof net.Server)) return server.close(() => r());
          open?.forEach((c) => c.destroy());
          if (server instanceof http.Server || server instanceof https.Server) server.closeAllConnections();
          server.close(() => r());
        }),
    ),
  );
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  void (async () => {
    const errors: string[] = [];
    let body: string | undefined;
    try {
      const cmd = JSON.parse(line) as Command;
      if (cmd.op === 'setup') {
        await close();
        for (const l of cmd.listeners) await listen(l, cmd.tls).catch((e: Error) => errors.push(`${l.kind} ${l.host}:${l.port}: ${e.message}`));
      } else if (cmd.op === 'fetch') {
        const res = await fetch(cmd.url, { signal: AbortSignal.timeout(10_000) });
        body = await res.text();
        if (!res.ok) errors.push(`${cmd.url}: HTTP ${res.status}`);
      } else if (cmd.op === 'down') await close(cmd.host);
      else await close();
    } catch (e) {
      errors.push(String(e));
    }
    process.stdout.write(`${JSON.stringify({ ok: errors.length === 0, errors, body })}\n`);
  })();
});
rl.on('close', () => void close().then(() => process.exit(0)));
