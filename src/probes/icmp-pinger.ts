import { randomInt } from 'node:crypto';
import net from 'node:net';
import { createRequire } from 'node:module';
import type { RawSocket } from 'raw-socket';

type RawModule = typeof import('raw-socket').default;
let rawModule: RawModule | undefined;
/**
 * raw-socket is a native addon that is not context-aware: loaded at import, it
 * broke every module graph that reaches this file on a worker thread (the
 * config loader's, through the probe registry: "Module did not self-register"),
 * and reloads fell back to the daemon's thread. It is loaded on the first ping.
 */
function raw(): RawModule {
  return (rawModule ??= createRequire(import.meta.url)('raw-socket') as RawModule);
}

/**
 * One raw ICMP socket per address family, shared by every icmp probe in the
 * process: thousands of echo requests in flight, matched to replies by
 * identifier and sequence, instead of a `ping` process per probe.
 *
 * Needs CAP_NET_RAW (root, `setcap cap_net_raw+ep` on node, or systemd
 * `AmbientCapabilities=CAP_NET_RAW`). Linux's unprivileged ICMP datagram
 * sockets (net.ipv4.ping_group_range) are not reachable from Node.
 */
export interface Pinger {
  /** Resolves with the round-trip time in ms; rejects on send errors and when the signal aborts. */
  ping(address: string, signal: AbortSignal): Promise<number>;
  close(): void;
}

export class PingPermissionError extends Error {
  override name = 'PingPermissionError';
}

const ECHO_REQUEST_V4 = 8;
const ECHO_REPLY_V4 = 0;
const ECHO_REQUEST_V6 = 128;
const ECHO_REPLY_V6 = 129;
const PAYLOAD = Buffer.from('rsguard-icmp-echo');

interface Pending {
  resolve: (rttMs: number) => void;
  sentAt: number;
}

export function createPinger(): Pinger {
  const identifier = randomInt(1, 0xffff);
  let sequence = randomInt(0, 0xffff);
  const sockets = new Map<4 | 6, RawSocket>();
  const pending = new Map<string, Pending>();
  let openError: Error | undefined;

  const keyOf = (address: string, seq: number) => `${address}#${seq}`;

  function socketFor(family: 4 | 6): RawSocket {
    const existing = sockets.get(family);
    if (existing) return existing;
    let socket: RawSocket;
    try {
      const r = raw();
      socket = r.createSocket({
        protocol: family === 4 ? r.Protocol.ICMP : r.Protocol.ICMPv6,
        addressFamily: family === 4 ? r.AddressFamily.IPv4 : r.AddressFamily.IPv6,
      });
    } catch (err) {
      const message = (err as Error).message;
      if (/not permitted|EPERM|EACCES/i.test(message)) {
        openError = new PingPermissionError('icmp needs CAP_NET_RAW: run as root, or grant it (setcap cap_net_raw+ep on node, or AmbientCapabilities=CAP_NET_RAW)');
        throw openError;
      }
      throw err;
    }
    socket.on('message', (buffer, source) => onMessage(family, buffer, source));
    // A socket error fails nothing in flight by itself; those probes time out on their own deadline.
    socket.on('error', () => sockets.delete(family));
    socket.on('close', () => sockets.delete(family));
    sockets.set(family, socket);
    return socket;
  }

  function onMessage(family: 4 | 6, buffer: Buffer, source: string): void {
    // IPv4 raw sockets hand us the IP header too; IPv6 ones do not.
    const offset = family === 4 ? (buffer[0]! & 0x0f) * 4 : 0;
    if (buffer.length < offset + 8) return;
    const type = buffer[offset];
    if (type !== (family === 4 ? ECHO_REPLY_V4 : ECHO_REPLY_V6)) return;
    if (buffer.readUInt16BE(offset + 4) !== identifier) return;
    const key = keyOf(source, buffer.readUInt16BE(offset + 6));
    const entry = pending.get(key);
    if (!entry) return;
    pending.delete(key);
    entry.resolve(performance.now() - entry.sentAt);
  }

  function ping(address: string, signal: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const family = net.isIP(address);
      if (family !== 4 && family !== 6) return reject(new Error(`not an IP address: ${address}`));
      if (openError) return reject(openError);
      let socket: RawSocket;
      try {
        socket = socketFor(family);
      } catch (err) {
        return reject(err);
      }
      sequence = (sequence + 1) & 0xffff;
      const seq = sequence;
      const key = keyOf(address, seq);
      const packet = Buffer.alloc(8 + PAYLOAD.length);
      packet[0] = family === 4 ? ECHO_REQUEST_V4 : ECHO_REQUEST_V6;
      packet.writeUInt16BE(identifier, 4);
      packet.writeUInt16BE(seq, 6);
      PAYLOAD.copy(packet, 8);
      // The kernel fills in the ICMPv6 checksum (it covers a pseudo-header we cannot see).
      if (family === 4) raw().writeChecksum(packet, 2, raw().createChecksum(packet));
      const onAbort = () => {
        pending.delete(key);
        reject(signal.reason ?? new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      pending.set(key, {
        sentAt: performance.now(),
        resolve: (rtt) => {
          signal.removeEventListener('abort', onAbort);
          resolve(rtt);
        },
      });
      socket.send(packet, 0, packet.length, address, (err) => {
        if (!err) return;
        pending.delete(key);
        signal.removeEventListener('abort', onAbort);
        reject(err);
      });
    });
  }

  return {
    ping,
    close() {
      for (const socket of sockets.values()) socket.close();
      sockets.clear();
      pending.clear();
    },
  };
}
