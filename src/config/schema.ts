import { z } from 'zod';
import { BALANCER_FIELDS, BALANCERS } from '../actuators/registry.js';
import { PROBES } from '../probes/registry.js';
import { duration } from '../lib/duration.js';
import { notifySchema, rsNotifySchema, vsNotifySchema } from './notify-schema.js';
import { queueSchema } from './queue-schema.js';

/**
 * rsguard YAML. Every object is strict (unknown keys are errors); defaults
 * live here, in one place. The check union is derived from the probe registry.
 */

const addressText = z.string().min(1);

const windowSchema = z
  .object({ size: z.number().int().min(1).max(100), minOk: z.number().int().min(1) })
  .strict()
  .refine((w) => w.minOk <= w.size, { message: 'minOk must not exceed size', path: ['minOk'] });

const flapSchema = z.union([
  z.literal(false),
  z
    .object({ low: z.number().min(0).max(100), high: z.number().min(0).max(100) })
    .strict()
    .refine((f) => f.low <= f.high, { message: 'low must not exceed high', path: ['low'] }),
]);

/** Timing settings: allowed in global.checkDefaults, on a virtual service, a real server, or a check. */
const timingShape = {
  interval: duration.optional(),
  timeout: duration.optional(),
  /** Cadence while a state is soft (keepalived delay_before_retry, HAProxy fastinter, Nagios retry_interval). */
  retryInterval: duration.optional(),
  fall: z.number().int().min(1).max(1000).optional(),
  rise: z.number().int().min(1).max(1000).optional(),
  window: windowSchema.optional(),
  alpha: z.boolean().optional(),
  flap: flapSchema.optional(),
};

export const timingSchema = z.object(timingShape).strict();

const checkCommon = {
  /** Connect here instead of the real server (keepalived connect_ip / connect_port, ldirectord checkport). */
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  name: z.string().min(1).optional(),
  /**
   * Connect through this SOCKS4 proxy (HAProxy `socks4` with
   * `check-via-socks4`): IPv4:PORT, or with the USERID field it sends
   * (HAProxy's checks send "HAProxy"; default empty).
   */
  socks4: z
    .union([z.string().min(1), z.object({ address: z.string().min(1), userId: z.string().max(255).regex(/^[^\0]*$/, 'no NUL byte').default('') }).strict()])
    .optional(),
  ...timingShape,
};

const [first, ...rest] = PROBES.map((p) => p.spec.safeExtend({ kind: z.literal(p.kind), ...checkCommon }));
export const checkSchema = z.discriminatedUnion('kind', [first!, ...rest]);
export type CheckInput = z.output<typeof checkSchema>;

const forwarding = z
  .enum(['dr', 'nat', 'tun', 'gate', 'masq', 'ipip', 'route', 'DR', 'NAT', 'TUN'])
  .transform((f) => ({ dr: 'dr', gate: 'dr', route: 'dr', DR: 'dr', nat: 'nat', masq: 'nat', NAT: 'nat', tun: 'tun', ipip: 'tun', TUN: 'tun' })[f] as 'dr' | 'nat' | 'tun');

const realServerSchema = z
  .object({
    address: addressText,
    weight: z.number().int().min(0).max(65535).default(1),
    forwarding: forwarding.optional(),
    /** This server only (keepalived inhibit_on_failure on a real_server); the virtual service's onDown otherwise. */
    onDown: z.enum(['quiescent', 'remove']).optional(),
    checks: z.array(checkSchema).optional(),
    /**
     * HAProxy `track [BACKEND/]SERVER`: this server has no checks of its own
     * but agent checks; its state is the tracked server's, from the same
     * checks (build-model.ts follows a chain of tracks to the server that is
     * checked), and its agents'.
     */
    track: z.object({ virtualService: z.string().min(1).optional(), server: addressText }).strict().optional(),
    ...BALANCER_FIELDS.realServer,
    notify: rsNotifySchema.optional(),
    ...timingShape,
  })
  .strict();

const sorrySchema = z.union([
  addressText,
  z
    .object({
      address: addressText,
      forwarding: forwarding.optional(),
      /**
       * How the sorry server is checked before it stands in: by default a TCP
       * connect to it (the virtual's own checks may ask for content a sorry
       * page does not have), none when it is the virtual's own address and
       * port (the connect would reach the balancer); [] leaves it unchecked,
       * as ldirectord and keepalived do.
       */
      checks: z.array(checkSchema).optional(),
      ...BALANCER_FIELDS.sorryServer,
    })
    .strict(),
]);

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;

