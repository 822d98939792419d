// Runs inside the IPVS guest (see test/differential/ipvs.test.ts):
// for each config, the original tool (keepalived -C or ldirectord) in one
// network namespace and `rsguard run` on the same file in another, each with
// its own IPVS table and its own copy of the real servers (a dummy interface
// holding the config's real-server addresses, and differential-listeners.ts
// answering on them). Both tables are read with ipvsadm -Sn once they settle
// with every real server up, and again after one real server goes away.
// Writes results.json to the directory given, after every config.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { checksPerPhase, judgeSecFor } from '../helpers/differential-rounds.js';
import { sampleOf } from '../helpers/differential-sample.js';
import type { ListenerSpec } from './differential-listeners.js';

export interface Job {
  name: string;
  tool: 'keepalived' | 'ldirectord';
  /** The rewritten copy, relative to the out directory. */
  file: string;
}
export interface Snapshot {
  /** ipvsadm -Sn, or null when the step did not run. */
  table: string | null;
  /** Why the table may not be final: the wait ran out, the process exited, ... */
  note: string;
}
export interface Side {
  up: Snapshot;
  down: Snapshot;
  exit: string | null;
  log: string;
  /** Why the tool would not run the file (rsguard's config errors; the original's config error exit), or null. */
  refused: string | null;
}
export interface JobResult {
  name: string;
  tool: Job['tool'];
  victim: string | null;
  listeners: string[];
  setupErrors: string[];
  orig: Side;
  rsguard: Side;
  seconds: number;
  error: string | null;
}

const out = process.argv[2]!;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { jobs, tls, limits } = JSON.parse(readFileSync(path.join(out, 'jobs.json'), 'utf8')) as {
  jobs: Job[];
  tls: { key: string; cert: string };
  limits: { slots: number; totalSec: number; stableSec: number; startSec: number; changeSec: number; maxPhaseSec: number };
};
const results: JobResult[] = [];
let scenarioError: string | null = null;
const save = () => writeFileSync(path.join(out, 'results.json'), JSON.stringify({ results, scenarioError }, null, 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();

function run(cmd: string, args: string[], ns?: string): Promise<string> {
  const argv = ns ? ['nsenter', `--net=/run/netns/${ns}`, cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${argv.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout))),
  );
}
/**
 * ipvsadm -Sn without the idle service (see IDLE): rsguard leaves a service
 * that a reload removed from its config in the kernel table (it only touches
 * the services its config names), so the idle one stays after each reload.
 */
const table = async (ns: string) =>
  (await run('ipvsadm', ['-Sn'], ns))
    .split('\n')
    .filter((l) => !l.includes(' 10.255.255.1:1 '))
    .join('\n');

/** A long-lived differential-listeners.ts in a namespace, one command at a time. */
class Listeners {
  private readonly child: ChildProcess;
  private readonly replies: Array<(r: { ok: boolean; errors: string[]; body?: string }) => void> = [];
  constructor(ns: string) {
    this.child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, path.join(root, 'dist/test/vm/differential-listeners.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    readline.createInterface({ input: this.child.stdout! }).on('line', (l) => this.replies.shift()?.(JSON.parse(l) as { ok: boolean; errors: string[]; body?: string }));
  }
  send(cmd: object): Promise<{ ok: boolean; errors: string[]; body?: string }> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`listeners did not answer ${JSON.stringify(cmd).slice(0, 80)} in 30 s`)), 30_000);
      this.replies.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    });
  }
  stop(): void {
    this.child.stdin!.end();
  }
}

interface Model {
  virtualServices: Array<{ realServers: Array<{ host: string; port: number; checkIds: string[] }>; sorryServer: { host: string; port: number } | null }>;
  checks: Map<string, { kind: string; target: { host: string; port: number }; spec: Record<string, unknown> }>;
}


/** Check kinds differential-protocols.ts answers. */
const PROTOCOLS: ReadonlySet<string> = new Set(['ftp', 'pop', 'imap', 'nntp', 'ldap', 'mysql', 'pgsql', 'dns', 'radius', 'sip']);

/**
 * The IPv4 address a DNS check's receive regex matches, for the listener's A
 * record: the regex's own text where it is an address it matches (receive
 * "10.0.16.24", whose dots match any character: sampleOf gives 10x0x16x24),
 * else sampleOf's string if that is an address. Without one the listener
 * answers 127.0.0.1 and both tools' checks fail alike.
 */
