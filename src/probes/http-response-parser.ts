/**
 * An incremental, bounded HTTP/1.x response parser for health checks: status
 * line, headers, then a body delimited by Content-Length, chunked encoding or
 * the end of the connection. It keeps at most `maxBodyBytes` of body and
 * refuses oversized or malformed heads, so a hostile server costs a bounded
 * amount of memory. Pure: fed bytes, it says what it has.
 */
export class HttpProtocolError extends Error {
  override name = 'HttpProtocolError';
}

const MAX_HEAD = 16 * 1024;
/** Never written to: one for every parser, not one per check. */
const EMPTY = Buffer.alloc(0);
const MAX_CHUNK_LINE = 1024;

type BodyMode = 'none' | 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-crlf' | 'trailers';

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body went past maxBodyBytes; `body` holds the first maxBodyBytes of it. */
  truncated: boolean;
}

export class HttpResponseParser {
  status = 0;
  headers: Record<string, string> = {};
  headDone = false;
  done = false;
  truncated = false;
  private buffered: Buffer = EMPTY;
  private mode: BodyMode = 'close';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private readonly body: Buffer[] = [];
  private bodySize = 0;

  constructor(private readonly headRequest: boolean, private readonly maxBodyBytes: number) {}

  push(chunk: Buffer): void {
    if (this.done) return;
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (!this.done) {
      if (!this.headDone) {
        if (!this.parseHead()) return;
        continue;
      }
      if (!this.parseBody()) return;
    }
  }

  /** The connection ended: finishes a close-delimited body, or says what was cut short. */
  end(): void {
    if (this.done) return;
    if (!this.headDone) throw new HttpProtocolError(this.buffered.length ? 'connection closed inside the response headers' : 'connection closed without a response');
    if (this.mode !== 'close') throw new HttpProtocolError('connection closed before the end of the body');
    this.done = true;
  }

  result(): ParsedResponse {
    return { status: this.status, headers: this.headers, body: Buffer.concat(this.body), truncated: this.truncated };
  }

  private parseHead(): boolean {
    let end = this.buffered.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (end < 0) {
      end = this.buffered.indexOf('\n\n');
      sepLen = 2;
    }
    if (end < 0) {
      if (this.buffered.length > MAX_HEAD) throw new HttpProtocolError(`response headers larger than ${MAX_HEAD} bytes`);
      return false;
    }
    if (end > MAX_HEAD) throw new HttpProtocolError(`response headers larger than ${MAX_HEAD} bytes`);
    const lines = this.buffered.subarray(0, end).toString('latin1').split(/\r?\n/);
    this.buffered = this.buffered.subarray(end + sepLen);
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]!);
    if (!m) throw new HttpProtocolError(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 40))}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new HttpProtocolError('malformed response header line');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    // Interim 1xx responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200 && status !== 101) return true;
    this.status = status;
    this.headers = headers;
    this.headDone = true;
    if (this.headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      this.mode = 'none';
      this.done = true;
    } else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      this.mode = 'chunked';
    } else if (headers['content-length'] !== undefined) {
      if (!/^\d{1,15}$/.test(headers['content-length'])) throw new HttpProtocolError('bad Content-Length');
      this.mode = 'length';
      this.remaining = Number(headers['content-length']);
      if (this.remaining === 0) this.done = true;
    } else {
      this.mode = 'close';
    }
    return true;
  }

  private keep(data: Buffer): void {
    const room = this.maxBodyBytes - this.bodySize;
    if (data.length > room) {
      if (room > 0) this.body.push(Buffer.from(data.subarray(0, room)));
      this.bodySize = this.maxBodyBytes;
      this.truncated = true;
      this.done = true;
      return;
    }
    this.body.push(Buffer.from(data));
    this.bodySize += data.length;
  }

  private parseBody(): boolean {
    if (this.buffered.length === 0) return false;
    if (this.mode === 'close') {
      this.keep(this.buffered);
      this.buffered = EMPTY;
      return false;
    }
    if (this.mode === 'length') {
      const take = Math.min(this.remaining, this.buffered.length);
      this.keep(this.buffered.subarray(0, take));
      this.buffered = this.buffered.subarray(take);
      this.remaining -= take;
      if (this.remaining === 0) this.done = true;
      return !this.done && this.buffered.length > 0;
    }
    return this.parseChunk();
  }

  private parseChunk(): boolean {
    switch (this.chunkState) {
      case 'size':
      case 'trailers': {
        const nl = this.buffered.indexOf('\n');
        if (nl < 0) {
          if (this.buffered.length > MAX_CHUNK_LINE) throw new HttpProtocolError('chunk size line too long');
          return false;
        }
        const line = this.buffered.subarray(0, nl).toString('latin1').replace(/\r$/, '');
        this.buffered = this.buffered.subarray(nl + 1);
        if (this.chunkState === 'trailers') {
          if (line === '') this.done = true;
          return true;
        }
        const m = /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(line);
        if (!m) throw new HttpProtocolError('bad chunk size');
        this.remaining = Number.parseInt(m[1]!, 16);
        this.chunkState = this.remaining === 0 ? 'trailers' : 'data';
        return true;
      }
      case 'data': {
        const take = Math.min(this.remaining, this.buffered.length);
        this.keep(this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.remaining -= take;
        if (this.remaining === 0) this.chunkState = 'data-crlf';
        return this.buffered.length > 0;
      }
      case 'data-crlf': {
        if (this.buffered[0] === 0x0d) {
          if (this.buffered.length < 2) return false;
          this.buffered = this.buffered.subarray(1);
        }
        if (this.buffered[0] !== 0x0a) throw new HttpProtocolError('missing CRLF after chunk data');
        this.buffered = this.buffered.subarray(1);
        this.chunkState = 'size';
        return true;
      }
    }
  }
}
