// Real servers for the protocol checks of the differential IPVS test
// (test/vm/differential-listeners.ts): just enough of each protocol for a
// client that follows it to pass, ldirectord's (Net::FTP, Mail::POP3Client,
// Net::IMAP::Simple, Net::LDAP, DBD::mysql, DBD::Pg, Net::DNS,
// Authen::Radius, its own NNTP and SIP code) and rsguard's alike. Logins
// and passwords are all accepted; every query has one row; a file fetched
// by FTP is `body`. They only have to answer like a live server: where one
// tool's check fails on them and the other's passes, that is a finding.
import { createHash, createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

export type TcpProtocol = 'ftp' | 'pop' | 'imap' | 'nntp' | 'ldap' | 'mysql' | 'pgsql';
export type UdpProtocol = 'dns' | 'radius' | 'sip';

export interface ProtocolOptions {
  host: string;
  /** FTP: every file's content. */
  body: string;
  /** DNS: the A record every name has. */
  address: string;
  /** RADIUS: the shared secret. */
  secret: string;
}

/** Lines of text in, a reply out (null: none, or the reply was written already): FTP, POP3, IMAP, NNTP. */
function lineServer(greeting: string, session: (s: net.Socket) => (line: string) => string | null): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    s.write(`${greeting}\r\n`);
    const reply = session(s);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const out = reply(line);
        if (out !== null && !s.destroyed) s.write(`${out}\r\n`);
      }
    });
  });
}

/** Ends the session with a last reply. */
function bye(s: net.Socket, text: string): null {
  s.end(`${text}\r\n`);
  return null;
}

function ftpServer(o: ProtocolOptions): net.Server {
  return lineServer('220 rs FTP ready', (s) => {
    // The passive data connection: the file goes once it is there and RETR asked for it (either may come first).
    let data: { server: net.Server; sock?: net.Socket; retr?: boolean } | undefined;
    // PORT: the active one, to the client. ldirectord's check_ftp calls pasv() but Net::FTP still sends PORT and
    // transfers in active mode (Passive is not set in new()); rsguard's ftp probe transfers in passive mode.
    let active: { host: string; port: number } | undefined;
    const flush = () => {
      if (!data?.sock || !data.retr) return;
      data.sock.end(o.body, () => s.write('226 transfer complete\r\n'));
      data.server.close();
    };
    return (line) => {
      const cmd = line.split(' ')[0]!.toUpperCase();
      if (cmd === 'USER') return '331 password please';
      if (cmd === 'PASS') return '230 logged in';
      if (cmd === 'CWD') return '250 ok';
      if (cmd === 'TYPE') return '200 type set';
      if (cmd === 'QUIT') return bye(s, '221 bye');
      if (cmd === 'PASV') {
        const d: NonNullable<typeof data> = { server: net.createServer() };
        data = d;
        active = undefined;
        d.server.on('connection', (c) => {
          c.on('error', () => {});
          d.sock = c;
          flush();
        });
        d.server.listen(0, o.host, () => {
          const port = (d.server.address() as net.AddressInfo).port;
          s.write(`227 Entering Passive Mode (${o.host.replace(/\./g, ',')},${port >> 8},${port & 255})\r\n`);
        });
        return null;
      }
      if (cmd === 'PORT') {
        const n = line.slice(5).split(',').map(Number);
        active = { host: n.slice(0, 4).join('.'), port: n[4]! * 256 + n[5]! };
        data = undefined;
        return '200 PORT ok';
      }
      if (cmd === 'RETR' && active) {
        const c = net.connect({ ...active, localAddress: o.host });
        c.on('error', () => s.write('425 no data connection\r\n'));
        s.write('150 opening data connection\r\n');
        c.on('connect', () => c.end(o.body, () => s.write('226 transfer complete\r\n')));
        active = undefined;
        return null;
      }
      if (cmd === 'RETR') {
        if (!data) return '425 use PASV first';
        data.retr = true;
        s.write('150 opening data connection\r\n');
        flush();
        return null;
      }
      return '200 ok';
    };
  });
}

