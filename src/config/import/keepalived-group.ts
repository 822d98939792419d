import net from 'node:net';
import { formatHostPort } from '../../lib/address.js';
import type { KaNode } from './keepalived-parser.js';
import { tolerate, type KaSink } from './keepalived-sink.js';

const at = (n: KaNode) => ({ file: n.file, line: n.line });

/** One member of a virtual_server_group: an address with its port, or a fwmark. */
export interface Member {
  address?: string;
  fwmark?: number;
  family?: 'inet' | 'inet6';
  protocol?: string;
}

/**
 * `192.168.1.1-5 80` ranges and `fwmark N [inet|inet6]` entries of a
 * virtual_server_group. An entry keepalived cannot read is logged and
 * skipped (check_data.c alloc_vsg_entry: "... - skipping"/"- ignoring").
 */
export function groupMembers(group: KaNode, sink: KaSink): Member[] {
  const out: Member[] = [];
  const skip = (e: KaNode, why: string) => tolerate(sink, { ...e, key: 'virtual_server_group' }, `${group.args[0] ?? ''}: ${why} ${JSON.stringify([e.key, ...e.args].join(' '))} - skipping`);
  for (const e of group.children ?? []) {
    if (e.key === 'fwmark') {
      const mark = Number(e.args[0]);
      if (!/^\d+$/.test(e.args[0] ?? '') || mark > 0xffffffff) skip(e, 'invalid fwmark');
      else if (e.args[1] !== undefined && e.args[1] !== 'inet' && e.args[1] !== 'inet6') skip(e, 'unknown fwmark family');
      else out.push({ fwmark: mark, family: e.args[1] === 'inet6' ? 'inet6' : 'inet' });
      continue;
    }
    if (e.args[0] !== undefined && (!/^\d+$/.test(e.args[0]) || Number(e.args[0]) > 65535)) {
      skip(e, 'invalid virtual server group port');
      continue;
    }
    if (!Number(e.args[0] ?? 0)) {
      sink.errors.push({ ...at(e), path: 'virtual_server_group', message: `${e.key} without a port (keepalived makes it a persistent all-ports service) is not supported by rsguard: give the port` });
      continue;
    }
    const port = Number(e.args[0]);
    const range = /^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/.exec(e.key);
    // IPv6: the range is on the last group and, like the address, in hex (keepalived.conf(5): 2001:db8::1-a).
    const range6 = /^([0-9a-f:]*:)([0-9a-f]{1,4})-([0-9a-f]{1,4})$/i.exec(e.key);
    if (range) {
      // inet_stor form: the end replaces the last octet and must be greater ("not greater than address range start - skipping").
      if (Number(range[3]) <= Number(range[2])) skip(e, 'address range end is not greater than address range start');
      else for (let n = Number(range[2]); n <= Number(range[3]); n++) out.push({ address: `${range[1]}${n}:${port}` });
    } else if (range6 && net.isIPv6(`${range6[1]}${range6[2]}`)) {
      const from = parseInt(range6[2]!, 16);
      const to = parseInt(range6[3]!, 16);
      if (to <= from) skip(e, 'address range end is not greater than address range start');
      else for (let n = from; n <= to; n++) out.push({ address: formatHostPort(canonical6(`${range6[1]}${n.toString(16)}`), port) });
    } else if (net.isIP(e.key)) out.push({ address: formatHostPort(e.key, port) });
    else if (/^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.test(e.key) && e.key.split('-').every((a) => net.isIPv4(a))) {
      // a.b.c.d-e.f.g.h: every address from the first to the last; an end before the start is skipped (an equal one is one address).
      const [from, to] = e.key.split('-').map((a) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0)) as [number, number];
      if (to < from) skip(e, 'address range end is less than address range start');
      else if (to - from >= 65536) sink.errors.push({ ...at(e), path: 'virtual_server_group', message: `${e.key}: more than 65536 addresses` });
      else for (let v = from; v <= to; v++) out.push({ address: formatHostPort([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.'), port) });
    } else if (/^[\d.]+-[\d.]+$|\//.test(e.key)) sink.errors.push({ ...at(e), path: 'virtual_server_group', message: `${e.key}: address ranges ending in a full address and address/mask entries are not supported by rsguard: write a.b.c.d-e` });
    else skip(e, 'invalid virtual server group IP address');
  }
  return out;
}

function canonical6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