const virtualServiceSchema = z
  .object({
    name: z.string().min(1).optional(),
    address: addressText.optional(),
    fwmark: z.number().int().min(1).max(0xffffffff).optional(),
    family: z.enum(['inet', 'inet6']).optional(),
    // sctp: IPVS SCTP services (ipvsadm --sctp-service), keepalived `protocol SCTP`.
    protocol: z.enum(['tcp', 'udp', 'sctp']).default('tcp'),
    scheduler: z.enum(SCHEDULERS).default('wrr'),
    forwarding: forwarding.default('dr'),
    persistence: z
      .object({ timeout: duration, netmask: z.string().min(1).optional() })
      .strict()
      .optional(),
    sorryServer: sorrySchema.optional(),
    /** What a hard-down real server becomes: weight 0 (ldirectord quiescent, keepalived inhibit_on_failure) or removed. */
    onDown: z.enum(['quiescent', 'remove']).default('remove'),
    /** Weight ramps up over this long after a recovery (HAProxy slowstart). */
    slowStart: duration.default(0),
    quorum: z.number().int().min(0).default(1),
    hysteresis: z.number().int().min(0).default(0),
    /**
     * Safety valve, off by default: when more than this fraction of the real
     * servers goes hard down within one interval, the excess waits for a
     * second round of checks before it leaves the pool.
     */
    maxDownFraction: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1 (leave it out to turn the valve off)').optional(),
    checks: z.array(checkSchema).optional(),
    ...BALANCER_FIELDS.virtualService,
    notify: vsNotifySchema.optional(),
    realServers: z.array(realServerSchema).default([]),
    ...timingShape,
  })
  .strict()
  .refine((v) => (v.address === undefined) !== (v.fwmark === undefined), { message: 'set exactly one of address or fwmark', path: ['address'] });

/**
 * The VRRP side of the director, as keepalived runs it: rsguard does not run
 * VRRP, it records the transitions keepalived reports (`rsguard notify`,
 * notify_fifo) and shows each instance and sync group from the start, as
 * "unknown" until the first transition arrives.
 */
const vrrpNotifySchema = z
  .object({ notify: z.string().optional(), master: z.string().optional(), backup: z.string().optional(), fault: z.string().optional(), stop: z.string().optional() })
  .strict();
const vrrpSchema = z
  .object({
    instances: z
      .array(
        z
          .object({
            name: z.string().min(1),
            interface: z.string().min(1).optional(),
            virtualRouterId: z.number().int().min(1).max(255).optional(),
            priority: z.number().int().min(0).max(255).optional(),
            /** The state keepalived starts it in (`state MASTER|BACKUP`), not a measured one. */
            initialState: z.enum(['MASTER', 'BACKUP']).optional(),
            virtualIps: z.array(z.string().min(1)).default([]),
            /** keepalived's own notify scripts for it: keepalived runs them, rsguard only shows them. */
            keepalivedNotify: vrrpNotifySchema.optional(),
          })
          .strict(),
      )
      .default([]),
    syncGroups: z
      .array(z.object({ name: z.string().min(1), instances: z.array(z.string().min(1)).default([]), keepalivedNotify: vrrpNotifySchema.optional() }).strict())
      .default([]),
  })
  .strict();

/** syslog(3) facility names and their numbers (RFC 3164 4.1.1). */
export const SYSLOG_FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const;

const syslogSchema = z
  .object({
    to: z.literal('syslog'),
    facility: z.enum(Object.keys(SYSLOG_FACILITIES) as [keyof typeof SYSLOG_FACILITIES, ...Array<keyof typeof SYSLOG_FACILITIES>]).default('daemon'),
    /** rsyslog or syslog-ng listening for network input (imudp/imtcp). */
    address: addressText.default('127.0.0.1:514'),
    protocol: z.enum(['udp', 'tcp']).default('udp'),
    format: z.enum(['rfc3164', 'rfc5424']).default('rfc3164'),
  })
  .strict();

/** Where the JSON log lines go: stdout (journald under systemd), or a syslog daemon. */
const logSchema = z.union([z.literal('stdout'), z.literal('syslog').transform(() => syslogSchema.parse({ to: 'syslog' })), z.object({ to: z.literal('stdout') }).strict().transform(() => 'stdout' as const), syslogSchema]);

const listenSchema = addressText;

const HEALTH_DEFAULTS = { maxBlindFraction: 0.5, fileWeight: 50 };

const healthSchema = z
  .object({
    /** Sick when more than this fraction of checks are stale or cannot run (0: any one). */
    maxBlindFraction: z.number().min(0).max(1).default(HEALTH_DEFAULTS.maxBlindFraction),
    /** keepalived track_file: rsguard writes fileWeight here while healthy and 0 when sick or stopped. */
    file: z.string().startsWith('/', 'must be an absolute path').optional(),
    fileWeight: z.number().int().min(1).max(253).default(HEALTH_DEFAULTS.fileWeight),
  })
  .strict();