function popServer(): net.Server {
  return lineServer('+OK rs POP3 ready', (s) => (line) => {
    const cmd = line.split(' ')[0]!.toUpperCase();
    if (cmd === 'QUIT') return bye(s, '+OK bye');
    // No CAPA, so Mail::POP3Client's BEST login falls back to USER/PASS.
    if (cmd === 'CAPA' || cmd === 'AUTH') return '-ERR not here';
    if (cmd === 'STAT') return '+OK 0 0';
    return '+OK';
  });
}

function imapServer(): net.Server {
  return lineServer('* OK rs IMAP4rev1 ready', (s) => (line) => {
    const [tag = '*', cmd = ''] = line.split(' ');
    const c = cmd.toUpperCase();
    if (c === 'LOGOUT') return bye(s, `* BYE bye\r\n${tag} OK LOGOUT completed`);
    if (c === 'CAPABILITY') return `* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK CAPABILITY completed`;
    return `${tag} OK ${c} completed`;
  });
}

function nntpServer(): net.Server {
  return lineServer('200 rs news server ready', (s) => (line) => (line.toUpperCase().startsWith('QUIT') ? bye(s, '205 bye') : '500 what?'));
}

// --- LDAP (BER) ---
function berLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 255);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const ber = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag]), berLength(content.length), content]);
const berStr = (s: string) => ber(0x04, Buffer.from(s, 'utf8'));
const berInt = (tag: number, n: number) => ber(tag, Buffer.from([n]));
/** One TLV at `at`: its tag, where its content starts, and where it ends. */
function tlv(b: Buffer, at: number): { tag: number; start: number; end: number } | null {
  if (at + 2 > b.length) return null;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (start + n > b.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  return start + len > b.length ? null : { tag: b[at]!, start, end: start + len };
}

function ldapServer(): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let msg = tlv(buf, 0); msg; msg = tlv(buf, 0)) {
        const id = tlv(buf, msg.start)!;
        const op = tlv(buf, id.end)!;
        const idBytes = buf.subarray(id.start, id.end);
        const reply = (parts: Buffer[]) => s.write(Buffer.concat(parts.map((p) => ber(0x30, Buffer.concat([ber(0x02, idBytes), p])))));
        const result = (tag: number) => ber(tag, Buffer.concat([berInt(0x0a, 0), berStr(''), berStr('')]));
        if (op.tag === 0x60) reply([result(0x61)]);
        else if (op.tag === 0x63) {
          // The search's base object is the one entry (ldirectord: a base search, one entry, its DN matched).
          const base = tlv(buf, op.start)!;
          const dn = buf.subarray(base.start, base.end).toString('utf8');
          const attrs = ber(0x30, ber(0x30, Buffer.concat([berStr('objectClass'), ber(0x31, berStr('top'))])));
          reply([ber(0x64, Buffer.concat([berStr(dn), attrs])), result(0x65)]);
        } else if (op.tag === 0x42) s.end();
        buf = buf.subarray(msg.end);
      }
    });
  });
}

// --- MySQL (protocol 4.1, mysql_native_password, any password) ---
function mysqlPacket(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}
const lenencStr = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const MYSQL_OK = Buffer.from([0x00, 0, 0, 0x02, 0, 0, 0]);
const MYSQL_EOF = Buffer.from([0xfe, 0, 0, 0x02, 0]);

