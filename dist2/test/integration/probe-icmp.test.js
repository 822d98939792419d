import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPinger } from '../../src/probes/icmp-pinger.js';
import { createBlackhole } from '../helpers/blackhole-netns.js';
import { probe } from '../helpers/probe.js';
describe('icmp probe', () => {
    const pinger = createPinger();
    let blackhole;
    before(() => (blackhole = createBlackhole()));
    after(() => {
        pinger.close();
        blackhole.close();
    });
    it('gets an echo reply from 127.0.0.1 and ::1', async () => {
        const v4 = await probe('icmp', { host: '127.0.0.1', port: 0 }, {}, 1000, pinger);
        assert.equal(v4.ok, true, v4.detail);
        assert.match(v4.detail, /echo reply in [\d.]+ ms/);
        const v6 = await probe('icmp', { host: '::1', port: 0 }, {}, 1000, pinger);
        assert.equal(v6.ok, true, v6.detail);
    });
    it('runs many probes at once over one socket', async () => {
        const results = await Promise.all(Array.from({ length: 500 }, () => probe('icmp', { host: '127.0.0.1', port: 0 }, {}, 2000, pinger)));
        assert.equal(results.filter((r) => r.ok).length, 500);
    });
    it('times out on a host that drops echo requests', async () => {
        const r = await probe('icmp', { host: blackhole.address, port: 0 }, { count: 2 }, 400, pinger);
        assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    });
    it('without CAP_NET_RAW is a check error (rsguard cannot check), not a down server, and says what privilege it needs', () => {
        // Run as nobody in a child: the only way to lose the capability from a root test run.
        const script = fileURLToPath(new URL('../helpers/unprivileged-ping.js', import.meta.url));
        const res = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, script], { encoding: 'utf8', timeout: 10_000 });
        assert.equal(res.status, 0, res.stderr);
        const out = JSON.parse(res.stdout);
        assert.deepEqual([out.ok, out.error], [false, 'permission']);
        assert.match(out.detail, /CAP_NET_RAW/);
    });
});
//# sourceMappingURL=probe-icmp.test.js.map