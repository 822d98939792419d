import net from 'node:net';
import { z } from 'zod';
import { encodeRequest, FastCgiProtocolError, FastCgiReader, parseCgiOutput, type FastCgiResponse } from './fastcgi.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { describePool, parseFpmPoolStatus, type FpmPoolStatus } from './fpm-pool-status.js';
import { queueWeightSpec, weightPercentFor } from './queue-weight.js';
import { parseHostPort } from '../lib/address.js';
import { socketExchange } from '../lib/socket-exchange.js';
import type { ProbeResult, ProbeTarget } from './types.js';

const MAX_RESPONSE = 64 * 1024;
const REQUEST_ID = 1;

export const fpmSpec = z
  .object({
    /** php-fpm `ping.path`. */
    path: z.string().startsWith('/').default('/ping'),
    /** php-fpm `ping.response`; the body must equal it. */
    expect: z.string().min(1).default('pong'),
    /** Connect to this unix socket instead of the real server's host:port. */
    socket: z.string().startsWith('/').optional(),
    /** php-fpm `pm.status_path`; when set the pool status is read too (`?json`). */
    statusPath: z.string().startsWith('/').optional(),
    /**
     * php-fpm `pm.status_listen`: where the status page is read instead of the
     * pool's own socket (`host:port`, `:port` on the real server's address, or
     * a unix socket path). php-fpm answers there from its own process, so a
     * pool whose workers are all busy still says how long its queue is.
     */
    statusAddress: z.string().min(1).superRefine(checkStatusAddress).optional(),
    /** Send the ping too; false judges the pool by its status alone (needs statusPath). */
    ping: z.boolean().default(true),
    /** Fail when the pool's `listen queue` is above this (needs statusPath). */
    maxListenQueue: z.number().int().min(0).optional(),
    /** Lower the weight as the listen queue grows (needs statusPath). */
    weightByQueue: queueWeightSpec.optional(),
  })
  .strict()
  .refine((s) => s.maxListenQueue === undefined || s.statusPath !== undefined, { message: 'maxListenQueue needs statusPath', path: ['maxListenQueue'] })
  .refine((s) => s.weightByQueue === undefined || s.statusPath !== undefined, { message: 'weightByQueue needs statusPath', path: ['weightByQueue'] })
  .refine((s) => s.statusAddress === undefined || s.statusPath !== undefined, { message: 'statusAddress needs statusPath (php-fpm pm.status_path)', path: ['statusAddress'] })
  .refine((s) => s.ping || s.statusPath !== undefined, { message: 'ping: false needs statusPath (the check would check nothing)', path: ['ping'] })
  // Measured on php-fpm 8.2: a unix-socket pool reports `listen queue` 0 and `listen queue len` 0 however many wait.
  .refine((s) => s.socket === undefined || (s.maxListenQueue === undefined && s.weightByQueue === undefined), {
    message: 'php-fpm does not measure the listen queue of a pool on a unix socket (it reports 0): maxListenQueue and weightByQueue need a TCP pool',
    path: ['socket'],
  })
  .refine((s) => s.weightByQueue === undefined || s.maxListenQueue === undefined || s.weightByQueue.to <= s.maxListenQueue, {
    message: 'weightByQueue.to is above maxListenQueue: the server is out before its weight reaches the floor',
    path: ['weightByQueue', 'to'],
  });

export type FpmSpec = z.output<typeof fpmSpec>;

function paramsFor(path: string, query: string, target: ProbeTarget): Record<string, string> {
  return {
    GATEWAY_INTERFACE: 'FastCGI/1.0',
    REQUEST_METHOD: 'GET',
    SCRIPT_NAME: path,
    SCRIPT_FILENAME: path,
    REQUEST_URI: query ? `${path}?${query}` : path,
    DOCUMENT_URI: path,
    QUERY_STRING: query,
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'rsguard',
    REMOTE_ADDR: '127.0.0.1',
    SERVER_ADDR: target.host,
    SERVER_PORT: String(target.port),
  };
}
/** Where the status page is read: the pool's own socket, or pm.status_listen. */
type StatusAddress = { path: string } | { host: string | undefined; port: number };

