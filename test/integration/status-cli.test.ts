import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess, ROOT } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';

const ESC = '\x1b[';
const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000, env });

describe('rsguard status (colour on a terminal only, --watch, --json) and bash completion', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let backend: Backend;
  let url: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-status-'));
    backend = new Backend(await freePort(), 'ok');
    await backend.start();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, `global: { listen: 127.0.0.1:${port}, stateFile: false, startupSpread: 50ms, checkDefaults: { interval: 200ms, timeout: 3s, fall: 5, rise: 1 } }\nvirtualServices:\n  - address: 192.0.2.1:80\n    checks: [{ kind: http, path: / }]\n    realServers: [{ address: 127.0.0.1:${backend.port} }]\n`);
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('started', (l) => l.msg === 'rsguard started');
    await waitFor('a first check', () => (cli(['status', '--url', url]).stdout.includes('up/hard') ? true : undefined));
  });
  after(async () => {
    await daemon?.stop();
    await backend?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no colour into a pipe; --color always paints the state; a terminal gets colour unless NO_COLOR is set', () => {
    const piped = cli(['status', '--url', url]);
    assert.equal(piped.status, 0, piped.stderr);
    assert.ok(!piped.stdout.includes(ESC), 'a pipe gets no escape codes');
    // The state cell is painted whatever the state is (green up, yellow soft, red down): a loaded machine may see any.
    const painted = /\x1b\[3[123]m(up|down)\/(hard|soft)/;
    assert.match(cli(['status', '--url', url, '--color', 'always']).stdout, painted);
    // script(1) gives the command a real terminal.
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${CLI} status --url ${url}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000 });
    assert.match(tty.stdout, painted);
    const noColor = spawnSync('script', ['-qec', `${process.execPath} ${CLI} status --url ${url}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.match(noColor.stdout, /(up|down)\/(hard|soft)/);
    assert.ok(!noColor.stdout.includes(ESC), 'NO_COLOR is honoured on a terminal');
    assert.equal(cli(['status', '--url', url, '--color', 'sometimes']).status, 2);
  });

  it('--json prints the status document (the fields the API contract fixes)', () => {
    const doc = JSON.parse(cli(['status', '--url', url, '--json']).stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['generatedAt', 'source', 'balancer', 'virtualServices', 'vrrp', 'ipvsSyncDaemon']);
  });

  it('--watch redraws until interrupted, then exits 0', async () => {
    const child = spawn(process.execPath, [CLI, 'status', '--url', url, '--watch', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('three frames', () => ((out.match(/^Every 0\.2s: rsguard status/gm) ?? []).length >= 3 ? true : undefined), 10_000);
    const code = await new Promise<number | null>((r) => {
      child.once('exit', r);
      child.kill('SIGINT');
    });
    assert.equal(code, 0);
    assert.match(out, /127\.0\.0\.1:\d+\s+Route\s+\d+\s+(up|down)\/(hard|soft)/);
  });

  it('bash completion completes commands, flags, flag values and files', () => {
    const script = cli(['completion', 'bash']).stdout;
    const complete = (words: string[]) =>
      spawnSync('bash', ['-c', `source /dev/stdin <<'EOF'\n${script}\nEOF\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rsguard; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: ROOT }).stdout.trim();
    assert.equal(complete(['rsguard', 'chec']), 'check-config');
    assert.match(complete(['rsguard', 'status', '--w']), /--watch/);
    assert.equal(complete(['rsguard', 'run', '--format', 'k']), 'keepalived');
    assert.match(complete(['rsguard', 'check-config', 'examples/quick']), /examples\/quickstart\.yaml/);
    assert.equal(cli(['completion', 'zsh']).status, 2);
  });
});
