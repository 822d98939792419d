import http from 'node:http';
import https from 'node:https';
import { caFile } from './ca-file.js';
import { tlsFiles } from './tls-fields.js';
import { lazyModule } from './lazy-module.js';
import { hostForUrl, type HttpSpec } from './http-spec.js';
import { verdict } from './http-verdict.js';
import type { HeaderLine } from './http-headers.js';
import { classifyError, fail, failure } from './outcome.js';
import type { ProbeResult, ProbeTarget } from './types.js';

/**
 * Fresh connections each time, as HAProxy and keepalived check: a pooled
 * keep-alive socket would hide a server that no longer accepts.
 */
const agents = {
  http: new http.Agent({ keepAlive: false, maxSockets: Infinity }),
  https: new https.Agent({ keepAlive: false, maxSockets: Infinity }),
};

const loadGot = lazyModule('got', async () => (await import('got')).default);

/** The redirect-following path: got resolves Location and follows up to 5 hops; the body is still capped. */
export async function runWithGot(scheme: 'http' | 'https', target: ProbeTarget, spec: HttpSpec, signal: AbortSignal): Promise<ProbeResult> {
  const got = await loadGot();
  return new Promise<ProbeResult>((resolve) => {
    const startedAt = performance.now();
    let settled = false;
    const url = `${scheme}://${hostForUrl(target.host)}:${target.port}${spec.path}`;
    const headers: Record<string, string> = { 'user-agent': 'rsguard', connection: 'close', ...spec.headers };
    const tlsExtra = tlsFiles(spec);
    if (spec.virtualHost) headers.host = spec.virtualHost;
    const stream = got.stream(url, {
      method: spec.method,
      headers,
      signal,
      agent: agents,
      followRedirect: true,
      maxRedirects: 5,
      throwHttpErrors: false,
      retry: { limit: 0 },
      decompress: false,
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      https: {
        rejectUnauthorized: spec.tlsVerify,
        ...(spec.tlsCa ? { certificateAuthority: caFile(spec.tlsCa) } : {}),
        ...(tlsExtra.cert ? { certificate: tlsExtra.cert, key: tlsExtra.key, ...(tlsExtra.passphrase !== undefined ? { passphrase: tlsExtra.passphrase } : {}) } : {}),
        ...(typeof spec.tlsServerName === 'string' ? { servername: spec.tlsServerName } : {}),
        ...(spec.tlsVerifyHost === false ? { checkServerIdentity: () => undefined } : {}),
      },
    });
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      resolve(result);
    };
    let status = 0;
    const seen: HeaderLine[] = [];
    const chunks: Buffer[] = [];
    let size = 0;
    stream.once('response', (res: { statusCode: number; rawHeaders: string[] }) => {
      status = res.statusCode;
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) seen.push({ name: res.rawHeaders[i]!.toLowerCase(), value: res.rawHeaders[i + 1]!.trim() });
      const early = verdict({ ...spec, expectBody: undefined, expectBodyRegex: undefined, rejectBody: undefined, rejectBodyRegex: undefined, digest: undefined, expectRules: spec.expectRules?.filter((r) => r.body === undefined && r.bodyRegex === undefined) }, startedAt, status, Buffer.alloc(0), false, seen);
      if (!early.ok) finish(early);
    });
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      const room = spec.maxBodyBytes - size;
      if (chunk.length > room) {
        // A hostile server may send forever: stop at the cap and judge what we have.
        chunks.push(chunk.subarray(0, room));
        return finish(verdict(spec, startedAt, status, Buffer.concat(chunks), true, seen));
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    stream.once('end', () => finish(verdict(spec, startedAt, status, Buffer.concat(chunks), false, seen)));
    stream.once('error', (err: Error) => {
      finish(failure(startedAt, classifyError((err as { cause?: unknown }).cause ?? err, signal)));
    });
  });
}
