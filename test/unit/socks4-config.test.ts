import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadYamlText } from '../../src/config/load.js';

const yaml = (check: string, address = '10.0.0.2:80') => `virtualServices:\n  - address: 10.0.0.1:80\n    realServers: [{ address: '${address}', checks: [${check}] }]\n`;
const issues = (text: string): string => {
  try {
    loadYamlText('s.yaml', text);
    return 'loaded';
  } catch (e) {
    return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  }
};

describe('a check through a SOCKS4 proxy (socks4)', () => {
  it('is part of where the check connects: the target carries the proxy, so it is not the direct check', () => {
    const m = loadYamlText('s.yaml', `virtualServices:\n  - address: 10.0.0.1:80\n    realServers:\n      - { address: 10.0.0.2:80, checks: [{ kind: tcp, socks4: 10.0.0.9:1080 }] }\n      - { address: 10.0.0.3:80, checks: [{ kind: http, socks4: { address: 10.0.0.9:1080, userId: HAProxy } }] }\n`);
    const targets = [...m.checks.values()].map((c) => c.target);
    assert.deepEqual(targets, [
      { host: '10.0.0.2', port: 80, socks4: { host: '10.0.0.9', port: 1080, userId: '' } },
      { host: '10.0.0.3', port: 80, socks4: { host: '10.0.0.9', port: 1080, userId: 'HAProxy' } },
    ]);
  });
  it('is refused, naming the field, for kinds whose connections cannot all go through it, for IPv6 servers, and without a port', () => {
    assert.match(issues(yaml('{ kind: icmp, socks4: 10.0.0.9:1080 }')), /checks\[0\]\.socks4: a icmp check cannot go through a SOCKS4 proxy/);
    assert.match(issues(yaml('{ kind: mysql, user: u, socks4: 10.0.0.9:1080 }')), /a mysql check cannot go through a SOCKS4 proxy/);
    assert.match(issues(yaml('{ kind: tcp, socks4: 10.0.0.9:1080 }', '[2001:db8::2]:80')), /SOCKS4 carries IPv4 destinations only, and this check connects to 2001:db8::2/);
    assert.match(issues(yaml('{ kind: tcp, socks4: 10.0.0.9 }')), /expected the proxy's IP:PORT, got "10.0.0.9"/);
    assert.match(issues(yaml("{ kind: tcp, socks4: 10.0.0.9:1080, steps: [{ step: connect }, { step: connect, host: '2001:db8::7', port: 25 }] }")), /this check connects to 2001:db8::7/);
    assert.equal(issues(yaml('{ kind: smtp, socks4: 10.0.0.9:1080 }')), 'loaded');
  });
});