function checkStatusAddress(text: string, ctx: z.RefinementCtx): void {
  const a = parseStatusAddress(text);
  if (typeof a === 'string') ctx.addIssue({ code: 'custom', message: a });
}

export function parseStatusAddress(text: string): StatusAddress | string {
  if (text.startsWith('/')) return { path: text };
  // `:9001`: the same port on every real server the check runs against.
  if (/^:\d+$/.test(text)) {
    const port = Number(text.slice(1));
    return port >= 1 && port <= 65535 ? { host: undefined, port } : `statusAddress port must be 1-65535, got ${JSON.stringify(text)}`;
  }
  const hp = parseHostPort(text);
  if (typeof hp === 'string') return `statusAddress: ${hp} (or a unix socket path, or :port)`;
  if (!hp.port) return `statusAddress needs a port: ${JSON.stringify(text)}`;
  return { host: hp.host, port: hp.port };
}

function connectTo(spec: FpmSpec, target: ProbeTarget, status: boolean): net.Socket {
  if (status && spec.statusAddress) {
    const a = parseStatusAddress(spec.statusAddress) as StatusAddress;
    return 'path' in a ? net.connect({ path: a.path }) : net.connect({ host: a.host ?? target.host, port: a.port });
  }
  return spec.socket ? net.connect({ path: spec.socket }) : net.connect({ host: target.host, port: target.port });
}

/** One FastCGI request on its own connection; rejects on socket errors, protocol errors and abort. */
function call(socket: net.Socket, target: ProbeTarget, path: string, query: string, signal: AbortSignal): Promise<FastCgiResponse> {
  const reader = new FastCgiReader(REQUEST_ID, MAX_RESPONSE);
  return socketExchange(socket, 'connect', signal, {
    request: () => encodeRequest(REQUEST_ID, paramsFor(path, query, target)),
    data: (chunk) => {
      reader.push(chunk);
      return reader.done;
    },
    end: () => {
      throw new FastCgiProtocolError('connection closed before END_REQUEST');
    },
  });
}

/** A failed step, worded; `protocol` for what a php-fpm would never send. */
function failed(startedAt: number, err: unknown, signal: AbortSignal, prefix = ''): ProbeResult {
  const r = err instanceof FastCgiProtocolError && !signal.aborted ? fail(startedAt, 'protocol', err.message) : failure(startedAt, classifyError(err, signal));
  if (prefix) r.detail = `${prefix}${r.detail}`;
  return r;
}

function withPool(r: ProbeResult, pool: FpmPoolStatus | undefined): ProbeResult {
  if (!pool) return r;
  // The numbers were read either way (the metrics keep them); a check error's detail stays about the error.
  r.fpmPool = pool;
  if (!r.error) r.detail = `${r.detail} (${describePool(pool)})`;
  return r;
}

/** Reads and parses the status page; a result when it cannot (the check's verdict), the pool otherwise. */
async function readPool(spec: FpmSpec, target: ProbeTarget, signal: AbortSignal, startedAt: number): Promise<FpmPoolStatus | ProbeResult> {
  const where = spec.statusAddress ? `status at ${spec.statusAddress}: ` : '';
  let res: FastCgiResponse;
  try {
    res = await call(connectTo(spec, target, true), target, spec.statusPath!, 'json', signal);
  } catch (err) {
    return failed(startedAt, err, signal, where);
  }
  let out: ReturnType<typeof parseCgiOutput>;
  try {
    out = parseCgiOutput(res.stdout);
  } catch (err) {
    return failed(startedAt, err, signal, where);
  }
  if (out.status !== 200) return fail(startedAt, 'status', `${where}status ${out.status} for ${spec.statusPath}`);
  const pool = parseFpmPoolStatus(out.body);
  return typeof pool === 'string' ? fail(startedAt, 'protocol', `${where}${snippet(pool, 120)}`) : pool;
}