function mysqlServer(): net.Server {
  // PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, CONNECT_WITH_DB, LONG_PASSWORD, LONG_FLAG, TRANSACTIONS, MULTI_RESULTS; no SSL.
  const caps = 0x1 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000;
  const greeting = Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from('5.5.5-10.11.6-MariaDB-rs\0'),
    Buffer.from([1, 0, 0, 0]),
    Buffer.from('abcdefgh'),
    Buffer.from([0, caps & 0xff, (caps >> 8) & 0xff, 0x21, 0x02, 0x00, (caps >> 16) & 0xff, (caps >> 24) & 0xff, 21]),
    Buffer.alloc(10),
    Buffer.from('ijklmnopqrst\0'),
    Buffer.from('mysql_native_password\0'),
  ]);
  return net.createServer((s) => {
    s.on('error', () => {});
    s.write(mysqlPacket(0, greeting));
    let authed = false;
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) {
        const len = buf.readUIntLE(0, 3);
        const seq = buf[3]!;
        const payload = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (!authed) {
          authed = true;
          s.write(mysqlPacket(seq + 1, MYSQL_OK));
          continue;
        }
        const cmd = payload[0];
        if (cmd === 0x01) s.end();
        else if (cmd === 0x03 && /^\s*(select|show)\b/i.test(payload.subarray(1).toString('utf8'))) {
          const column = Buffer.concat([lenencStr('def'), lenencStr(''), lenencStr(''), lenencStr(''), lenencStr('c'), lenencStr('c'), Buffer.from([0x0c, 0x21, 0, 0x10, 0, 0, 0, 0xfd, 0, 0, 0, 0, 0])]);
          s.write(Buffer.concat([mysqlPacket(1, Buffer.from([1])), mysqlPacket(2, column), mysqlPacket(3, MYSQL_EOF), mysqlPacket(4, lenencStr('1')), mysqlPacket(5, MYSQL_EOF)]));
        } else s.write(mysqlPacket(1, MYSQL_OK));
      }
    });
  });
}

// --- PostgreSQL (protocol 3, cleartext password, any password) ---
function pgMsg(type: string, body: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.write(type, 0, 'latin1');
  h.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([h, body]);
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(`${s}\0`);
const PG_ROW_DESCRIPTION = pgMsg('T', Buffer.concat([int16(1), cstr('c'), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]));
const PG_ROW = pgMsg('D', Buffer.concat([int16(1), int32(1), Buffer.from('1')]));
const pgReady = () => pgMsg('Z', Buffer.from('I'));

function pgsqlServer(): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    let started = false;
    let buf = Buffer.alloc(0);
    let portalQuery = '';
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 8 || buf.length < buf.readInt32BE(0)) return;
          const len = buf.readInt32BE(0);
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          // SSLRequest, GSSENCRequest: not here; the client goes on in the clear.
          if (code === 80877103 || code === 80877104) s.write('N');
          else {
            started = true;
            s.write(pgMsg('R', int32(3)));
          }
          continue;
        }
        if (buf.length < 5 || buf.length < 1 + buf.readInt32BE(1)) return;
        const type = String.fromCharCode(buf[0]!);
        const body = buf.subarray(5, 1 + buf.readInt32BE(1));
        buf = buf.subarray(1 + buf.readInt32BE(1));
        const isSelect = (q: string) => /^\s*(select|show|with|values)\b/i.test(q);
        if (type === 'p') {
          const params = ['server_version', '15.5', 'server_encoding', 'UTF8', 'client_encoding', 'UTF8', 'DateStyle', 'ISO, MDY', 'integer_datetimes', 'on', 'standard_conforming_strings', 'on'];
          const status = Array.from({ length: params.length / 2 }, (_, i) => pgMsg('S', Buffer.concat([cstr(params[2 * i]!), cstr(params[2 * i + 1]!)])));
          s.write(Buffer.concat([pgMsg('R', int32(0)), ...status, pgMsg('K', Buffer.concat([int32(1), int32(2)])), pgReady()]));
        } else if (type === 'Q') {
          const q = body.toString('utf8').replace(/\0$/, '');
          s.write(Buffer.concat(isSelect(q) ? [PG_ROW_DESCRIPTION, PG_ROW, pgMsg('C', cstr('SELECT 1')), pgReady()] : [pgMsg('C', cstr(q.trim().split(/\s/)[0]!.toUpperCase() || 'EMPTY')), pgReady()]));
        } else if (type === 'P') {
          // Parse: name\0 query\0 ...
          portalQuery = body.toString('utf8').split('\0')[1] ?? '';
          s.write(pgMsg('1', Buffer.alloc(0)));
        } else if (type === 'B') s.write(pgMsg('2', Buffer.alloc(0)));
        else if (type === 'D') s.write(Buffer.concat([...(body[0] === 0x53 ? [pgMsg('t', int16(0))] : []), isSelect(portalQuery) ? PG_ROW_DESCRIPTION : pgMsg('n', Buffer.alloc(0))]));
        else if (type === 'E') s.write(Buffer.concat(isSelect(portalQuery) ? [PG_ROW, pgMsg('C', cstr('SELECT 1'))] : [pgMsg('C', cstr('SET'))]));
        else if (type === 'S') s.write(pgReady());
        else if (type === 'C') s.write(pgMsg('3', Buffer.alloc(0)));
        else if (type === 'X') s.end();
      }
    });
  });
}