function addressFor(regex: string): string | undefined {
  const plain = regex.replace(/^\^|\$$/g, '').replace(/\\\./g, '.');
  const matches = (a: string) => {
    try {
      return new RegExp(regex).test(a);
    } catch {
      return false;
    }
  };
  return [plain, sampleOf(regex)].find((a) => net.isIPv4(a) && matches(a));
}

/**
 * What to listen on: every real-server address and port the file names (read
 * from the text, so a file rsguard refuses still gets its servers), then what
 * rsguard's model of it says the checks ask for (port, TLS, the protocol,
 * status per path, body, DNS answer, RADIUS secret). Where rsguard reads a check wrongly, the original tool's check
 * fails on these listeners and the tables differ: that is a finding.
 */
function plan(tool: Job['tool'], text: string, model: Model | null): { listeners: ListenerSpec[]; victim: string | null; sources: string[] } {
  const specs = new Map<string, ListenerSpec>();
  const get = (host: string, port: number): ListenerSpec => {
    const key = `${host} ${port}`;
    let s = specs.get(key);
    if (!s) specs.set(key, (s = { host, port, kind: 'http', statuses: {}, body: 'rsguard differential test real server\n' }));
    return s;
  };
  const raw = tool === 'keepalived' ? /^\s*real_server\s+([0-9a-fA-F.:]+)(?:\s+(\d+))?/gm : /^\s*real\s*=\s*\[?([0-9a-fA-F.:]+?)\]?:(\d+)/gm;
  let victim: string | null = null;
  for (const m of text.matchAll(raw)) {
    if (!net.isIP(m[1]!)) continue;
    victim ??= m[1]!;
    if (Number(m[2] ?? 0) > 0) get(m[1]!, Number(m[2]));
  }
  if (model) {
    // The first real server with a check, else the first at all (taking it away must change nothing then).
    // For ldirectord not one with a RADIUS check: taken away (no route) it kills ldirectord, whose check_radius
    // calls get_error on the undef Authen::Radius->new returns, outside its eval; there is no table to compare then.
    const radius = new Set(tool === 'ldirectord' ? model.virtualServices.flatMap((vs) => vs.realServers.filter((rs) => rs.checkIds.some((id) => model.checks.get(id)?.kind === 'radius')).map((rs) => rs.host)) : []);
    let first: string | null = null;
    const any = model.virtualServices.flatMap((vs) => vs.realServers)[0]?.host ?? null;
    for (const vs of model.virtualServices)
      for (const rs of vs.realServers) {
        if (rs.port > 0) get(rs.host, rs.port);
        if (rs.checkIds.length && !radius.has(rs.host)) first ??= rs.host;
        for (const id of rs.checkIds) {
          const c = model.checks.get(id);
          if (!c || !(c.target.port > 0) || !net.isIP(c.target.host)) continue;
          const s = get(c.target.host, c.target.port);
          const spec = c.spec;
          // The protocol the check speaks, where the listeners speak it (not over TLS, not SIP over TCP).
          if (c.kind === 'https' || c.kind === 'smtp') s.kind = c.kind;
          else if (PROTOCOLS.has(c.kind) && spec.tls !== true && spec.transport !== 'tcp') s.kind = c.kind as ListenerSpec['kind'];
          if (c.kind === 'radius' && typeof spec.secret === 'string') s.secret = spec.secret;
          if (c.kind === 'dns' && typeof spec.expectAnswerRegex === 'string') s.address = addressFor(spec.expectAnswerRegex) ?? s.address;
          if (typeof spec.path === 'string' && Array.isArray(spec.expectStatus)) {
            const st = String(spec.expectStatus[0]);
            const code = Number(st.split('-')[0]);
            if (code && !(code >= 200 && code < 300)) s.statuses[spec.path] = code;
          }
          const regexes = [spec.expectBodyRegex, spec.expectRegex].filter((r): r is string => typeof r === 'string');
          for (const want of [spec.expectBody, ...regexes.map(sampleOf)]) if (typeof want === 'string' && !s.body.includes(want)) s.body += `${want}\n`;
        }
      }
    victim = first ?? any ?? victim;
  }
  // The sorry servers answer too, as a deployed one does: rsguard checks one before it stands in (a connect by
  // default, docs/mapping.md), ldirectord and keepalived put it in unchecked. A dead one is that documented difference.
  const sorry = tool === 'keepalived' ? /^\s*sorry_server\s+([0-9a-fA-F.:]+)\s+(\d+)/gm : /^\s*fallback6?\s*=\s*\[?([0-9a-fA-F.:]+?)\]?:(\d+)/gm;
  const fallbacks = [...text.matchAll(sorry)].map((m) => ({ host: m[1]!, port: Number(m[2]) }));
  for (const f of [...fallbacks, ...(model?.virtualServices.flatMap((vs) => (vs.sorryServer ? [vs.sorryServer] : [])) ?? [])]) if (net.isIP(f.host) && f.port > 0) get(f.host, f.port);
  // keepalived checks may leave from a given address (bindto, bind_to in keepalived.conf(5)): it must be there.
  const sources = tool === 'keepalived' ? [...text.matchAll(/^\s*bind_?to\s+([0-9a-fA-F.:]+)/gm)].map((m) => m[1]!).filter((h) => net.isIP(h)) : [];
  return { listeners: [...specs.values()], victim, sources };
}