/** Which balancer the pool is applied to, derived from the balancer registry. `none` only observes. */
const [firstBalancer, ...moreBalancers] = BALANCERS.map((b) => b.schema.extend({ kind: z.literal(b.kind) }).strict());
const balancerSchema = z.discriminatedUnion('kind', [firstBalancer!, ...moreBalancers]);

export const configSchema = z
  .object({
    global: z
      .object({
        listen: listenSchema.default('127.0.0.1:9901'),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        log: logSchema.default('stdout'),
        concurrency: z.number().int().min(1).max(100_000).default(1000),
        /**
         * Worker threads that run probes beside the main thread (schedule, state, API). Not set:
         * RSGUARD_PROBE_THREADS, else 0: every probe on the main thread, which on a 2-core director kept
         * 10,000 HTTP checks a second where one probe thread did not (docs/benchmarks.md, "Probe threads").
         * `auto` adds one when the main thread was more than 80 % busy over 10 s, up to one per CPU beyond
         * the first (at most 4).
         */
        probeThreads: z.union([z.literal('auto'), z.number().int().min(0).max(16)]).optional(),
        startupSpread: duration.default(5000),
        checkDefaults: timingSchema.default({}),
        /** Reload when the config file changes (ldirectord autoreload), besides SIGHUP. */
        autoReload: z.boolean().default(false),
        /**
         * ldirectord's maintenancedir: a file here named after a real server (IP:PORT, IP, its reverse DNS name
         * with and without :PORT, the name's first label with and without :PORT) puts it in maintenance.
         */
        maintenanceDir: z.string().startsWith('/', 'must be an absolute path').optional(),
        /** A PEM CA bundle every TLS check uses unless it names its own `tlsCa` (a private CA for the backends). */
        tlsCa: z.string().startsWith('/', 'must be an absolute path').optional(),
        /** Write endpoints (drain, undrain, notify) need this bearer token; without one they are refused. */
        apiToken: z.string().min(16, 'use at least 16 characters').optional(),
        apiTokenFile: z.string().startsWith('/').optional(),
        /**
         * Embedded mode keeps check states here so a restart does not flap the pool; false turns it off.
         * Default: /var/lib/rsguard/checks-<hash of the config path>.json.
         */
        stateFile: z.union([z.string().startsWith('/', 'must be an absolute path'), z.literal(false)]).optional(),
        /** When rsguard counts as sick for VRRP (`rsguard health`, the health file). */
        health: healthSchema.default(HEALTH_DEFAULTS),
      })
      .strict()
      .default({ listen: '127.0.0.1:9901', logLevel: 'info', log: 'stdout', concurrency: 1000, startupSpread: 5000, checkDefaults: {}, autoReload: false, health: HEALTH_DEFAULTS }),
    balancer: balancerSchema.default({ kind: 'none' }),
    notify: notifySchema.default({ vrrpSpoolDir: '/var/lib/rsguard/vrrp-spool', hookTimeout: 10_000 }),
    queue: queueSchema.default({ prefix: 'rsguard' }),
    vrrp: vrrpSchema.default({ instances: [], syncGroups: [] }),
    virtualServices: z.array(virtualServiceSchema).default([]),
  })
  .strict()
  // A VRRP-only director (keepalived.conf with vrrp_instance blocks and no virtual_server) has nothing to check but is still watched.
  .refine((c) => c.virtualServices.length > 0 || c.vrrp.instances.length > 0 || c.vrrp.syncGroups.length > 0, {
    message: 'at least one virtual service is needed (or a vrrp section, for a VRRP-only director)',
    path: ['virtualServices'],
  });

export type ConfigInput = z.output<typeof configSchema>;
export type VrrpInput = ConfigInput['vrrp'];
export type VirtualServiceInput = z.output<typeof virtualServiceSchema>;
export type RealServerInput = z.output<typeof realServerSchema>;
export type TimingInput = z.output<typeof timingSchema>;

/** Built-in timing defaults, the bottom of the inheritance chain: HAProxy-like rise 2 / fall 3. */
export const TIMING_DEFAULTS = {
  intervalMs: 5000,
  timeoutMs: 3000,
  retryIntervalMs: 1000,
  fall: 3,
  rise: 2,
  window: null,
  alpha: false,
  flap: { low: 20, high: 30 },
} as const;

/** What a real server with no `checks` key gets: a TCP connect, like HAProxy's bare `check`. */
export const DEFAULT_CHECK: CheckInput = checkSchema.parse({ kind: 'tcp' });
