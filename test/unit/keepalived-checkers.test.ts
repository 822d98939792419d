import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Model } from '../../src/model/model.js';
import { loadConfig } from '../../src/config/load.js';

const CONF = `track_file weightfile {
  file /run/lb/weight
  weight 4
}
virtual_server 10.0.0.1 25 {
  delay_loop 10
  inhibit_on_failure
  real_server 10.0.1.1 25 {
    SMTP_CHECK {
      connect_timeout 3
      helo_name lvs1.example
    }
  }
  real_server 10.0.1.2 25 {
    inhibit_on_failure no
    SMTP_CHECK {
      host {
        connect_ip 10.0.9.2
        connect_port 587
      }
    }
  }
}
virtual_server 10.0.0.1 53 {
  protocol UDP
  delay_loop 5
  real_server 10.0.1.3 53 {
    DNS_CHECK {
      type A
      name www.example.
    }
  }
  real_server 10.0.1.4 53 {
    inhibit_on_failure
    UDP_CHECK {
      payload 0a0b
      require_reply
    }
  }
}
virtual_server 10.0.0.1 80 {
  real_server 10.0.1.5 80 {
    MISC_CHECK {
      misc_path "/usr/local/bin/weigh.sh 10.0.1.5"
      misc_dynamic
      user nobody
    }
    FILE_CHECK {
      track_file weightfile
    }
  }
}
`;

describe("keepalived's SMTP_CHECK, DNS_CHECK, UDP_CHECK, FILE_CHECK and MISC_CHECK misc_dynamic, with keepalived's defaults", () => {
  let dir: string;
  let m: Model;
  const checksOf = (vs: number, rs: number) => m.virtualServices[vs]!.realServers[rs]!.checkIds.map((id) => m.checks.get(id)!);
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-kachk-'));
    writeFileSync(path.join(dir, 'keepalived.conf'), CONF);
    m = await loadConfig(path.join(dir, 'keepalived.conf'), 'keepalived');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SMTP_CHECK: HELO with helo_name (default smtpchecker.keepalived.org), the real server port; each host{} its own check', () => {
    const [a] = checksOf(0, 0);
    assert.equal(a!.kind, 'smtp');
    assert.deepEqual({ greeting: a!.spec.greeting, helo: a!.spec.helo }, { greeting: 'HELO', helo: 'lvs1.example' });
    assert.deepEqual(a!.target, { host: '10.0.1.1', port: 25 });
    assert.deepEqual({ timeout: a!.timing.timeoutMs, interval: a!.timing.intervalMs, fall: a!.timing.fall }, { timeout: 3000, interval: 10_000, fall: 2 });
    const [h] = checksOf(0, 1);
    assert.deepEqual(h!.target, { host: '10.0.9.2', port: 587 });
    assert.equal(h!.spec.helo, 'smtpchecker.keepalived.org');
  });
  it('DNS_CHECK: the query, retry 3 and delay_before_retry = delay_loop by default', () => {
    const [d] = checksOf(1, 0);
    assert.equal(d!.kind, 'dns');
    assert.deepEqual({ query: d!.spec.query, type: d!.spec.type, transport: d!.spec.transport }, { query: 'www.example.', type: 'A', transport: 'udp' });
    assert.deepEqual({ fall: d!.timing.fall, retry: d!.timing.retryIntervalMs }, { fall: 4, retry: 5000 });
  });
  it('UDP_CHECK: payload and a bare require_reply (any reply needed)', () => {
    const [u] = checksOf(1, 1);
    assert.equal(u!.kind, 'udp');
    assert.deepEqual({ payload: u!.spec.payload, requireReply: u!.spec.requireReply }, { payload: '0a0b', requireReply: true });
  });
  it('MISC_CHECK misc_dynamic and user; FILE_CHECK takes the track_file path and weight', () => {
    const [misc, file] = checksOf(2, 0);
    assert.deepEqual({ kind: misc!.kind, dynamicWeight: misc!.spec.dynamicWeight, user: misc!.spec.user, command: misc!.spec.command }, { kind: 'exec', dynamicWeight: true, user: 'nobody', command: ['/usr/local/bin/weigh.sh', '10.0.1.5'] });
    assert.deepEqual({ kind: file!.kind, path: file!.spec.path, weight: file!.spec.weight, reverse: file!.spec.reverse }, { kind: 'file', path: '/run/lb/weight', weight: 4, reverse: false });
  });
  it('inhibit_on_failure is per real server: the virtual service default, overridden either way by a real_server', () => {
    const smtp = m.virtualServices[0]!;
    assert.equal(smtp.onDown, 'quiescent');
    assert.equal(smtp.realServers[0]!.onDown, undefined);
    assert.equal(smtp.realServers[1]!.onDown, 'remove');
    const dns = m.virtualServices[1]!;
    assert.equal(dns.onDown, 'remove');
    assert.deepEqual(dns.realServers.map((r) => r.onDown), [undefined, 'quiescent']);
  });
  it('BFD_CHECK stays refused, naming the line', async () => {
    writeFileSync(path.join(dir, 'bfd.conf'), 'virtual_server 10.0.0.1 80 {\n  real_server 10.0.1.1 80 {\n    BFD_CHECK {\n      name b1\n    }\n  }\n}\n');
    await assert.rejects(loadConfig(path.join(dir, 'bfd.conf'), 'keepalived'), (err: Error & { issues?: Array<{ line?: number; message: string }> }) => {
      assert.equal(err.issues?.[0]?.line, 3);
      assert.match(err.issues![0]!.message, /BFD_CHECK is not supported by rsguard/);
      return true;
    });
  });
});

describe("SMTP_CHECK host{} blocks as check_smtp.c's end handler builds them (keepalived 2.2.7)", () => {
  const conf = (own: string) => `virtual_server 10.0.0.1 25 {
  protocol TCP
  real_server 10.0.1.1 25 {
    SMTP_CHECK {
${own}
      host {
        connect_ip 10.0.9.1
      }
      host {
        connect_ip 10.0.9.2
        connect_timeout 2
      }
    }
  }
}
`;
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-kasmtp-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = async (own: string) => {
    const file = path.join(dir, `k${own.length}.conf`);
    writeFileSync(file, conf(own));
    const m = await loadConfig(file, 'keepalived');
    return m.virtualServices[0]!.realServers[0]!.checkIds.map((id) => m.checks.get(id)!);
  };
  it('a connection keyword on the block itself keeps its own check of the real server beside each host', async () => {
    const checks = await load('      connect_timeout 7');
    assert.deepEqual(checks.map((c) => c.target.host), ['10.0.1.1', '10.0.9.1', '10.0.9.2']);
  });
  it('without one, only the hosts are checked', async () => {
    const checks = await load('      helo_name x');
    assert.deepEqual(checks.map((c) => c.target.host), ['10.0.9.1', '10.0.9.2']);
  });
  it("a host's own connect_timeout is its timeout; a host without one gets the block's (keepalived's is 0 s, a race: warned)", async () => {
    const checks = await load('      connect_timeout 7');
    assert.deepEqual(checks.map((c) => c.timing.timeoutMs), [7000, 7000, 2000]);
  });
});
