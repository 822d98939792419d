/**
 * FastCGI 1.0 records, just enough to be a responder client
 * (fcgi-spec: 8-byte header, BEGIN_REQUEST, PARAMS, STDIN, STDOUT, STDERR, END_REQUEST).
 */
export const FCGI_VERSION = 1;
export const RecordType = {
    BeginRequest: 1,
    AbortRequest: 2,
    EndRequest: 3,
    Params: 4,
    Stdin: 5,
    Stdout: 6,
    Stderr: 7,
    Data: 8,
    GetValues: 9,
    GetValuesResult: 10,
    UnknownType: 11,
};
const ROLE_RESPONDER = 1;
const MAX_CONTENT = 0xffff;
export class FastCgiProtocolError extends Error {
    name = 'FastCgiProtocolError';
}
function record(type, requestId, content) {
    const padding = (8 - (content.length % 8)) % 8;
    const header = Buffer.alloc(8);
    header[0] = FCGI_VERSION;
    header[1] = type;
    header.writeUInt16BE(requestId, 2);
    header.writeUInt16BE(content.length, 4);
    header[6] = padding;
    return Buffer.concat([header, content, Buffer.alloc(padding)]);
}
function encodeLength(n) {
    if (n <= 127)
        return Buffer.from([n]);
    const b = Buffer.alloc(4);
    b.writeUInt32BE((n | 0x80000000) >>> 0);
    return b;
}
export function encodeParams(params) {
    const parts = [];
    for (const [name, value] of Object.entries(params)) {
        const n = Buffer.from(name, 'utf8');
        const v = Buffer.from(value, 'utf8');
        parts.push(encodeLength(n.length), encodeLength(v.length), n, v);
    }
    return Buffer.concat(parts);
}
/** The whole request for one responder call with an empty body. */
export function encodeRequest(requestId, params) {
    const begin = Buffer.alloc(8);
    begin.writeUInt16BE(ROLE_RESPONDER, 0);
    begin[2] = 0; // no FCGI_KEEP_CONN: the server closes when done
    const body = encodeParams(params);
    const paramRecords = [];
    for (let off = 0; off < body.length; off += MAX_CONTENT)
        paramRecords.push(record(RecordType.Params, requestId, body.subarray(off, off + MAX_CONTENT)));
    return Buffer.concat([
        record(RecordType.BeginRequest, requestId, begin),
        ...paramRecords,
        record(RecordType.Params, requestId, Buffer.alloc(0)),
        record(RecordType.Stdin, requestId, Buffer.alloc(0)),
    ]);
}
/**
 * Incremental reader: feed it bytes as they come; it throws FastCgiProtocolError
 * on anything a php-fpm would never send and caps what it keeps.
 */
export class FastCgiReader {
    requestId;
    maxBytes;
    buffered = Buffer.alloc(0);
    stdout = [];
    stderr = [];
    kept = 0;
    done;
    constructor(requestId, maxBytes) {
        this.requestId = requestId;
        this.maxBytes = maxBytes;
    }
    push(chunk) {
        this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
        while (!this.done && this.buffered.length >= 8) {
            const version = this.buffered[0];
            const type = this.buffered[1];
            const requestId = this.buffered.readUInt16BE(2);
            const length = this.buffered.readUInt16BE(4);
            const padding = this.buffered[6];
            if (version !== FCGI_VERSION)
                throw new FastCgiProtocolError(`bad FastCGI version ${version}`);
            if (type < RecordType.BeginRequest || type > RecordType.UnknownType)
                throw new FastCgiProtocolError(`bad FastCGI record type ${type}`);
            if (requestId !== this.requestId && requestId !== 0)
                throw new FastCgiProtocolError(`unexpected FastCGI request id ${requestId}`);
            if (this.buffered.length < 8 + length + padding)
                return;
            const content = this.buffered.subarray(8, 8 + length);
            this.buffered = this.buffered.subarray(8 + length + padding);
            this.take(type, content);
        }
    }
    take(type, content) {
        switch (type) {
            case RecordType.Stdout:
            case RecordType.Stderr: {
                this.kept += content.length;
                if (this.kept > this.maxBytes)
                    throw new FastCgiProtocolError(`response larger than ${this.maxBytes} bytes`);
                (type === RecordType.Stdout ? this.stdout : this.stderr).push(Buffer.from(content));
                return;
            }
            case RecordType.EndRequest: {
                if (content.length < 8)
                    throw new FastCgiProtocolError('short END_REQUEST record');
                this.done = {
                    stdout: Buffer.concat(this.stdout),
                    stderr: Buffer.concat(this.stderr),
                    appStatus: content.readUInt32BE(0),
                    protocolStatus: content[4],
                };
                return;
            }
            case RecordType.UnknownType:
            case RecordType.GetValuesResult:
                return;
            default:
                throw new FastCgiProtocolError(`unexpected FastCGI record type ${type} from server`);
        }
    }
}
/** Splits CGI output into its status, headers and body (php-fpm separates them with CRLF CRLF). */
export function parseCgiOutput(stdout) {
    const text = stdout.toString('utf8');
    let sep = text.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (sep < 0) {
        sep = text.indexOf('\n\n');
        sepLen = 2;
    }
    if (sep < 0)
        throw new FastCgiProtocolError('no header/body separator in FastCGI stdout');
    const headers = {};
    for (const line of text.slice(0, sep).split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0)
            throw new FastCgiProtocolError('malformed CGI header line');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const statusHeader = headers.status;
    const status = statusHeader ? Number.parseInt(statusHeader, 10) : 200;
    if (!Number.isInteger(status) || status < 100 || status > 599)
        throw new FastCgiProtocolError('bad CGI Status header');
    return { status, headers, body: text.slice(sep + sepLen) };
}
//# sourceMappingURL=fastcgi.js.map