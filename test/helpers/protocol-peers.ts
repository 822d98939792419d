import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.js';
import { selfSignedCert } from './tls-cert.js';

/** A real server from Debian's packages, started on loopback ports for one test file. */
export interface Peer {
  ports: Record<string, number>;
  /** The CA (the self-signed certificate itself) its TLS listeners use. */
  caFile: string;
  /** Stops the server process (its ports then refuse). */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  close(): Promise<void>;
}

function listening(port: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(undefined));
  });
}

async function startPeer(name: string, argv: string[], dir: string, ports: Record<string, number>, tcpPorts: number[], ready?: () => Promise<boolean>): Promise<Peer> {
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitFor(`${name} to listen`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
      for (const p of tcpPorts) if (!(await listening(p))) return undefined;
      if (ready && !(await ready())) return undefined;
      return true;
    });
  };
  await launch();
  return {
    ports,
    caFile: path.join(dir, 'cert.pem'),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async restart() {
      await launch();
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function certs(dir: string): void {
  const { key, cert } = selfSignedCert(['localhost', '127.0.0.1']);
  writeFileSync(path.join(dir, 'key.pem'), key);
  writeFileSync(path.join(dir, 'cert.pem'), cert);
}

/** Dovecot with IMAP, IMAPS, POP3 and POP3S; any user logs in with password `secret`. */
export async function startDovecot(): Promise<Peer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-dovecot-'));
  certs(dir);
  mkdirSync(path.join(dir, 'run'));
  const ports = { imap: await freePort(), imaps: await freePort(), pop: await freePort(), pops: await freePort() };
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `protocols = imap pop3
listen = 127.0.0.1
base_dir = ${dir}/run
log_path = ${dir}/dovecot.log
ssl = yes
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
auth_failure_delay = 0
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/mail/%u
}
mail_location = maildir:${dir}/mail/%u
service imap-login {
  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${ports.pop}
  }
  inet_listener pop3s {
    port = ${ports.pops}
    ssl = yes
  }
}
`,
  );
  const peer = await startPeer('dovecot', ['dovecot', '-F', '-c', conf], dir, ports, Object.values(ports));
  return peer;
}

/** vsftpd, anonymous only (a named user gets 530), passive mode, /health.txt holding "ftp is ok". */
export async function startVsftpd(): Promise<Peer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-vsftpd-'));
  certs(dir);
  for (const d of ['empty', 'root']) mkdirSync(path.join(dir, d));
  writeFileSync(path.join(dir, 'root', 'health.txt'), 'ftp is ok\n');
  // vsftpd refuses a writable anonymous root.
  for (const d of ['empty', 'root']) chmodSync(path.join(dir, d), 0o555);
  const ports = { ftp: await freePort() };
  const conf = path.join(dir, 'vsftpd.conf');
  writeFileSync(
    conf,
    `listen=YES
listen_address=127.0.0.1
listen_port=${ports.ftp}
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_root=${dir}/root
secure_chroot_dir=${dir}/empty
seccomp_sandbox=NO
pasv_enable=YES
pasv_address=127.0.0.1
xferlog_enable=NO
ssl_enable=YES
allow_anon_ssl=YES
force_local_logins_ssl=NO
force_local_data_ssl=NO
rsa_cert_file=${dir}/cert.pem
rsa_private_key_file=${dir}/key.pem
`,
  );
  const peer = await startPeer('vsftpd', ['vsftpd', conf], dir, ports, [ports.ftp]);
  return peer;
}

/** unbound's config for a static zone rsguard.test on one loopback port: its SOA and the `local-data` records given. */
export function unboundConf(dir: string, port: number, records: string[]): string {
  return `server:
  interface: 127.0.0.1
  port: ${port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${dir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  local-zone: "rsguard.test." static
  local-data: "rsguard.test. 60 IN SOA ns.rsguard.test. admin.rsguard.test. 1 3600 600 86400 60"
${records.map((r) => `  local-data: "${r}"`).join('\n')}
remote-control:
  control-enable: no
`;
}

