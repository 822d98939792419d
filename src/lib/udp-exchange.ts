import dgram from 'node:dgram';
import net from 'node:net';
import { settleOnce } from './settle-once.js';

/**
 * One datagram out on a connected socket and the first reply `accept` takes:
 * `accept` returns undefined for a datagram that is not the answer (another
 * id, a provisional response) and throws for one that is wrong. Settles once,
 * at the latest when the signal fires, and always closes the socket. A
 * connected socket turns an ICMP port unreachable into ECONNREFUSED.
 */
export function udpExchange<T>(
  host: string,
  port: number,
  request: (local: { address: string; port: number; family: string }) => Buffer | string,
  signal: AbortSignal,
  accept: (reply: Buffer) => T | undefined,
): Promise<T> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return settleOnce<T>(signal, () => socket.close(), (settle) => {
    socket.on('error', (err) => settle(err));
    socket.on('message', (msg: Buffer) => {
      try {
        const v = accept(msg);
        if (v !== undefined) settle(undefined, v);
      } catch (err) {
        settle(err);
      }
    });
    // connect() reports an unreachable destination (ENETUNREACH, no route) to this callback, not as an 'error' event;
    // sending on the socket that failed to connect would throw past every handler and end the daemon.
    socket.connect(port, host, (err?: Error) => {
      if (err) return settle(err);
      try {
        socket.send(request(socket.address()), (e) => e && settle(e));
      } catch (e) {
        settle(e);
      }
    });
  });
}
