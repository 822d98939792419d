/**
 * The two messages of grpc.health.v1 (health.proto) and gRPC's length-prefixed
 * framing, by hand: `HealthCheckRequest { string service = 1; }` and
 * `HealthCheckResponse { ServingStatus status = 1; }` are one field each, so a
 * protobuf library would be all cost and no help. The decoder is bounded and
 * throws GrpcFrameError on anything malformed: the bytes come from the server
 * under test, which may be hostile.
 */

export class GrpcFrameError extends Error {
  override name = 'GrpcFrameError';
}

/** health.proto ServingStatus. */
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** A HealthCheckRequest in one gRPC message frame (uncompressed). */
export function healthRequestFrame(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  // proto3 leaves a default (empty) string off the wire.
  const body = name.length ? Buffer.concat([Buffer.from([0x0a]), varint(name.length), name]) : Buffer.alloc(0);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

/** The status of the one HealthCheckResponse in `data` (every byte of the response body). */
export function healthStatusOf(data: Buffer): number {
  if (data.length < 5) throw new GrpcFrameError(`response body of ${data.length} bytes is not a gRPC message`);
  if (data[0] !== 0) throw new GrpcFrameError(data[0] === 1 ? 'compressed response (rsguard asked for none)' : `bad message flag ${data[0]}`);
  const length = data.readUInt32BE(1);
  if (length !== data.length - 5) throw new GrpcFrameError(`message length ${length} but ${data.length - 5} bytes follow (one message expected)`);
  return statusField(data.subarray(5));
}

function statusField(msg: Buffer): number {
  let status = 0;
  let at = 0;
  while (at < msg.length) {
    const [key, afterKey] = readVarint(msg, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    at = afterKey;
    if (wire === 0) {
      const [value, next] = readVarint(msg, at);
      if (field === 1) status = value;
      at = next;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [len, next] = readVarint(msg, at);
      at = next + len;
    } else throw new GrpcFrameError(`unsupported protobuf wire type ${wire}`);
    if (at > msg.length) throw new GrpcFrameError('truncated protobuf field');
  }
  return status;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A varint of at most 5 bytes (every field here fits in 32 bits); longer is refused, not looped on. */
function readVarint(buf: Buffer, start: number): [number, number] {
  let value = 0;
  let mul = 1;
  for (let i = start; i < buf.length && i < start + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return [value, i + 1];
    mul *= 128;
  }
  throw new GrpcFrameError('bad protobuf varint');
}
