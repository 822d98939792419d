/**
 * php-fpm's pool status page (`pm.status_path`), as `?json` gives it or as
 * the plain `key: value` text a proxy or an older setup may answer with.
 * Only the counters rsguard acts on or exports are kept; the page is a
 * server's answer, so every value is checked before it is believed.
 */
export interface FpmPoolStatus {
  /** Connections waiting in the pool's accept queue now (php-fpm measures it on TCP sockets only). */
  listenQueue: number;
  /** The accept queue's size (`listen.backlog` as the kernel took it). */
  listenQueueLen: number;
  activeProcesses: number;
  idleProcesses: number;
  totalProcesses: number;
  /** Counted by php-fpm since the pool started. */
  maxChildrenReached: number;
  slowRequests: number;
  acceptedConn: number;
}

/** The page's field for each kept counter; the first four must be there, the others default to 0. */
const FIELDS: ReadonlyArray<readonly [keyof FpmPoolStatus, string, boolean]> = [
  ['listenQueue', 'listen queue', true],
  ['activeProcesses', 'active processes', true],
  ['idleProcesses', 'idle processes', true],
  ['totalProcesses', 'total processes', true],
  ['listenQueueLen', 'listen queue len', false],
  ['maxChildrenReached', 'max children reached', false],
  ['slowRequests', 'slow requests', false],
  ['acceptedConn', 'accepted conn', false],
];

/** The pool status, or why the answer is not one (worded for a check's detail). */
export function parseFpmPoolStatus(body: string): FpmPoolStatus | string {
  const fields = /^\s*[[{]/.test(body) ? jsonFields(body) : textFields(body);
  if (typeof fields === 'string') return fields;
  const out: Partial<Record<keyof FpmPoolStatus, number>> = {};
  for (const [key, name, required] of FIELDS) {
    const raw = fields.get(name);
    if (raw === undefined) {
      if (required) return `pool status lacks ${JSON.stringify(name)}`;
      out[key] = 0;
      continue;
    }
    const n = counter(raw);
    if (n === undefined) return `pool status ${JSON.stringify(name)} is not a count: ${JSON.stringify(String(raw).slice(0, 20))}`;
    out[key] = n;
  }
  const s = out as FpmPoolStatus;
  if (s.activeProcesses + s.idleProcesses !== s.totalProcesses) {
    return `pool status does not add up: ${s.activeProcesses} active + ${s.idleProcesses} idle != ${s.totalProcesses} total`;
  }
  return s;
}

/** One line for a check's detail. */
export function describePool(s: FpmPoolStatus): string {
  return `listen queue ${s.listenQueue}, active ${s.activeProcesses}/${s.totalProcesses}, idle ${s.idleProcesses}, max children reached ${s.maxChildrenReached}, slow ${s.slowRequests}`;
}

function jsonFields(body: string): Map<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `pool status is not JSON: ${JSON.stringify(body.slice(0, 40))}`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'pool status is not a JSON object';
  // A Map, not the object: a key such as "__proto__" or "constructor" is only ever a missing field.
  return new Map(Object.entries(parsed));
}

function textFields(body: string): Map<string, unknown> | string {
  const fields = new Map<string, unknown>();
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    // php-fpm's text page is only `name: value` lines (`start time` has colons in its value, not before it).
    if (colon <= 0) return `pool status line is not "name: value": ${JSON.stringify(line.slice(0, 40))}`;
    const name = line.slice(0, colon).trim();
    // Two answers for one counter: believe neither.
    if (fields.has(name)) return `pool status repeats ${JSON.stringify(name)}`;
    fields.set(name, line.slice(colon + 1).trim());
  }
  if (fields.size === 0) return 'pool status is empty';
  return fields;
}

/** A non-negative integer that fits a double exactly (php-fpm's counters are unsigned longs). */
function counter(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw === 'string' && /^\d{1,15}$/.test(raw)) return Number(raw);
  return undefined;
}
