import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, formatIssue } from '../src/config/errors.js';
import { importConfig, sniffFormat, type ConfigFormat } from '../src/config/load.js';

/**
 * `--config FILE` of the core bench: any config rsguard runs (rsguard YAML,
 * ldirectord.cf, keepalived.conf, haproxy.cfg) as the input rsguard loads
 * from it (what `rsguard import` prints: the same schema and model as
 * `rsguard run -c FILE`), its real servers moved onto the farm's ports in
 * order. What would reach beyond the farm or this process is taken out and
 * listed: the balancer (none, as the bench's YAML), notify hooks and mail,
 * VRRP, sorry servers, the health file, a check's own host or port (a
 * checkport/connect_port elsewhere). The global settings the bench's YAML
 * sets are set the same (concurrency, startupSpread, stateFile, log level),
 * so the two rows differ in their checks only.
 */
export interface BenchConfig {
  /** Shown in the tables: the file's name and format. */
  label: string;
  format: ConfigFormat;
  kind: 'http' | 'tcp';
  /** Real servers: the N of its row. */
  n: number;
  /** The YAML rsguard runs, given its API port and the farm ports for its real servers. */
  yaml(apiPort: number, ports: number[], intervalMs: number): string;
  /** What was taken out, for the report. */
  removed: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

async function inputOf(file: string, format: ConfigFormat): Promise<Obj> {
  if (format === 'yaml') {
    const data: unknown = YAML.parse(readFileSync(file, 'utf8'));
    if (!isObj(data)) throw new Error(`${file}: not a YAML mapping`);
    return data;
  }
  try {
    const result = await importConfig(file, format);
    if (result.errors.length) throw new ConfigError(result.errors);
    return result.input;
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`${file} does not load:\n${err.issues.map(formatIssue).join('\n')}`);
    throw err;
  }
}

/** Every check of the input, the virtual services' and the real servers' own. */
function checksOf(input: Obj): Obj[] {
  return list(input.virtualServices).flatMap((v) => [...list(v.checks), ...list(v.realServers).flatMap((r) => list(r.checks))]);
}

export async function benchConfig(file: string): Promise<BenchConfig> {
  const format = sniffFormat(file, readFileSync(file, 'utf8'));
  const input = await inputOf(file, format);
  const removed = new Set<string>();
  const take = (o: Obj, key: string, what: string) => {
    if (o[key] === undefined) return;
    delete o[key];
    removed.add(what);
  };
  for (const key of ['balancer', 'notify', 'vrrp']) take(input, key, key);
  const vss = list(input.virtualServices);
  for (const v of vss) {
    take(v, 'notify', 'notify hooks');
    take(v, 'sorryServer', 'sorry servers');
    for (const r of list(v.realServers)) take(r, 'notify', 'notify hooks');
  }
  for (const c of checksOf(input)) {
    take(c, 'host', "checks' own host");
    take(c, 'port', "checks' own port");
  }
  const kinds = new Set(checksOf(input).map((c) => String(c.kind)));
  const kind = kinds.size === 1 && kinds.has('http') ? 'http' : kinds.size === 1 && kinds.has('tcp') ? 'tcp' : undefined;
  if (!kind) {
    throw new Error(`${file}: the farm is one nginx answering HTTP 200 "ok" on plain HTTP, so the bench measures configs whose checks are all http or all tcp; this one has ${[...kinds].join(', ') || 'no checks'}`);
  }
  const n = vss.reduce((sum, v) => sum + list(v.realServers).length, 0);
  if (!n) throw new Error(`${file}: no real servers`);
  const global = isObj(input.global) ? input.global : {};
  for (const key of ['log', 'health', 'apiToken', 'apiTokenFile', 'autoReload']) take(global, key, `global.${key}`);
  return {
    label: `${path.basename(file)} (${format})`,
    format,
    kind,
    n,
    removed: [...removed],
    yaml(apiPort, ports, intervalMs) {
      if (ports.length < n) throw new Error(`${file}: ${n} real servers, the farm has ${ports.length} ports`);
      let i = 0;
      const moved = {
        ...input,
        global: { ...global, listen: `127.0.0.1:${apiPort}`, logLevel: 'warn', concurrency: 10000, startupSpread: `${intervalMs}ms`, stateFile: false },
        virtualServices: vss.map((v) => ({ ...v, realServers: list(v.realServers).map((r) => ({ ...r, address: `127.0.0.1:${ports[i++]}` })) })),
      };
      return YAML.stringify(moved);
    },
  };
}