/**
 * Polls a namespace's table until the tool has judged its servers since the
 * phase began (Proc.judged), the table has changed as the phase expects (a
 * first entry; a change from the `since` table) and then stays the same for
 * stableSec, or the phase's bound runs out. Never a fixed sleep: under
 * emulation a start takes from seconds to minutes.
 */
async function settle(ns: string, proc: Proc, since: string | null): Promise<Snapshot> {
  const t0 = Date.now();
  // The tool's own word that it has checked every server since the phase began is awaited longer in either phase:
  // ldirectord with fork=no checks one server after the other, and a round with ping timeouts takes tens of seconds;
  // a file with hundreds of real servers gets a bound that grows with their count (every bound of the phase with it).
  const judgeBound = judgeSecFor(limits.startSec, proc.checksPerPhase);
  const extra = judgeBound - limits.startSec;
  const bound = (since === null ? limits.startSec : limits.changeSec) + extra;
  const maxPhaseSec = limits.maxPhaseSec + extra;
  proc.phase(t0);
  let last = await table(ns);
  let changedAt = Date.now();
  let judgedAt = 0;
  let seenChange = since === null ? last.trim() !== '' : last !== since;
  let polls = 0;
  for (;;) {
    const el = (Date.now() - t0) / 1000;
    // The judgement is read every other poll (rsguard's is a request to its API).
    if (!judgedAt && (proc.exit !== null || el >= judgeBound || (polls++ % 2 === 0 && (await proc.judged(t0))))) judgedAt = Date.now();
    const stable = judgedAt > 0 && (Date.now() - Math.max(changedAt, judgedAt)) / 1000 >= limits.stableSec;
    // Up: wait for a first entry (or an empty table can be the answer). Down: wait for a change (or the bound).
    const waited = seenChange || proc.exit !== null || el >= bound;
    if (waited && stable) {
      const notes = [
        (await proc.judged(t0)) || proc.exit !== null ? '' : `not judged within ${judgeBound} s (${proc.progress()})`,
        seenChange ? '' : since === null ? `no entry within ${bound} s` : `no change within ${bound} s`,
        proc.exit !== null ? `process exited: ${proc.exit}` : '',
      ];
      return { table: last, note: notes.filter(Boolean).join('; ') };
    }
    if (el >= maxPhaseSec) return { table: last, note: `did not settle within ${maxPhaseSec} s (last change ${((Date.now() - changedAt) / 1000).toFixed(0)} s ago; ${proc.progress()})` };
    if (Date.now() - started > limits.totalSec * 1000) return { table: last, note: 'the run ran out of time' };
    await sleep(500);
    const t = await table(ns);
    if (t !== last) {
      last = t;
      changedAt = Date.now();
      seenChange = since === null ? t.trim() !== '' : t !== since;
    }
  }
}