/** The failure the pool's numbers call for on their own (over maxListenQueue), if any. */
function judgePool(spec: FpmSpec, pool: FpmPoolStatus, startedAt: number): ProbeResult | undefined {
  if (spec.maxListenQueue !== undefined && pool.listenQueue > spec.maxListenQueue) {
    return withPool(fail(startedAt, 'status', `listen queue ${pool.listenQueue} > ${spec.maxListenQueue}`), pool);
  }
  return undefined;
}

/** Up, with the weight share the queue asks for. */
function passed(spec: FpmSpec, startedAt: number, what: string, pool: FpmPoolStatus | undefined): ProbeResult {
  const r = withPool(pass(startedAt, what), pool);
  if (pool && spec.weightByQueue) {
    r.weightPercent = weightPercentFor(pool.listenQueue, spec.weightByQueue);
    r.detail += `, weight ${r.weightPercent}%`;
  }
  // No queue size: php-fpm did not measure the queue (a unix-socket pool) and its 0 says nothing; the limits cannot work.
  if (pool && pool.listenQueueLen === 0 && (spec.weightByQueue || spec.maxListenQueue !== undefined)) r.detail += '; php-fpm does not measure this pool\'s listen queue (unix socket?)';
  return r;
}

/** The ping; undefined when it answered as configured. */
async function ping(spec: FpmSpec, target: ProbeTarget, signal: AbortSignal, startedAt: number): Promise<ProbeResult | undefined> {
  let res: FastCgiResponse;
  let out: ReturnType<typeof parseCgiOutput>;
  try {
    res = await call(connectTo(spec, target, false), target, spec.path, '', signal);
    out = parseCgiOutput(res.stdout);
  } catch (err) {
    return failed(startedAt, err, signal, spec.statusAddress ? `ping: ` : '');
  }
  if (out.status !== 200) {
    const stderr = res.stderr.length ? `: ${snippet(res.stderr.toString('utf8'), 80)}` : '';
    return fail(startedAt, 'status', `status ${out.status} for ${spec.path}${stderr}`);
  }
  if (out.body !== spec.expect && out.body.trimEnd() !== spec.expect) {
    return fail(startedAt, 'body', `expected ${JSON.stringify(spec.expect)}, got ${JSON.stringify(snippet(out.body, 40))}`);
  }
  return undefined;
}

export const fpmProbe = defineProbe({
  kind: 'fpm',
  spec: fpmSpec,
  run: async (target, spec, { signal }) => {
    const startedAt = performance.now();
    if (spec.statusAddress) {
      // Status first, from php-fpm's own socket: a pool over its queue limit is judged without adding a ping to that queue.
      const pool = await readPool(spec, target, signal, startedAt);
      if (!('listenQueue' in pool)) return pool;
      const judged = judgePool(spec, pool, startedAt);
      if (judged) return judged;
      if (spec.ping) {
        // The ping waits in the pool's queue like any request: failing, it says so with the queue that was seen.
        const bad = await ping(spec, target, signal, startedAt);
        if (bad) return withPool(bad, pool);
      }
      return passed(spec, startedAt, spec.ping ? spec.expect : 'status read', pool);
    }
    if (spec.ping) {
      const bad = await ping(spec, target, signal, startedAt);
      if (bad) return bad;
    }
    if (!spec.statusPath) return pass(startedAt, spec.expect);
    const pool = await readPool(spec, target, signal, startedAt);
    if (!('listenQueue' in pool)) return pool;
    return judgePool(spec, pool, startedAt) ?? passed(spec, startedAt, spec.ping ? spec.expect : 'status read', pool);
  },
});
