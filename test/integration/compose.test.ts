import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';

interface Service {
  image?: string;
  build?: string;
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  networks?: { default?: { ipv4_address?: string } };
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; networks: { default: { ipam: { config: Array<{ subnet: string }> } } } };
const rsguardConfig = parse(readFileSync(path.join(ROOT, 'examples/compose.yaml'), 'utf8')) as { global: { listen: string }; virtualServices: Array<{ sorryServer?: string; realServers: Array<{ address: string }> }> };
const argOf = (s: Service, flag: string) => (s.command ? s.command[s.command.indexOf(flag) + 1] : undefined);

/**
 * docker-compose cannot run here (no Docker engine on these machines), so the
 * demo is checked piece by piece: the file is valid for docker-compose, every
 * service can be built or pulled, every published port is the one its
 * process listens on, every address rsguard checks is a demo server's, and
 * the demo server really serves and flaps.
 */
describe('docker-compose demo', () => {
  it('docker-compose accepts the file', () => {
    const r = spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('every service has an image or a build context with a Dockerfile, and the files its entrypoint runs are in the image', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    for (const [name, s] of Object.entries(compose.services)) {
      assert.ok(s.image || s.build, `${name} has neither image nor build`);
      if (s.build) assert.ok(existsSync(path.join(ROOT, s.build, 'Dockerfile')), `${name}: no Dockerfile in ${s.build}`);
      const script = s.entrypoint?.find((a) => a.startsWith('/opt/rsguard/'));
      if (script) {
        assert.ok(existsSync(path.join(ROOT, script.replace('/opt/rsguard/', ''))), `${name}: ${script} is not in the repository`);
        assert.match(dockerfile, new RegExp(`COPY ${script.replace('/opt/rsguard/', '').split('/')[0]} `), `${name}: the Dockerfile does not copy ${script}`);
      }
    }
  });

  it('every published port is served by the process that runs there', () => {
    // Ports of the images used as they are: their documented defaults (they cannot be run here).
    const IMAGE_PORTS: Record<string, number> = { 'prom/prometheus': 9090, 'grafana/grafana': 3000, 'axllent/mailpit': 8025 };
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of s.ports ?? []) {
        const container = Number(p.split(':').pop());
        let listens: number | undefined;
        if (s.image) listens = IMAGE_PORTS[s.image.split(':')[0]!];
        else if (name === 'rsguard') listens = Number((argOf(s, '--listen') ?? rsguardConfig.global.listen).split(':').pop());
        else listens = Number(argOf(s, '--port'));
        assert.equal(listens, container, `${name} publishes ${p} but listens on ${listens}`);
      }
    }
    assert.equal(rsguardConfig.global.listen, '0.0.0.0:9901', 'rsguard listens on all interfaces inside its container');
  });

  it('every address rsguard checks is a demo server on the compose network, on the port it listens on', () => {
    const [subnet] = compose.networks.default.ipam.config.map((c) => c.subnet);
    const prefix = subnet!.replace(/\.0\/24$/, '.');
    const byAddress = new Map(Object.values(compose.services).filter((s) => s.networks?.default?.ipv4_address).map((s) => [s.networks!.default!.ipv4_address!, s]));
    const checked = rsguardConfig.virtualServices.flatMap((v) => [...v.realServers.map((r) => r.address), ...(v.sorryServer ? [v.sorryServer] : [])]);
    assert.ok(checked.length >= 4);
    for (const a of checked) {
      const [ip, port] = a.split(':');
      assert.ok(ip!.startsWith(prefix), `${a} is not on ${subnet}`);
      const s = byAddress.get(ip!);
      assert.ok(s, `no demo server at ${ip}`);
      assert.equal(argOf(s, '--port'), port, `${a}: the server there listens on ${argOf(s, '--port')}`);
    }
  });

  it('the demo server answers with its name, and /health flaps when asked to', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'examples/compose-backend.mjs'), '--port', String(port), '--host', '127.0.0.1', '--name', 'webX', '--flap-every', '1'], { stdio: 'ignore' });
    try {
      const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`).then(async (r) => ({ status: r.status, body: await r.text() }));
      const first = await waitFor('it to listen', () => get('/health').catch(() => undefined));
      assert.equal(first.status, 200);
      assert.equal((await get('/')).body, 'webX\n');
      // Flapping every second: a 503 comes within the next two seconds (plus a margin), then a 200 again.
      await waitFor('a 503', async () => ((await get('/health')).status === 503 ? true : undefined), 4000);
      await waitFor('a 200 again', async () => ((await get('/health')).status === 200 ? true : undefined), 4000);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