/** unbound serving a static zone rsguard.test (SOA, www A 192.0.2.80, www AAAA 2001:db8::80) over UDP and TCP. */
export async function startUnbound(): Promise<Peer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-unbound-'));
  certs(dir);
  const ports = { dns: await freePort() };
  const conf = path.join(dir, 'unbound.conf');
  writeFileSync(conf, unboundConf(dir, ports.dns, ['www.rsguard.test. 60 IN A 192.0.2.80', 'www.rsguard.test. 60 IN AAAA 2001:db8::80']));
  const peer = await startPeer('unbound', ['unbound', '-d', '-c', conf], dir, ports, [ports.dns]);
  return peer;
}

/** OpenLDAP slapd with one entry, dc=rsguard,dc=test; the root DN cn=admin,dc=rsguard,dc=test binds with `secret`. */
export async function startSlapd(): Promise<Peer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-slapd-'));
  certs(dir);
  mkdirSync(path.join(dir, 'db'));
  const ports = { ldap: await freePort(), ldaps: await freePort() };
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
pidfile ${dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile ${dir}/cert.pem
TLSCertificateKeyFile ${dir}/key.pem
database mdb
suffix "dc=rsguard,dc=test"
rootdn "cn=admin,dc=rsguard,dc=test"
rootpw secret
directory ${dir}/db
`,
  );
  writeFileSync(path.join(dir, 'base.ldif'), 'dn: dc=rsguard,dc=test\nobjectClass: dcObject\nobjectClass: organization\no: rsguard\ndc: rsguard\n');
  execFileSync('slapadd', ['-f', conf, '-l', path.join(dir, 'base.ldif')], { stdio: 'ignore' });
  return startPeer('slapd', ['slapd', '-h', `ldap://127.0.0.1:${ports.ldap}/ ldaps://127.0.0.1:${ports.ldaps}/`, '-f', conf, '-d', '0'], dir, ports, [ports.ldap, ports.ldaps]);
}

/**
 * FreeRADIUS 3 from Debian's config, cut down to one site that listens on a
 * loopback port: client localhost with secret testing123 (Debian's), user bob
 * with password secret, no reject delay.
 */
export async function startFreeradius(): Promise<Peer & { secret: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-radius-'));
  const raddb = path.join(dir, 'raddb');
  cpSync('/etc/freeradius/3.0', raddb, { recursive: true, verbatimSymlinks: true });
  for (const f of readdirSync(path.join(raddb, 'sites-enabled'))) rmSync(path.join(raddb, 'sites-enabled', f));
  // EAP needs the sites just removed; a PAP check does not need EAP.
  rmSync(path.join(raddb, 'mods-enabled', 'eap'), { force: true });
  const ports = { radius: await freePort() };
  writeFileSync(
    path.join(raddb, 'sites-enabled', 'rsguard'),
    `server default {\n  listen {\n    type = auth\n    ipaddr = 127.0.0.1\n    port = ${ports.radius}\n  }\n  authorize {\n    files\n    pap\n  }\n  authenticate {\n    Auth-Type PAP {\n      pap\n    }\n  }\n}\n`,
  );
  const authorize = path.join(raddb, 'mods-config', 'files', 'authorize');
  writeFileSync(authorize, `bob Cleartext-Password := "secret"\n${readFileSync(authorize, 'utf8')}`);
  const conf = path.join(raddb, 'radiusd.conf');
  // It stays root: the copy is root's, and dropping to freerad would leave it unable to read its own config.
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/reject_delay = \d+/, 'reject_delay = 0').replace(/^\s*(user|group) = freerad\s*$/gm, ''));
  // UDP only: ready when freeradius answers a status-less probe is not simple; its log says so.
  let log = '';
  const peer = await startPeer('freeradius', ['freeradius', '-f', '-l', path.join(dir, 'radius.log'), '-d', raddb], dir, ports, [], async () => {
    try {
      log = readFileSync(path.join(dir, 'radius.log'), 'utf8');
    } catch {
      return false;
    }
    return log.includes('Ready to process requests');
  });
  return { ...peer, secret: 'testing123' };
}
