import { getSystemErrorName } from 'node:util';
import type { CheckConn, CheckConnHandlers } from './check-conn.js';
import { checkSocketAddon } from './check-socket-native.js';

/**
 * Check connections on libuv's TCP handle, the layer net.Socket is built on,
 * without net.Socket's stream machinery (a Duplex per connection, its state
 * objects, buffering, nextTick'd events, a getsockname). A check writes one
 * request and reads one short answer, and pays for all of that on every
 * probe: measured here over 20,000 loopback exchanges, CPU per 1000 was
 * 0.17 s through net.Socket and 0.08 s on the handle (user 0.093 -> 0.030).
 *
 * The handle comes from `process.binding('tcp_wrap')`, deprecated in the
 * docs since Node 10 (DEP0111, a warning only with --pending-deprecation) but
 * present in every Node since; if a Node ever drops it or changes its shape,
 * `rawTcpAvailable` is false and rsguard uses net.Socket (socket-conn.ts), as
 * it does when RSGUARD_CHECK_SOCKETS=net.
 */

interface ReqWrap {
  oncomplete: (status: number, handle: TcpHandle) => void;
  handle?: TcpHandle;
}

interface TcpHandle {
  conn: RawTcpConn;
  /** A native accessor that aborts the process on anything but a function. */
  onread: () => void;
  /** uv_tcp_open: take a socket made elsewhere (check-socket-native.ts); 0 or a libuv error. */
  open(fd: number): number;
  connect(req: ReqWrap, host: string, port: number): number;
  connect6(req: ReqWrap, host: string, port: number): number;
  useUserBuffer(buf: Uint8Array): void;
  readStart(): number;
  writeBuffer(req: ReqWrap, data: Uint8Array): number;
  writeUtf8String(req: ReqWrap, data: string): number;
  reset(cb?: () => void): number;
  close(cb?: () => void): void;
}

interface Binding {
  newHandle(): TcpHandle;
  newConnectReq(): ReqWrap;
  newWriteReq(): ReqWrap;
  /** Int32Array the handle reports a read's byte count (or error) in. */
  state: Int32Array;
  readIndex: number;
  eof: number;
  /** The handle has `open` (uv_tcp_open), to take the addon's socket. */
  canOpen: boolean;
}

function loadBinding(): Binding | undefined {
  if (process.env.RSGUARD_CHECK_SOCKETS === 'net') return undefined;
  try {
    const legacy = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = legacy('tcp_wrap') as { TCP: new (type: number) => TcpHandle; TCPConnectWrap: new () => ReqWrap; constants: { SOCKET: number } };
    const stream = legacy('stream_wrap') as { WriteWrap: new () => ReqWrap; streamBaseState: Int32Array; kReadBytesOrError: number };
    const uv = legacy('uv') as { UV_EOF: number };
    const proto = tcp.TCP.prototype as unknown as Record<string, unknown>;
    const methods = ['connect', 'connect6', 'useUserBuffer', 'readStart', 'writeBuffer', 'writeUtf8String', 'reset', 'close'];
    if (!methods.every((m) => typeof proto[m] === 'function')) return undefined;
    if (!(stream.streamBaseState instanceof Int32Array) || typeof stream.kReadBytesOrError !== 'number' || typeof uv.UV_EOF !== 'number') return undefined;
    const socketType = tcp.constants.SOCKET;
    return {
      newHandle: () => new tcp.TCP(socketType),
      newConnectReq: () => new tcp.TCPConnectWrap(),
      newWriteReq: () => new stream.WriteWrap(),
      state: stream.streamBaseState,
      readIndex: stream.kReadBytesOrError,
      eof: uv.UV_EOF,
      canOpen: typeof proto.open === 'function',
    };
  } catch {
    return undefined;
  }
}

const binding = loadBinding();

export const rawTcpAvailable = binding !== undefined;

/**
 * Whether plain TCP and HTTP checks connect from the addon's socket, quick ACK off: both the addon and libuv's `open`
 * are there. Checked once, not per connection; exported for the tests and the bench.
 */
export const checkQuickAckOff = checkSocketAddon !== undefined && binding?.canOpen === true;