interface Judge {
  /** keepalived: "Startup complete" (check_daemon.c); rsguard: "rsguard started". */
  ready?: RegExp;
  /** ldirectord in debug mode logs "Checking <type>: real server=" before each check of a real server (_check_real): this many per phase. */
  rounds?: { re: RegExp; count: number };
  /** rsguard: its API (GET /api/status, read from inside its namespace) says every check ran since the phase began and every state is hard. */
  api?: () => Promise<string>;
}

/** A tool under test: its exit, its last log lines, and whether it has judged its servers since a phase began. */
class Proc {
  exit: string | null = null;
  private ready = false;
  private rounds = 0;
  private roundsAtPhase = 0;
  private apiSays = '';
  private readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly done: Promise<void>;
  constructor(
    ns: string,
    argv: string[],
    private readonly judge: Judge,
  ) {
    // In /run: the host's / is read-only here, and ldirectord's mailer without an MTA writes a file where it runs.
    this.child = spawn('nsenter', [`--net=/run/netns/${ns}`, ...argv], { cwd: '/run', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    const reader = () => {
      let partial = '';
      return (d: Buffer) => {
        const got = (partial + d.toString()).split('\n');
        partial = got.pop()!;
        for (const l of got) {
          if (!l) continue;
          if (judge.ready?.test(l)) this.ready = true;
          if (judge.rounds?.re.test(l)) this.rounds++;
          // The same line again and again (a check that cannot bind) says nothing new.
          if (this.lines.at(-1)?.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d+: /, '') !== l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d+: /, '')) this.lines.push(l);
        }
        if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
      };
    };
    this.child.stdout!.on('data', reader());
    this.child.stderr!.on('data', reader());
    this.done = new Promise((r) =>
      this.child.once('exit', (code, signal) => {
        this.exit = `code ${code} signal ${signal}`;
        r();
      }),
    );
  }
  /** Before a SIGHUP: ready again only once it logs the reload. */
  reload(): void {
    this.ready = false;
    this.child.kill('SIGHUP');
  }
  clearLog(): void {
    this.lines.length = 0;
  }
  /** Check lines the original must log in a phase (0: it says when it is ready). */
  get checksPerPhase(): number {
    return this.judge.rounds?.count ?? 0;
  }
  phase(_t0: number): void {
    this.roundsAtPhase = this.rounds;
  }
  async judged(t0: number): Promise<boolean> {
    if (this.judge.ready && !this.ready) return false;
    if (this.judge.rounds && this.rounds - this.roundsAtPhase < this.judge.rounds.count) return false;
    if (this.judge.api) {
      try {
        const doc = JSON.parse(await this.judge.api()) as {
          virtualServices: Array<{ realServers: Array<{ stateType: string; checkError: unknown; checks: Array<{ lastCheck: { at: string } | null; checkError: unknown }> }> }>;
        };
        const servers = doc.virtualServices.flatMap((v) => v.realServers);
        const checks = servers.flatMap((rs) => rs.checks);
        // A check that cannot run (a MISC_CHECK script that is not there) holds its server's state: judged too.
        const ran = checks.filter((c) => (c.lastCheck && Date.parse(c.lastCheck.at) >= t0) || c.checkError).length;
        const soft = servers.filter((rs) => rs.stateType !== 'hard' && !rs.checkError).length;
        this.apiSays = `${ran} of ${checks.length} checks ran, ${soft} servers soft`;
        return ran === checks.length && soft === 0;
      } catch (e) {
        this.apiSays = `API: ${(e as Error).message.slice(0, 100)}`;
        return false;
      }
    }
    return true;
  }
  progress(): string {
    return [this.judge.ready && !this.ready ? 'no start-up line' : '', this.judge.rounds ? `${this.rounds - this.roundsAtPhase} of ${this.judge.rounds.count} checks logged` : '', this.apiSays].filter(Boolean).join(', ');
  }
  log(n = 200): string {
    return this.lines.slice(-n).join('\n');
  }
  async stop(): Promise<void> {
    if (this.exit !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.done;
    clearTimeout(t);
    // Stopped by us: not an early exit.
    this.exit = null;
  }
}

/**
 * ldirectord's checks `require` their modules (Net::SMTP, DBI, Net::LDAP, ...)
 * at their first run, inside the check's alarm, and LWP requires
 * HTML::HeadParser at the first text/html reply. Under emulation a compile
 * can outlast a 3 s checktimeout; perl then refuses every later require of
 * that module ("Attempt to reload ... aborted") and every check of that kind
 * fails for good: a difference of the harness, not of ldirectord. Every
 * module ldirectord's source requires (read from it, so a new check is
 * covered) and that is installed is loaded at start, without its imports (-m).
 * Not Net::INET6Glue::INET_is_INET6: it changes how every socket resolves.
 */
let preload: string | undefined;
function ldirectordPreload(): string {
  if (preload !== undefined) return preload;
  const source = readFileSync('/usr/sbin/ldirectord', 'utf8');
  const wanted = [...new Set(['HTML::HeadParser', ...[...source.matchAll(/^\s*require\s+([A-Z][\w:]*)\s*;/gm)].map((m) => m[1]!)])].filter((m) => m !== 'Net::INET6Glue::INET_is_INET6');
  const installed = wanted.filter((m) => spawnSync('perl', [`-m${m}`, '-e', '1'], { stdio: 'ignore' }).status === 0);
  preload = installed.map((m) => `-m${m}`).join(' ');
  return preload;
}

async function addresses(ns: string, hosts: string[]): Promise<void> {
  await run('ip', ['addr', 'flush', 'dev', 'rs0'], ns);
  for (const h of hosts) {
    if (/^127\./.test(h) || h === '::1') continue;
    await run('ip', net.isIPv6(h) ? ['-6', 'addr', 'add', `${h}/128`, 'dev', 'rs0', 'nodad'] : ['addr', 'add', `${h}/32`, 'dev', 'rs0'], ns);
  }
}

/**
 * rsguard between configs: a file with one service no config uses and a real
 * server without checks. Starting node and rsguard takes minutes under
 * emulation, so each slot keeps one `rsguard run` and hands it the next config
 * by SIGHUP (docs/commands.md: a reload keeps the state of checks that still exist): by
 * way of this file, after which nothing of the previous config is left, so
 * every config starts as fresh as under a new process.
 */
const IDLE: Record<Job['tool'], string> = {
  keepalived: 'virtual_server 10.255.255.1 1 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 10.255.255.2 1 {\n        weight 1\n    }\n}\n',
  ldirectord: 'virtual=10.255.255.1:1\n    real=10.255.255.2:1 gate\n    protocol=tcp\n    checktype=on\n',
};
const IDLE_TABLE = ['-A -t 10.255.255.1:1 -s ', '-a -t 10.255.255.1:1 -r 10.255.255.2:1 -g -w 1'];

interface Slot {
  k: number;
  NS: { orig: string; rsguard: string };
  rsg?: Proc;
  rsgTool?: Job['tool'];
}
const rsgFile = (slot: Slot, tool: Job['tool']) => path.join(out, `slot${slot.k}`, tool === 'keepalived' ? 'keepalived.conf' : 'ldirectord.cf');

/** Brings the slot's rsguard (started now, or reloaded) to the idle file; says why when it does not get there. */
async function idle(slot: Slot, tool: Job['tool']): Promise<string> {
  if (slot.rsg && (slot.rsgTool !== tool || slot.rsg.exit !== null)) {
    await slot.rsg.stop();
    slot.rsg = undefined;
    await run('ipvsadm', ['-C'], slot.NS.rsguard);
  }
  mkdirSync(path.dirname(rsgFile(slot, tool)), { recursive: true });
  writeFileSync(rsgFile(slot, tool), IDLE[tool]);
  if (!slot.rsg) {
    slot.rsgTool = tool;
    slot.rsg = new Proc(slot.NS.rsguard, [process.execPath, path.join(root, 'dist/src/cli.js'), 'run', '-c', rsgFile(slot, tool), '--format', tool, '--listen', '127.0.0.1:9901'], {
      ready: /"msg":"(rsguard started|config reloaded)"/,
      api: async () => {
        const reply = await listeners[slot.NS.rsguard]!.send({ op: 'fetch', url: 'http://127.0.0.1:9901/api/status' });
        if (!reply.ok || reply.body === undefined) throw new Error(reply.errors.join('; '));
        return reply.body;
      },
    });
  } else slot.rsg.reload();
  const t0 = Date.now();
  for (;;) {
    const raw = await run('ipvsadm', ['-Sn'], slot.NS.rsguard);
    if (slot.rsg.exit !== null) return `rsguard exited on the idle file: ${slot.rsg.exit}\n${slot.rsg.log(20)}`;
    if (Date.now() - t0 > limits.startSec * 1000) return `rsguard did not reach the idle file within ${limits.startSec} s; table:\n${raw}\n${slot.rsg.log(20)}`;
    if ((await slot.rsg.judged(t0)) && raw.includes(IDLE_TABLE[1]!)) {
      // What the previous config left: rsguard deletes the services it created when a reload drops them, so this
      // is only a service it did not create; deleted by hand, and rsguard, whose config no longer names it, leaves it deleted.
      const left = raw.split('\n').filter((l) => l.startsWith('-A ') && !l.includes(' 10.255.255.1:1 '));
      for (const l of left) await run('ipvsadm', ['-D', ...l.split(' ').slice(1, 3)], slot.NS.rsguard);
      if (left.length === 0) return '';
    }
    await sleep(1000);
  }
}

/**
 * The original tool's refusal of the file: ldirectord's config_error at start
 * (exit 2, "config_error: Configuration Error", after its "Error [pid] reading
 * file F at line N: why"), keepalived's checker exiting with
 * KEEPALIVED_EXIT_CONFIG ("exited with permanent error CONFIG"). A crash or
 * any other exit is not a refusal.
 */
function origRefusal(tool: Job['tool'], exit: string | null, log: string): string | null {
  if (exit === null) return null;
  if (tool === 'ldirectord') {
    if (!/^code 2 /.test(exit) || !log.includes('config_error: Configuration Error')) return null;
    return log.split('\n').filter((l) => /^Error \[\d+\] reading file/.test(l)).map((l) => l.replace(/^Error \[\d+\] reading file \S+ /, '')).join('; ') || 'Configuration Error';
  }
  return /exited with permanent error CONFIG/.test(log) ? log.split('\n').filter((l) => /error|invalid|unknown/i.test(l)).slice(-3).join('; ') : null;
}

async function runJob(job: Job, slot: Slot): Promise<JobResult> {
  const { NS } = slot;
  const t0 = Date.now();
  const file = path.join(out, job.file);
  const blank: Snapshot = { table: null, note: 'not reached' };
  const r: JobResult = {
    name: job.name,
    tool: job.tool,
    victim: null,
    listeners: [],
    setupErrors: [],
    orig: { up: blank, down: blank, exit: null, log: '', refused: null },
    rsguard: { up: blank, down: blank, exit: null, log: '', refused: null },
    seconds: 0,
    error: null,
  };
  results.push(r);
  let model: Model | null = null;
  let refused = '';
  try {
    const { loadConfig } = (await import(path.join(root, 'dist/src/config/load.js'))) as { loadConfig: (f: string, format: string) => Promise<Model> };
    model = await loadConfig(file, job.tool);
  } catch (e) {
    // What `rsguard run -c FILE` would do: print this and exit 1, so it creates nothing.
    refused = `rsguard refuses the file: ${(e as Error).message.split('\n').slice(0, 4).join(' | ')}`;
  }
  const p = plan(job.tool, readFileSync(file, 'utf8'), model);
  r.victim = p.victim;
  r.listeners = p.listeners.map((l) => `${l.kind} ${l.host}:${l.port}${Object.keys(l.statuses).length ? ` ${JSON.stringify(l.statuses)}` : ''}`);
  const hosts = [...new Set(p.listeners.map((l) => l.host).concat(p.victim ? [p.victim] : [], p.sources))];
  const idleProblem = await idle(slot, job.tool);
  if (idleProblem) r.setupErrors.push(idleProblem);
  const rsg = slot.rsg!;
  rsg.clearLog();
  await run('ipvsadm', ['-C'], NS.orig);
  for (const ns of Object.values(NS)) {
    await addresses(ns, hosts);
    const reply = await listeners[ns]!.send({ op: 'setup', listeners: p.listeners, tls });
    r.setupErrors.push(...reply.errors.map((e) => `${ns}: ${e}`));
  }
  save();
  const origArgv =
    job.tool === 'keepalived'
      ? // -C: the checker alone (what rsguard replaces); -n -l: in the foreground, logging here.
        ['keepalived', '-n', '-l', '-D', '-C', '-f', file, '-p', `/run/ka${slot.k}.pid`, '-c', `/run/ka${slot.k}-check.pid`, '-r', `/run/ka${slot.k}-vrrp.pid`]
      : // -d: in the foreground, logging here (ldirectord(8)), with the modules its checks load lazily preloaded.
        ['env', `PERL5OPT=${ldirectordPreload()}`, '/usr/sbin/ldirectord', '-d', file, 'start'];
  // _check_real's "Checking <type>: real server=..." (on and off name no server), one per real server checked. Not
  // service_set's "Enabled"/"Disabled real server=": ld_start logs them for every real server before any check (it
  // puts each in and takes it out again), which let a phase pass as judged with no check run at all.
  // How many: checksPerPhase (test/helpers/differential-rounds.ts).
  const text = readFileSync(file, 'utf8');
  const rounds = { re: /DEBUG2: Checking (?:[\w-]+(?: \(ping\))?: real server=|on: |off: )/, count: checksPerPhase(job.tool, text) };
  const orig = new Proc(NS.orig, origArgv, job.tool === 'keepalived' ? { ready: /Startup complete/ } : { rounds });
  const refusal: Snapshot = { table: '', note: refused };
  try {
    if (!refused) {
      writeFileSync(rsgFile(slot, job.tool), readFileSync(file));
      rsg.reload();
    }
    [r.orig.up, r.rsguard.up] = await Promise.all([settle(NS.orig, orig, null), refused ? refusal : settle(NS.rsguard, rsg, null)]);
    save();
    if (p.victim) {
      for (const ns of Object.values(NS)) {
        await listeners[ns]!.send({ op: 'down', host: p.victim });
        if (!/^127\./.test(p.victim) && p.victim !== '::1') await run('ip', ['addr', 'del', `${p.victim}/${net.isIPv6(p.victim) ? 128 : 32}`, 'dev', 'rs0'], ns);
      }
      [r.orig.down, r.rsguard.down] = await Promise.all([settle(NS.orig, orig, r.orig.up.table), refused ? refusal : settle(NS.rsguard, rsg, r.rsguard.up.table)]);
    } else r.orig.down = r.rsguard.down = { table: null, note: 'no real server to take down' };
  } catch (e) {
    r.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    r.orig.exit = orig.exit;
    r.rsguard.exit = rsg.exit;
    await orig.stop();
    r.orig.log = orig.log();
    r.rsguard.log = rsg.log();
    r.rsguard.refused = refused || null;
    r.orig.refused = origRefusal(job.tool, r.orig.exit, r.orig.log);
    await run('ipvsadm', ['-C'], NS.orig).catch(() => {});
    r.seconds = Math.round((Date.now() - t0) / 1000);
    save();
  }
  return r;
}

const listeners: Record<string, Listeners> = {};
try {
  save();
  // The host's / is read-only here: rsguard's state files and ldirectord's log go to memory.
  for (const dir of ['/var/lib', '/var/log']) await run('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  mkdirSync('/var/lib/rsguard', { recursive: true });
  // Configs run `slots` at a time, each in its own pair of namespaces: most of a config's time is
  // waiting for its tables to settle, not work.
  const namespaces = Array.from({ length: limits.slots }, (_, k) => [`orig${k}`, `rsg${k}`]).flat();
  for (const ns of namespaces) {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'set', 'lo', 'up'], ns);
    await run('ip', ['link', 'add', 'rs0', 'type', 'dummy'], ns);
    await run('ip', ['link', 'set', 'rs0', 'up'], ns);
    listeners[ns] = new Listeners(ns);
  }
  const queue = [...jobs];
  const slots: Slot[] = Array.from({ length: limits.slots }, (_, k) => ({ k, NS: { orig: `orig${k}`, rsguard: `rsg${k}` } }));
  await Promise.all(
    slots.map(async (slot) => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        if (Date.now() - started > limits.totalSec * 1000) break;
        const r = await runJob(job, slot);
        process.stdout.write(`${job.name}: done in ${r.seconds} s\n`);
      }
      await slot.rsg?.stop();
    }),
  );
} catch (err) {
  scenarioError = err instanceof Error ? (err.stack ?? err.message) : String(err);
}
save();
for (const l of Object.values(listeners)) l.stop();