export function tcpProtocolServer(kind: TcpProtocol, o: ProtocolOptions): net.Server {
  switch (kind) {
    case 'ftp':
      return ftpServer(o);
    case 'pop':
      return popServer();
    case 'imap':
      return imapServer();
    case 'nntp':
      return nntpServer();
    case 'ldap':
      return ldapServer();
    case 'mysql':
      return mysqlServer();
    case 'pgsql':
      return pgsqlServer();
  }
}

// --- UDP: DNS, RADIUS, SIP ---
function dnsReply(q: Buffer, address: string): Buffer | null {
  if (q.length < 12) return null;
  let at = 12;
  while (at < q.length && q[at] !== 0) at += q[at]! + 1;
  const qEnd = at + 5;
  if (qEnd > q.length) return null;
  const qtype = q.readUInt16BE(at + 1);
  const header = Buffer.from(q.subarray(0, 12));
  header.writeUInt16BE(0x8180 | (q.readUInt16BE(2) & 0x0100), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
  header.writeUInt32BE(0, 8);
  const answer = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), Buffer.from(address.split('.').map(Number))]);
  return Buffer.concat([header, q.subarray(12, qEnd), ...(qtype === 1 ? [answer] : [])]);
}

/** Access-Accept, signed as RFC 2865 (Response Authenticator) and RFC 3579 (Message-Authenticator, when the request had one). */
function radiusReply(req: Buffer, secret: string): Buffer | null {
  if (req.length < 20 || req[0] !== 1) return null;
  let hasMa = false;
  for (let at = 20; at + 2 <= req.length && req[at + 1]! >= 2; at += req[at + 1]!) if (req[at] === 80) hasMa = true;
  const attrs = hasMa ? Buffer.concat([Buffer.from([80, 18]), Buffer.alloc(16)]) : Buffer.alloc(0);
  const reply = Buffer.concat([Buffer.from([2, req[1]!, 0, 0]), req.subarray(4, 20), attrs]);
  reply.writeUInt16BE(reply.length, 2);
  if (hasMa) createHmac('md5', secret).update(reply).digest().copy(reply, 22);
  createHash('md5').update(Buffer.concat([reply, Buffer.from(secret)])).digest().copy(reply, 4);
  return reply;
}

function sipReply(req: Buffer): Buffer | null {
  const lines = req.toString('latin1').split('\r\n');
  if (!/^OPTIONS /.test(lines[0] ?? '')) return null;
  const keep = lines.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l)).map((l) => (/^To:/i.test(l) && !/;tag=/.test(l) ? `${l};tag=rs` : l));
  return Buffer.from(['SIP/2.0 200 OK', ...keep, 'Content-Length: 0', '', ''].join('\r\n'), 'latin1');
}

export function udpProtocolServer(kind: UdpProtocol, o: ProtocolOptions): dgram.Socket {
  const sock = dgram.createSocket(net.isIPv6(o.host) ? 'udp6' : 'udp4');
  sock.on('error', () => {});
  sock.on('message', (msg, from) => {
    const out = kind === 'dns' ? dnsReply(msg, o.address) : kind === 'radius' ? radiusReply(msg, o.secret) : sipReply(msg);
    if (out) sock.send(out, from.port, from.address);
  });
  return sock;
}
