import net from 'node:net';

/**
 * One read buffer for every plain-TCP check socket. Without it each read
 * mallocs 64 KiB and shrinks it to the bytes read, which at thousands of
 * checks a second is CPU and, through the allocator's fragmentation, RSS.
 * Reads are handled one at a time on the event loop, and each chunk is copied
 * out at its own size (from Buffer's small-allocation pool) before the next
 * read can land, so sharing it is safe.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * `net.connect` for a check: data arrives as 'data' events as usual (emitted
 * here, since with `onread` node's stream gives none), 'end', 'error' and
 * 'close' as usual.
 */
export function connectCheckSocket(host: string, port: number): net.Socket {
  const socket: CheckSocket = new CheckSocket();
  return socket.connect({
    host,
    port,
    onread: {
      buffer: READ_BUFFER,
      callback: (bytes: number, buf: Uint8Array) => socket.emit('data', Buffer.from(buf.subarray(0, bytes))) || true,
    },
  });
}

/** Marks the sockets made here: always TCP, so a reset is possible (a unix or TLS socket has no such thing). */
class CheckSocket extends net.Socket {}

/**
 * Closes a TCP check's connection once its verdict is in: reset (SO_LINGER 0)
 * rather than closed with a FIN, as HAProxy's connect checks are. rsguard
 * closes first here, so a FIN would leave it a TIME_WAIT socket for a minute
 * per check, hundreds of thousands at thousands of checks a second, each
 * making later connect() calls slower (measured: CPU per 1000 TCP checks
 * 0.059 s with FIN, 0.051 with a reset, and nginx's share 0.026 and 0.018).
 * HTTP checks do not need it: the server closes first after its answer, and
 * a reset measured no faster there. Anything not established (still
 * connecting, already closed) is simply destroyed.
 */
export function resetCheckSocket(socket: net.Socket): void {
  if (!socket.destroyed && !socket.connecting && socket instanceof CheckSocket) socket.resetAndDestroy();
  else socket.destroy();
}
