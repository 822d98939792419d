import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import type { StatusDocument } from '../../src/read/status-document.js';
import { launchChromium } from '../helpers/chromium.js';

const TOKEN = 'vrrp-only-token-0123456789';
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });

const CONF = `! a director that only runs VRRP: no virtual_server
global_defs { router_id LVS_A }
vrrp_sync_group VG_1 {
  group {
    VI_1
    VI_GONE
  }
  notify_master "/etc/keepalived/to-master.sh"
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  virtual_ipaddress {
    192.168.200.16
    192.168.200.17/24 dev eth1
  }
  notify "/usr/bin/rsguard notify --token-file /etc/rsguard/token"
}
`;

describe('a VRRP-only keepalived.conf', () => {
  it('loads with its instances and sync groups; the daemon shows them as unknown until keepalived reports, then the reported state', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-vrrp-only-'));
    try {
      const conf = path.join(dir, 'keepalived.conf');
      writeFileSync(conf, CONF);
      const tokenFile = path.join(dir, 'token');
      writeFileSync(tokenFile, `${TOKEN}\n`);
      const check = cli(['check-config', conf]);
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout, /0 virtual services.*1 vrrp instances/);
      assert.match(check.stdout, /vrrp instance VI_1 \(eth0, vrid 51, priority 150\): 192\.168\.200\.16 192\.168\.200\.17\/24/);
      assert.match(check.stdout, /vrrp sync group VG_1: VI_1; keepalived runs notify_master "\/etc\/keepalived\/to-master.sh"/);
      assert.match(check.stdout, /vrrp_sync_group VG_1: no vrrp_instance VI_GONE; ignored, as keepalived does/);

      const port = await freePort();
      const daemon = new DaemonProcess(['run', '-c', conf, '--listen', `127.0.0.1:${port}`, '--token-file', tokenFile]);
      try {
        await daemon.waitForLog('started', (l) => l.msg === 'rsguard started');
        const status = async () => (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as StatusDocument;
        const before = await status();
        assert.deepEqual(before.virtualServices, []);
        assert.deepEqual(
          before.vrrp.map((v) => [v.kind, v.name, v.state, v.interface, v.virtualIps]),
          [
            ['instance', 'VI_1', 'unknown', 'eth0', ['192.168.200.16', '192.168.200.17/24']],
            ['group', 'VG_1', 'unknown', null, []],
          ],
        );
        const r = cli(['notify', '--url', `http://127.0.0.1:${port}`, '--token-file', tokenFile, '--spool', path.join(dir, 'spool'), 'INSTANCE', 'VI_1', 'MASTER', '150']);
        assert.equal(r.status, 0, r.stderr);
        const after = await waitFor('VI_1 reported', async () => {
          const d = await status();
          return d.vrrp[0]!.state === 'MASTER' ? d : undefined;
        });
        assert.equal(after.vrrp[0]!.priority, 150);
        assert.equal(after.vrrp[1]!.state, 'unknown', 'the group stays unknown: keepalived reported only the instance');
        // The status page shows them too (headless Chromium, as the observability test drives it).
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.goto(`http://127.0.0.1:${port}/`);
          const row = page.locator('tr[data-vrrp="VI_1"]');
          await waitFor('the VRRP row on the page', async () => ((await row.textContent())?.includes('MASTER 150') ? true : undefined), 10_000);
          assert.match((await page.locator('tr[data-vrrp="VG_1"]').textContent()) ?? '', /unknown/);
        } finally {
          await browser.close();
        }
        const table = cli(['status', '--url', `http://127.0.0.1:${port}`]);
        assert.equal(table.status, 0, table.stderr);
        assert.match(table.stdout, /instance\s+VI_1\s+MASTER 150/);
        assert.match(table.stdout, /group\s+VG_1\s+unknown/);
      } finally {
        await daemon.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file with neither virtual_server nor vrrp_instance is refused, naming why', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-vrrp-only-'));
    try {
      const conf = path.join(dir, 'keepalived.conf');
      writeFileSync(conf, 'global_defs { router_id X }\n');
      const r = cli(['check-config', conf]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no virtual_server and no vrrp_instance block: nothing for rsguard to do/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
