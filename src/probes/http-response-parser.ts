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
  body: Buffer;
  /** The body went past maxBodyBytes; `body` holds the first maxBodyBytes of it. */
  truncated: boolean;
  /** The status line and header lines, when the parser was asked to keep them. */
  head?: string;
  /** Location, and the base a relative one is read against (Content-Base, else Base): kept only when the parser is asked to. */
  location?: string;
  base?: string;
}

/** Where the line starting at `start` ends: at its LF, less a CR before it (a split on /\r?\n/). */
function lineEndAt(head: string, start: number): number {
  let nl = head.indexOf('\n', start);
  if (nl < 0) nl = head.length;
  return nl > start && head.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
}

/** The start of the line after the one ending at `lineEnd`, or past the end when it was the last. */
function nextLine(head: string, lineEnd: number): number {
  if (lineEnd < head.length && head.charCodeAt(lineEnd) === 0x0d) lineEnd++;
  return lineEnd < head.length ? lineEnd + 1 : head.length + 1;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The status of `HTTP/1.[01] NNN[ reason]` (the reason without CR or LF, as /.*\/ reads it), or -1. */
function statusOf(head: string, lineEnd: number): number {
  if (lineEnd < 12 || !head.startsWith('HTTP/1.', 0)) return -1;
  const minor = head.charCodeAt(7);
  if ((minor !== 0x30 && minor !== 0x31) || head.charCodeAt(8) !== 0x20) return -1;
  const d0 = head.charCodeAt(9);
  const d1 = head.charCodeAt(10);
  const d2 = head.charCodeAt(11);
  if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return -1;
  if (lineEnd > 12) {
    if (head.charCodeAt(12) !== 0x20) return -1;
    const cr = head.indexOf('\r', 13);
    if (cr >= 0 && cr < lineEnd) return -1;
  }
  return (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
}

/** JavaScript's trim() whitespace, as far as a latin1 string can hold it. */
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/** Whether head[start, end) is `name` (lower case ASCII) in any case. */
function nameIs(head: string, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = head.charCodeAt(start + i);
    // Only A-Z lower-case to ASCII letters within latin1, so this is toLowerCase() for these names.
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== name.charCodeAt(i)) return false;
  }
  return true;
}

type KeptHeader = 'content-length' | 'transfer-encoding' | 'location' | 'content-base' | 'base';

/**
 * The header the name in head[start, colon) is (trimmed, any case), if it is
 * one the parser keeps: the two that frame the body, and with `redirects` the
 * three a redirect is read from (LWP's HTTP::Response::base reads Content-Base, then Base).
 */
function keptHeader(head: string, start: number, colon: number, redirects: boolean): KeptHeader | undefined {
  while (start < colon && isSpace(head.charCodeAt(start))) start++;
  while (colon > start && isSpace(head.charCodeAt(colon - 1))) colon--;
  if (nameIs(head, start, colon, 'content-length')) return 'content-length';
  if (nameIs(head, start, colon, 'transfer-encoding')) return 'transfer-encoding';
  if (!redirects) return undefined;
  if (nameIs(head, start, colon, 'location')) return 'location';
  if (nameIs(head, start, colon, 'content-base')) return 'content-base';
  if (nameIs(head, start, colon, 'base')) return 'base';
  return undefined;
}

export class HttpResponseParser {
  status = 0;
  headDone = false;
  done = false;
  truncated = false;
  private buffered: Buffer = EMPTY;
  private mode: BodyMode = 'close';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private readonly body: Buffer[] = [];
  private bodySize = 0;
  private head: string | undefined;
  private location: string | undefined;
  private base: string | undefined;

  /**
   * `redirects`: keep Location and the base of the final response (see keptHeader);
   * `keepHead`: keep the final response's head for rules on its headers (most checks never read them, so they cost nothing).
   */
  constructor(private readonly headRequest: boolean, private readonly maxBodyBytes: number, private readonly redirects = false, private readonly keepHead = false) {}

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
    // Chunks are owned copies (see keep): one of them is the body as it is.
    const body = this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body);
    if (this.location === undefined && this.base === undefined && this.head === undefined) return { status: this.status, body, truncated: this.truncated };
    return {
      status: this.status,
      body,
      truncated: this.truncated,
      ...(this.head !== undefined ? { head: this.head } : {}),
      ...(this.location !== undefined ? { location: this.location } : {}),
      ...(this.base !== undefined ? { base: this.base } : {}),
    };
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
    // The head is read in place, line by line, and only the two headers that frame the body are kept:
    // at thousands of checks a second, splitting it into lines and a header map was most of what a check
    // allocated (measured with bench/alloc-summary.ts). The rules are those of a split on /\r?\n/.
    const head = this.buffered.toString('latin1', 0, end);
    this.buffered = this.buffered.subarray(end + sepLen);
    let lineEnd = lineEndAt(head, 0);
    const status = statusOf(head, lineEnd);
    if (status < 0) throw new HttpProtocolError(`not an HTTP/1.x status line: ${JSON.stringify(head.slice(0, Math.min(lineEnd, 40)))}`);
    let transferEncoding: string | undefined;
    let contentLength: string | undefined;
    let location: string | undefined;
    let contentBase: string | undefined;
    let base: string | undefined;
    for (let start = nextLine(head, lineEnd); start <= head.length; start = nextLine(head, lineEnd)) {
      lineEnd = lineEndAt(head, start);
      const colon = head.indexOf(':', start);
      if (colon <= start || colon >= lineEnd) throw new HttpProtocolError('malformed response header line');
      const header = keptHeader(head, start, colon, this.redirects);
      if (header === undefined) continue;
      const value = head.slice(colon + 1, lineEnd).trim();
      if (header === 'content-length') contentLength = contentLength === undefined ? value : `${contentLength}, ${value}`;
      else if (header === 'transfer-encoding') transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      // HTTP::Headers->header('Location') in scalar context is every value joined with ", ": a second Location makes a URL no server meant.
      else if (header === 'location') location = location === undefined ? value : `${location}, ${value}`;
      else if (header === 'content-base') contentBase ??= value;
      else base ??= value;
    }
    // Interim 1xx responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200 && status !== 101) return true;
    this.location = location;
    this.base = contentBase ?? base;
    this.status = status;
    this.headDone = true;
    if (this.keepHead) this.head = head;
    if (this.headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      this.mode = 'none';
      this.done = true;
    } else if (transferEncoding !== undefined && /\bchunked\b/i.test(transferEncoding)) {
      this.mode = 'chunked';
    } else if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) throw new HttpProtocolError('bad Content-Length');
      this.mode = 'length';
      this.remaining = Number(contentLength);
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
