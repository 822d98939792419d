/**
 * The cumulative traffic counters of every server, from one `show stat -1 4 -1`
 * (servers of every backend): what passive health takes deltas of. Parsed by
 * the `# pxname,svname,...` header, so fields added in newer versions do not
 * shift anything.
 */
export interface ServerCounters {
  backend: string;
  server: string;
  /** `addr` (HAProxy 2.x): `host:port`, for servers rsguard finds by address. */
  addr: string;
  /** Sessions sent to the server. */
  stot: number;
  /** Connections that failed after every retry. */
  econ: number;
  /** Connection attempts that failed and were retried. */
  wretr: number;
  /** Response errors: invalid or aborted responses, read errors. */
  eresp: number;
  hrsp1xx: number;
  hrsp2xx: number;
  hrsp3xx: number;
  hrsp4xx: number;
  hrsp5xx: number;
}

const FIELDS = { stot: 'stot', econ: 'econ', wretr: 'wretr', eresp: 'eresp', hrsp1xx: 'hrsp_1xx', hrsp2xx: 'hrsp_2xx', hrsp3xx: 'hrsp_3xx', hrsp4xx: 'hrsp_4xx', hrsp5xx: 'hrsp_5xx' } as const;

export class StatReplyError extends Error {
  override name = 'StatReplyError';
}

/** Counters keyed by `backend/server`; an empty field (a counter HAProxy does not keep in this mode, hrsp_* in TCP) reads 0. */
export function parseServerCounters(csv: string): Map<string, ServerCounters> {
  const lines = csv.split('\n');
  if (!lines[0]?.startsWith('#')) throw new StatReplyError(lines[0]?.trim() ? `HAProxy said: ${lines[0].trim().slice(0, 200)}` : 'empty reply to show stat');
  const header = lines[0].replace(/^#\s*/, '').split(',');
  const at = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new StatReplyError(`show stat lacks field ${name}`);
    return i;
  };
  const px = at('pxname');
  const sv = at('svname');
  const addr = header.indexOf('addr');
  const idx = Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, at(f)])) as Record<keyof typeof FIELDS, number>;
  const out = new Map<string, ServerCounters>();
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const v = line.split(',');
    const backend = v[px];
    const server = v[sv];
    // Type mask 4 asks servers only; a frontend or backend row (a reply to another request) is not one.
    if (!backend || !server || server === 'FRONTEND' || server === 'BACKEND') continue;
    const num = (i: number) => {
      const n = Number(v[i] || 0);
      return Number.isFinite(n) && n >= 0 ? n : 0;
    };
    const c: ServerCounters = { backend, server, addr: addr >= 0 ? (v[addr] ?? '') : '', stot: 0, econ: 0, wretr: 0, eresp: 0, hrsp1xx: 0, hrsp2xx: 0, hrsp3xx: 0, hrsp4xx: 0, hrsp5xx: 0 };
    for (const k of Object.keys(FIELDS) as Array<keyof typeof FIELDS>) c[k] = num(idx[k]);
    out.set(`${backend}/${server}`, c);
  }
  return out;
}

/** The request that reads every server's counters at once (proxy -1, type 4 servers, server -1). */
export const SHOW_SERVER_STATS = 'show stat -1 4 -1';
