import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckerPeer, PeerSettings } from './peer.js';
import { processTree } from './proc-stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shimSource = path.join(root, 'bench/keepalived-ipvs-shim.c');

/**
 * keepalived's checker on the same farm with HAProxy's settings as near as
 * keepalived 2.2.7 can say them:
 * - timeout 1 s: connect_timeout 1 (keepalived's HTTP_GET uses it for the
 *   connect and for each read/write after it);
 * - fall 3: retry 2, delay_before_retry 1 (the first failure and two retries
 *   one interval apart, then the server is down), the same cadence as
 *   HAProxy's inter/fastinter/downinter of one interval;
 * - rise 2: not expressible, keepalived puts a server back on its first
 *   success (rise 1); the bench's servers never fail, so no check differs;
 * - HTTP GET /health expecting the body "ok": keepalived 2.2.7 matches a body
 *   only by MD5 digest (or a regex, with a PCRE build), so the check is
 *   status_code 200, which every farm answer has;
 * - first checks spread over one interval: warmup 1 (keepalived's default is
 *   delay_loop already, said here so the config states it).
 * lb_kind NAT because with DR keepalived resets each real server's port to
 * the virtual server's ("ports don't match - resetting"), and the farm's
 * servers differ by port. checker_log_all_failures makes every failed check
 * of a server that is up a log line, counted as HAProxy's chkfail counts.
 */
export function keepalivedConfig(s: PeerSettings): string {
  const per = 250;
  const delay = s.intervalMs / 1000;
  const check =
    s.kind === 'http'
      ? `    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 1\n      retry 2\n      delay_before_retry ${delay}\n    }\n`
      : `    TCP_CHECK {\n      connect_timeout 1\n      retry 2\n      delay_before_retry ${delay}\n    }\n`;
  const vss: string[] = [];
  for (let v = 0; v * per < s.ports.length; v++) {
    const reals = s.ports.slice(v * per, (v + 1) * per).map((p) => `  real_server 127.0.0.1 ${p} {\n    weight 1\n${check}  }\n`);
    vss.push(`virtual_server 192.0.2.${(v % 250) + 1} ${80 + Math.floor(v / 250)} {\n  delay_loop ${delay}\n  warmup ${delay}\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n${reals.join('')}}\n`);
  }
  return `global_defs {\n  router_id rsguard-bench\n  checker_log_all_failures true\n}\n${vss.join('')}`;
}

/** Lines keepalived logs for a failed check (check_http.c timeout_epilog's messages, check_tcp.c's). */
const FAILURE =
  /(?:Timeout connecting|Error connecting|Connection failed|Cannot send get request to|Timeout WEB write|Timeout WEB read|Timeout HTTP read|Read error with|Read, no data received from|HTTP status code error to|MD5 digest error to|Regex match failed|SSL handshake\/communication error.*) server |TCP connection to .* (?:timeout|failed)\./;

let shim: string | undefined;

/**
 * The IPVS shim (bench/keepalived-ipvs-shim.c), built with gcc into a
 * temporary directory once per bench process: a binary is never committed.
 */
export function buildShim(): string {
  if (shim) return shim;
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-ipvs-shim-'));
  const out = path.join(dir, 'keepalived-ipvs-shim.so');
  const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', out, shimSource, '-ldl'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`gcc could not build ${shimSource}: ${r.error?.message ?? r.stderr}`);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (shim = out);
}

export async function startKeepalived(s: PeerSettings): Promise<CheckerPeer> {
  const so = buildShim();
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-keepalived-'));
  const conf = path.join(dir, 'keepalived.conf');
  writeFileSync(conf, keepalivedConfig(s));
  // -C: the checker only (no VRRP); -n: stay in the foreground, its checker child below it; -l: log to stdout/stderr,
  // read here; -G: not to syslog, because with no /dev/log glibc's syslog (LOG_CONS) writes each line to the system
  // console, a serial port on this machine: the 5,000 "succeed on service" lines of a start held the checker for
  // tens of seconds in uart_write (perf), and it checked nothing meanwhile. Pid files of its own, so another
  // keepalived on the machine is not taken for this one.
  const args = ['-C', '-n', '-l', '-G', '-f', conf, '-p', path.join(dir, 'keepalived.pid'), '-c', path.join(dir, 'checkers.pid'), '-r', path.join(dir, 'vrrp.pid')];
  const child = spawn('keepalived', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LD_PRELOAD: so } });
  const exited = new Promise((r) => child.once('exit', r));
  let failures = 0;
  let started = false;
  let tail = '';
  let partial = '';
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (FAILURE.test(line)) failures++;
      else if (line.includes('Startup complete')) started = true;
      tail = (tail + line + '\n').slice(-4000);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  for (let i = 0; !started; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`keepalived exited (${child.exitCode ?? child.signalCode}):\n${tail}`);
    if (i > 600) throw new Error(`keepalived's checker did not report "Startup complete" in 60 s:\n${tail}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const checker = processTree(child.pid!).find((p) => p !== child.pid);
  if (checker === undefined) throw new Error(`keepalived's checker child is missing:\n${tail}`);
  return {
    name: 'keepalived',
    pid: child.pid!,
    mainPid: checker,
    alive: () => child.exitCode === null && child.signalCode === null && processTree(child.pid!).includes(checker),
    failures: async () => failures,
    lag: async () => undefined,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
