import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, type ConfigFormat } from '../../src/config/load.js';

/**
 * fall, rise, interval, timeout and retry interval of the check each
 * imported config gives, against what the original tool does with it: its
 * code (Debian's /usr/sbin/ldirectord 4.12.0; keepalived v2.2.7
 * keepalived/check/*.c) or its documentation (HAProxy v2.6.0
 * doc/configuration.txt). One row per case, with nothing set and with
 * values set at each level; `cite` says where the expected numbers come from.
 */
interface Row {
  format: ConfigFormat;
  name: string;
  text: string;
  /** seconds, as the tools write them */
  interval: number;
  timeout: number;
  retry: number;
  fall: number;
  rise: number;
  kind: string;
  cite: string;
}

const ka = (vs: string, rs: string, check: string) => `virtual_server 10.0.0.1 80 {\n    protocol TCP\n${vs}    real_server 10.0.0.2 80 {\n${rs}${check}    }\n}\n`;
const haGlobal = 'global\n    stats socket /run/haproxy.sock level admin\n';

const ROWS: Row[] = [
  // ldirectord: set_defaults ($CHECKINTERVAL 10, $FAILURECOUNT 1, $DEFAULT_CHECKTIMEOUT 5, $DEFAULT_NEGOTIATETIMEOUT 30); _service_down counts
  // failcount against failurecount; _service_up restores on one success; ld_main sleeps $CHECKINTERVAL between rounds whatever the outcome.
  { format: 'ldirectord', name: 'nothing set, negotiate', text: 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n', kind: 'http', interval: 10, timeout: 30, retry: 10, fall: 1, rise: 1, cite: 'ldirectord set_defaults, ld_setup (negotiatetimeout → $DEFAULT_NEGOTIATETIMEOUT 30), _service_down, _service_up, ld_main' },
  { format: 'ldirectord', name: 'nothing set, connect', text: 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n', kind: 'tcp', interval: 10, timeout: 5, retry: 10, fall: 1, rise: 1, cite: 'ldirectord ld_setup (checktimeout → $DEFAULT_CHECKTIMEOUT 5), check_connect (alarm checktimeout)' },
  { format: 'ldirectord', name: 'global checkinterval, failurecount, checktimeout', text: 'checkinterval=4\nfailurecount=3\nchecktimeout=2\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n', kind: 'tcp', interval: 4, timeout: 2, retry: 4, fall: 3, rise: 1, cite: 'ldirectord read_config (global branch), ld_setup' },
  { format: 'ldirectord', name: 'global checktimeout is the negotiate timeout when none is set', text: 'checktimeout=2\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n', kind: 'http', interval: 10, timeout: 2, retry: 10, fall: 1, rise: 1, cite: 'ldirectord ld_setup: negotiatetimeout ← virtual negotiatetimeout, virtual checktimeout, $NEGOTIATETIMEOUT, $CHECKTIMEOUT' },
  { format: 'ldirectord', name: 'virtual failurecount and negotiatetimeout over the globals', text: 'checkinterval=4\nfailurecount=3\nchecktimeout=2\nnegotiatetimeout=20\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tfailurecount=5\n\tnegotiatetimeout=9\n', kind: 'http', interval: 4, timeout: 9, retry: 4, fall: 5, rise: 1, cite: 'ldirectord ld_setup ($$v{failurecount} before $FAILURECOUNT; $$v{negotiatetimeout} first)' },
  { format: 'ldirectord', name: 'virtual negotiatetimeout is the connect timeout before a global checktimeout', text: 'checktimeout=3\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n\tnegotiatetimeout=10\n', kind: 'tcp', interval: 10, timeout: 10, retry: 10, fall: 1, rise: 1, cite: 'ldirectord ld_setup: checktimeout ← virtual checktimeout, virtual negotiatetimeout, $CHECKTIMEOUT, $NEGOTIATETIMEOUT, 5' },
  { format: 'ldirectord', name: 'virtual checkinterval with fork=yes', text: 'fork=yes\ncheckinterval=7\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=2\n\tchecktype=connect\n', kind: 'tcp', interval: 2, timeout: 5, retry: 2, fall: 1, rise: 1, cite: 'ldirectord run_child ($$v{checkinterval} || $CHECKINTERVAL)' },
  { format: 'ldirectord', name: 'virtual checkinterval with fork=no (the default) is ignored', text: 'checkinterval=7\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=2\n\tchecktype=connect\n', kind: 'tcp', interval: 7, timeout: 5, retry: 7, fall: 1, rise: 1, cite: 'ldirectord ld_main (sleep $CHECKINTERVAL), read_config ("ignored when fork=no")' },
  { format: 'ldirectord', name: 'ping: checkcount requests of checktimeout each', text: 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=ping\n\tcheckcount=2\n\tchecktimeout=3\n', kind: 'icmp', interval: 10, timeout: 6, retry: 10, fall: 1, rise: 1, cite: 'ldirectord check_ping (checkcount × $p->ping(server, checktimeout))' },

  // keepalived v2.2.7: alloc_vs (check_data.c) delay_loop KEEPALIVED_DEFAULT_DELAY 60 s, connection_to 5 s; check_api.c default_retry 1,
  // default_delay_before_retry 1 s; a checker is down after retry+1 failures (check_tcp.c tcp_epilog: retry_it >= retry) and up after one success.
  { format: 'keepalived', name: 'TCP_CHECK, nothing set', text: ka('', '', '        TCP_CHECK {\n        }\n'), kind: 'tcp', interval: 60, timeout: 5, retry: 1, fall: 2, rise: 1, cite: 'keepalived check_data.c alloc_vs, check_api.c (default_retry 1, default_delay_before_retry 1 s), check_tcp.c tcp_epilog' },
  { format: 'keepalived', name: 'HTTP_GET, nothing set', text: ka('', '', '        HTTP_GET {\n            url {\n                path /\n            }\n        }\n'), kind: 'http', interval: 60, timeout: 5, retry: 3, fall: 2, rise: 1, cite: 'keepalived check_http.c (default_delay_before_retry 3 s; http_handle_response: down when retry_it > retry)' },
  { format: 'keepalived', name: 'MISC_CHECK, nothing set', text: ka('', '', '        MISC_CHECK {\n            misc_path /bin/true\n        }\n'), kind: 'exec', interval: 60, timeout: 60, retry: 1, fall: 1, rise: 1, cite: 'keepalived check_misc.c (default_retry 0; timeout misc_timeout, else delay_loop)' },
  { format: 'keepalived', name: 'MISC_CHECK with misc_timeout', text: ka('    delay_loop 9\n', '', '        MISC_CHECK {\n            misc_path /bin/true\n            misc_timeout 3\n        }\n'), kind: 'exec', interval: 9, timeout: 3, retry: 1, fall: 1, rise: 1, cite: 'keepalived check_misc.c misc_check_thread (misck_checker->timeout)' },
  { format: 'keepalived', name: 'DNS_CHECK, nothing set', text: 'virtual_server 10.0.0.1 53 {\n    protocol UDP\n    real_server 10.0.0.2 53 {\n        DNS_CHECK {\n        }\n    }\n}\n', kind: 'dns', interval: 60, timeout: 5, retry: 60, fall: 4, rise: 1, cite: 'keepalived check_dns.c (DNS_DEFAULT_RETRY 3; default_delay_before_retry 0 → delay_loop, check_data.c)' },
  { format: 'keepalived', name: 'PING_CHECK, nothing set', text: ka('', '', '        PING_CHECK {\n        }\n'), kind: 'icmp', interval: 60, timeout: 5, retry: 1, fall: 2, rise: 1, cite: 'keepalived check_ping.c ping_epilog, check_api.c defaults' },
  { format: 'keepalived', name: 'set on the virtual_server, the real_server and the checker', text: ka('    delay_loop 20\n    retry 4\n    delay_before_retry 7\n    connect_timeout 9\n', '        retry 2\n        connect_timeout 8\n', '        TCP_CHECK {\n            delay_loop 11\n        }\n'), kind: 'tcp', interval: 11, timeout: 8, retry: 7, fall: 3, rise: 1, cite: 'keepalived check_data.c validate_check_config: real_server takes the virtual_server\'s values, the checker the real_server\'s, its own first' },
  { format: 'keepalived', name: 'set on the checker over the real_server', text: ka('    delay_loop 20\n', '        delay_before_retry 6\n        delay_loop 7\n', '        TCP_CHECK {\n            retry 5\n            connect_timeout 2\n        }\n'), kind: 'tcp', interval: 7, timeout: 2, retry: 6, fall: 6, rise: 1, cite: 'keepalived check_data.c validate_check_config, check_api.c retry_handler, co_timeout_handler' },

  // HAProxy v2.6.0 doc/configuration.txt: "inter" defaults to 2000 ms; "fastinter" and "downinter" default to "inter" (section 5.2, inter);
  // "rise" defaults to 2, "fall" to 3; without "timeout check" "inter" is the whole check's timeout, with it the connect takes
  // min("timeout connect", "inter") and "timeout check" is added for the read (section 4, timeout check).
  { format: 'haproxy', name: 'server check, nothing set', text: `${haGlobal}backend be\n    server s1 10.0.0.2:80 check\n`, kind: 'tcp', interval: 2, timeout: 2, retry: 2, fall: 3, rise: 2, cite: 'HAProxy configuration.txt 5.2 inter, rise, fall; 4 timeout check' },
  { format: 'haproxy', name: 'timeout connect and timeout check', text: `${haGlobal}defaults\n    timeout connect 1s\n    timeout check 4s\nbackend be\n    server s1 10.0.0.2:80 check inter 3s\n`, kind: 'tcp', interval: 3, timeout: 5, retry: 3, fall: 3, rise: 2, cite: 'HAProxy configuration.txt 4 timeout check: min(timeout connect, inter) + timeout check' },
  { format: 'haproxy', name: 'timeout check with a long timeout connect', text: `${haGlobal}backend be\n    timeout connect 10s\n    timeout check 4s\n    server s1 10.0.0.2:80 check inter 3s\n`, kind: 'tcp', interval: 3, timeout: 7, retry: 3, fall: 3, rise: 2, cite: 'HAProxy configuration.txt 4 timeout check ("The min is used so that people running with very long timeout connect ...")' },
  { format: 'haproxy', name: 'timeout connect alone: inter is the timeout', text: `${haGlobal}backend be\n    timeout connect 1s\n    server s1 10.0.0.2:80 check inter 3s\n`, kind: 'tcp', interval: 3, timeout: 3, retry: 3, fall: 3, rise: 2, cite: 'HAProxy configuration.txt 4 timeout check ("If timeout check is not set HAProxy uses inter for complete check timeout")' },
  { format: 'haproxy', name: 'default-server in defaults and backend, server over both', text: `${haGlobal}defaults\n    default-server inter 5s rise 4 fall 6\nbackend be\n    default-server fastinter 1s\n    server s1 10.0.0.2:80 check fall 2\n`, kind: 'tcp', interval: 5, timeout: 5, retry: 1, fall: 2, rise: 4, cite: 'HAProxy configuration.txt 4 default-server, 5.2 fastinter ("Transitionally UP ... fastinter if set")' },
];

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-thresholds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('imported check thresholds equal the original tool\'s', () => {
  ROWS.forEach((row, i) => {
    it(`${row.format}: ${row.name} (${row.cite})`, async () => {
      const f = path.join(dir, `${i}.${row.format}`);
      writeFileSync(f, row.text);
      const m = await loadConfig(f, row.format);
      const c = m.checks.get(m.virtualServices[0]!.realServers[0]!.checkIds[0]!)!;
      const t = c.timing;
      assert.deepEqual(
        { kind: c.kind, interval: t.intervalMs / 1000, timeout: t.timeoutMs / 1000, retry: t.retryIntervalMs / 1000, fall: t.fall, rise: t.rise },
        { kind: row.kind, interval: row.interval, timeout: row.timeout, retry: row.retry, fall: row.fall, rise: row.rise },
      );
    });
  });
});
