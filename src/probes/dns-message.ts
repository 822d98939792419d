/**
 * The little of RFC 1035 a health check needs: one question out, the header
 * and the answer records back. Every read is bounds-checked and name
 * compression is followed at most a fixed number of times, so a hostile
 * reply cannot loop or read past its end.
 */
export const DNS_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 } as const;
export type DnsType = keyof typeof DNS_TYPES;
const TYPE_NAMES = new Map<number, string>(Object.entries(DNS_TYPES).map(([k, v]) => [v, k]));
export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export class DnsFormatError extends Error {
  override name = 'DnsFormatError';
}

export function encodeQuery(id: number, name: string, type: DnsType, recursion: boolean): Buffer {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(recursion ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4);
  parts.push(header);
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length === 0 || b.length > 63) throw new DnsFormatError(`bad label in ${JSON.stringify(name)}`);
    parts.push(Buffer.from([b.length]), b);
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(DNS_TYPES[type], 1);
  tail.writeUInt16BE(1, 3);
  parts.push(tail);
  return Buffer.concat(parts);
}

export interface DnsAnswer {
  type: string;
  data: string;
}

export interface DnsReply {
  id: number;
  rcode: string;
  truncated: boolean;
  answers: DnsAnswer[];
}

function need(buf: Buffer, at: number, n: number): void {
  if (at + n > buf.length) throw new DnsFormatError('reply cut short');
}

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = start;
  let next = -1;
  for (let jumps = 0; ; ) {
    need(buf, at, 1);
    const len = buf[at]!;
    if (len === 0) {
      if (next < 0) next = at + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      need(buf, at, 2);
      if (++jumps > 16) throw new DnsFormatError('name compression loop');
      if (next < 0) next = at + 2;
      at = buf.readUInt16BE(at) & 0x3fff;
      continue;
    }
    need(buf, at + 1, len);
    labels.push(buf.toString('latin1', at + 1, at + 1 + len));
    at += 1 + len;
    if (labels.length > 127) throw new DnsFormatError('name too long');
  }
  return { name: labels.length ? `${labels.join('.')}.` : '.', next };
}

function rdataText(buf: Buffer, type: number, at: number, len: number): string {
  switch (type) {
    case DNS_TYPES.A:
      return len === 4 ? [...buf.subarray(at, at + 4)].join('.') : '';
    case DNS_TYPES.AAAA:
      // The URL parser writes the one canonical form (RFC 5952), as `dig` does.
      return len === 16 ? new URL(`http://[${(buf.subarray(at, at + 16).toString('hex').match(/.{4}/g) ?? []).join(':')}]/`).hostname.slice(1, -1) : '';
    case DNS_TYPES.NS:
    case DNS_TYPES.CNAME:
    case DNS_TYPES.PTR:
      return readName(buf, at).name;
    case DNS_TYPES.MX:
      return `${buf.readUInt16BE(at)} ${readName(buf, at + 2).name}`;
    case DNS_TYPES.SOA:
      return readName(buf, at).name;
    case DNS_TYPES.TXT: {
      const out: string[] = [];
      for (let p = at; p < at + len; ) {
        const n = buf[p]!;
        out.push(buf.toString('latin1', p + 1, Math.min(p + 1 + n, at + len)));
        p += 1 + n;
      }
      return out.join('');
    }
    default:
      return buf.subarray(at, at + len).toString('hex');
  }
}

export function decodeReply(buf: Buffer): DnsReply {
  need(buf, 0, 12);
  const flags = buf.readUInt16BE(2);
  if (!(flags & 0x8000)) throw new DnsFormatError('not a reply (QR unset)');
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < qd; i++) {
    at = readName(buf, at).next;
    need(buf, at, 4);
    at += 4;
  }
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < Math.min(an, 256); i++) {
    at = readName(buf, at).next;
    need(buf, at, 10);
    const type = buf.readUInt16BE(at);
    const len = buf.readUInt16BE(at + 8);
    at += 10;
    need(buf, at, len);
    answers.push({ type: TYPE_NAMES.get(type) ?? String(type), data: rdataText(buf, type, at, len) });
    at += len;
  }
  return { id: buf.readUInt16BE(0), rcode: RCODES[flags & 0x0f] ?? String(flags & 0x0f), truncated: Boolean(flags & 0x0200), answers };
}