/**
 * Gives the handle a socket with quick ACK off before it connects. Any failure leaves the handle without one, and libuv
 * makes its own at connect (reporting, e.g., EMFILE as it always does).
 */
function openOwnSocket(handle: TcpHandle, family: 4 | 6): void {
  const fd = checkSocketAddon!.checkSocket(family);
  if (fd < 0) return;
  if (handle.open(fd) !== 0) checkSocketAddon!.closeFd(fd);
}

/**
 * One read buffer for every plain-TCP check connection, raw or net.Socket:
 * without it each read mallocs 64 KiB and shrinks it to the bytes read, CPU
 * and (through the allocator's fragmentation) RSS. Reads are delivered one at
 * a time on the event loop and each chunk is copied out at its own size
 * before the next can land.
 */
export const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** The error net.Socket would give: `connect ECONNREFUSED 10.0.0.1:80`, with code, errno, syscall, address, port. */
function uvError(status: number, syscall: string, host: string, port: number): Error {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`${syscall} ${code} ${host}:${port}`), { code, errno: status, syscall, address: host, port });
}

function noop(): void {}

// One function each for every handle and request (they find their connection through the handle), not closures per check.
function onRead(this: TcpHandle): void {
  const conn = this.conn;
  if (conn.state !== 'open') return;
  const n = binding!.state[binding!.readIndex]!;
  if (n > 0) conn.handlers.data(Buffer.from(READ_BUFFER.subarray(0, n)));
  else if (n === binding!.eof) conn.handlers.end();
  else if (n < 0) conn.fail(n, 'read');
}

function afterConnect(status: number, handle: TcpHandle): void {
  handle.conn.connected(status);
}

function afterWrite(status: number, handle: TcpHandle): void {
  if (status < 0 && handle.conn.state === 'open') handle.conn.fail(status, 'write');
}

export class RawTcpConn implements CheckConn {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  private readonly handle: TcpHandle;

  /**
   * `host` must be an IP address of `family`; callers check (see openCheckConn). `sendsFirst`: the check writes first
   * or nothing at all, so its socket may hold the handshake's last ACK back (quick ACK off, when the addon is built):
   * it rides with the request, and a connect check's reset comes before it (the server never accepts). A server that
   * speaks first would wait up to 200 ms for that ACK: those checks keep the kernel's quick ACK.
   */
  constructor(
    private readonly host: string,
    private readonly port: number,
    family: 4 | 6,
    readonly handlers: CheckConnHandlers,
    sendsFirst = false,
  ) {
    if (!binding) throw new Error('raw TCP handles are not available in this Node');
    const handle = (this.handle = binding.newHandle());
    handle.conn = this;
    handle.useUserBuffer(READ_BUFFER);
    handle.onread = onRead;
    if (checkQuickAckOff && sendsFirst) openOwnSocket(handle, family);
    const req = binding.newConnectReq();
    req.oncomplete = afterConnect;
    const err = family === 6 ? handle.connect6(req, host, port) : handle.connect(req, host, port);
    // A connect that fails at once (no descriptors left, no route) is reported after the caller has its object, as net does.
    if (err) process.nextTick(() => this.fail(err, 'connect'));
  }

  connected(status: number): void {
    if (this.state !== 'connecting') return; // closed while connecting: libuv cancels the request
    if (status < 0) return this.fail(status, 'connect');
    const err = this.handle.readStart();
    if (err) return this.fail(err, 'read');
    this.state = 'open';
    this.handlers.connect();
  }

  write(data: Buffer | string): void {
    if (this.state !== 'open') return;
    const req = binding!.newWriteReq();
    req.handle = this.handle;
    req.oncomplete = afterWrite;
    const err = typeof data === 'string' ? this.handle.writeUtf8String(req, data) : this.handle.writeBuffer(req, data);
    if (err) this.fail(err, 'write');
  }

  fail(status: number, syscall: string): void {
    if (this.state === 'closed') return;
    this.close();
    this.handlers.error(uvError(status, syscall, this.host, this.port));
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handle.onread = noop;
    this.handle.close();
  }

  reset(): void {
    if (this.state !== 'open') return this.close();
    this.state = 'closed';
    this.handle.onread = noop;
    // libuv refuses only a handle that is shutting down (never one here) and closes it in every other case.
    this.handle.reset();
  }
}
