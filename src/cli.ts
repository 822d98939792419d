#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=35
// Those flags keep the daemon's RSS near its live heap: why, in src/process/heap-flags.ts.
import { apiCall } from './cli/api-client.js';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseHostPort } from './lib/address.js';
import { ConfigError, formatIssue } from './config/errors.js';

/**
 * Commands load what they need when they run: `rsguard health` is a keepalived
 * vrrp_script, run every second or two under keepalived's timeout, and must
 * not pay for loading the daemon (fastify, BullMQ, ioredis, nodemailer).
 */
const loadConfig = async (file: string, format?: ConfigFormat, opts: { configId?: string; apiTokenFile?: string; strict?: boolean } = {}) => (await import('./config/load.js')).loadConfig(file, format, opts);
const CONFIG_ID_HELP = 'keepalived -i: which @id lines apply (default: the host name, as keepalived)';
/** The load options the command line gives; the token file is resolved now, so every reload reads the same file. */
const loadOptionsOf = (o: { configId?: string; tokenFile?: string }) => ({ ...(o.configId ? { configId: o.configId } : {}), ...(o.tokenFile ? { apiTokenFile: path.resolve(o.tokenFile) } : {}) });
const createLogger = async (level: string, target?: Model['global']['log']) => (await import('./log.js')).createLogger(level, undefined, target);
import type { ConfigFormat } from './config/load.js';
import type { Model } from './model/model.js';
import { registerHoldCommands } from './cli/hold-commands.js';
import { notifyCommand, type NotifyOptions } from './cli/notify-command.js';

// Output cut short (`rsguard check-config FILE | head`) is the reader's choice, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command();
program.name('rsguard').description('Health checks and failover for LVS/IPVS and HAProxy real servers').version('0.1.0');
program.showHelpAfterError();

function hostPort(value: string): { host: string; port: number } {
  const hp = parseHostPort(value);
  if (typeof hp === 'string' || hp.port === undefined) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:9901');
  return { host: hp.host, port: hp.port };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
function logLevel(value: string): string {
  if (LEVELS.includes(value)) return value;
  throw new InvalidArgumentError(`expected one of ${LEVELS.join(', ')}`);
}

function format(value: string): ConfigFormat {
  if (value === 'yaml' || value === 'ldirectord' || value === 'keepalived' || value === 'haproxy') return value;
  throw new InvalidArgumentError('expected yaml, ldirectord, keepalived or haproxy');
}

function printConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    process.stderr.write(`${err.issues.length} error${err.issues.length === 1 ? '' : 's'}\n`);
  } else {
    process.stderr.write(`rsguard: ${(err as Error).message}\n`);
  }
  process.exit(1);
}

program
  .command('check-config')
  .description('validate a config file and print a summary; exit 1 with the errors if it is invalid')
  .argument('<file>', 'rsguard YAML, ldirectord.cf, keepalived.conf or haproxy.cfg (see docs/mapping.md)')
  .option('--format <format>', 'yaml | ldirectord | keepalived | haproxy (default: sniffed)', format)
  .option('--config-id <id>', CONFIG_ID_HELP)
  .option('--strict', 'also refuse what the original tool only logs and carries on past (an unknown keyword in keepalived.conf, an unknown lb_algo)')
  .action(async (file: string, o: { format?: ConfigFormat; configId?: string; strict?: boolean }) => {
    try {
      process.stdout.write(`${(await import('./config/summary.js')).summarize(await loadConfig(file, o.format, { ...loadOptionsOf(o), ...(o.strict ? { strict: true } : {}) }))}\n`);
    } catch (err) {
      printConfigError(err);
    }
  });

program
  .command('import')
  .description('print an ldirectord.cf, keepalived.conf or haproxy.cfg as rsguard YAML (which loads to the same model)')
  .argument('<file>', 'ldirectord.cf, keepalived.conf or haproxy.cfg')
  .option('--format <format>', 'ldirectord | keepalived | haproxy (default: sniffed)', format)
  .option('--config-id <id>', CONFIG_ID_HELP)
  .action(async (file: string, o: { format?: ConfigFormat; configId?: string }) => {
    try {
      const result = await (await import('./config/load.js')).importConfig(file, o.format, loadOptionsOf(o));
      // What the original tool logs and carries on past loads too (check-config --strict refuses it): a warning like the others.
      const tolerated = (result.tolerated ?? []).map((t) => `# warning: ${formatIssue(t)} (the original tool logs this and carries on; so does rsguard, and check-config --strict refuses it)`);
      const notes = [...tolerated, ...result.warnings.map((w) => `# warning: ${w}`)];
      // Unsupported features are marked in place (an `unsupported:` entry does not load) and listed with what to write instead.
      const unsupported = result.errors.flatMap((e) => (e.unsupported ? [`# unsupported: ${formatIssue(e)}`, `#   replace its \`unsupported:\` entry below with ${e.unsupported.replaceWith}`] : []));
      process.stdout.write([`# rsguard config imported from ${file}`, ...unsupported, ...notes, (await import('yaml')).stringify(result.input)].join('\n'));
      if (unsupported.length) process.stderr.write(`rsguard import: ${unsupported.length / 2} unsupported part(s) marked "unsupported:" in the YAML; it will not load until they are replaced\n`);
    } catch (err) {
      printConfigError(err);
    }
  });

program
  .command('schema')
  .description('print the JSON Schema of rsguard YAML, for editors (yaml-language-server)')
  .action(async () => {
    process.stdout.write(`${JSON.stringify((await import('./config/json-schema.js')).configJsonSchema(), null, 2)}\n`);
  });

program
  .command('completion')
  .description('print a shell completion script: rsguard completion bash > /etc/bash_completion.d/rsguard')
  .argument('<shell>', 'bash')
  .action(async (shell: string) => {
    if (shell !== 'bash') {
      process.stderr.write(`rsguard completion: only bash is supported, got ${JSON.stringify(shell)}\n`);
      process.exit(2);
    }
    const shapes = program.commands.map((c) => ({
      name: c.name(),
      flags: [...c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f))), '--help'],
      fileArg: c.registeredArguments.some((a) => /file/i.test(a.name())),
    }));
    process.stdout.write((await import('./cli/completion.js')).bashCompletion(shapes));
  });

program
  .command('run')
  .description('run the daemon in embedded mode')
  .requiredOption('-c, --config <file>', 'config file')
  .option('--format <format>', 'yaml | ldirectord | keepalived | haproxy (default: sniffed)', format)
  .option('--listen <host:port>', 'HTTP API address (overrides global.listen)', hostPort)
  .option('--dry-run', 'log balancer changes instead of applying them')
  .option('--log-level <level>', 'overrides global.logLevel', logLevel)
  .option('--config-id <id>', CONFIG_ID_HELP)
  .option('--token-file <file>', 'the API token, when the config names none (ldirectord.cf, keepalived.conf)')
  .action(async (o: { config: string; format?: ConfigFormat; listen?: { host: string; port: number }; dryRun?: boolean; logLevel?: string; configId?: string; tokenFile?: string }) => {
    let model: Model;
    const loadOptions = loadOptionsOf(o);
    try {
      model = await loadConfig(o.config, o.format, loadOptions);
    } catch (err) {
      printConfigError(err);
    }
    const log = await createLogger(o.logLevel ?? model.global.logLevel, model.global.log);
    (await import('./process/heap-flags.js')).applyHeapFlags(log);
    let daemon;
    try {
      daemon = await (await import('./daemon.js')).startDaemon({ configFile: o.config, format: o.format, loadOptions, model, listen: o.listen, dryRun: o.dryRun, log });
    } catch (err) {
      if (err instanceof ConfigError) printConfigError(err);
      if ((err as Error).name === 'InstanceLocked' || (err as Error).name === 'RedisTargetError') process.stderr.write(`rsguard: ${(err as Error).message}\n`);
      log.fatal({ err }, 'rsguard failed to start');
      log.flush();
      process.exitCode = 1;
      return;
    }
    const d = daemon;
    process.on('SIGHUP', () => void d.reload());
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'rsguard stopping');
      void d.stop().then(() => {
        log.flush();
        process.exit(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

program
  .command('health')
  .description('exit 0 when the daemon answers and can see its real servers, else 1 (a keepalived vrrp_script)')
  .option('--url <url>', 'rsguard HTTP API (default: global.listen of --config, else http://127.0.0.1:9901)')
  .option('-c, --config <file>', 'read the API address from this config')
  .option('--timeout <seconds>', 'give up after this long (keepalived kills slow scripts)', seconds, 2)
  .option('-q, --quiet', 'print nothing')
  .action(async (o: { url?: string; config?: string; timeout: number; quiet?: boolean }) => {
    let url = o.url ?? 'http://127.0.0.1:9901';
    if (!o.url && o.config) {
      try {
        const l = (await loadConfig(o.config)).global.listen;
        url = `http://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
      } catch (err) {
        printConfigError(err);
      }
    }
    const say = (line: string) => {
      if (!o.quiet) process.stdout.write(`${line}\n`);
    };
    try {
      // keepalived's vrrp_script runs this: one try within its timeout, the answer's body whatever its status.
      const res = await apiCall<{ ok?: boolean; detail?: string }>(url, '/api/health', { timeoutMs: o.timeout * 1000, anyStatus: true });
      const body = res.body ?? {};
      say(`${body.ok === true ? 'healthy' : 'SICK'}: ${body.detail ?? `HTTP ${res.status}`}`);
      process.exit(res.status < 300 && body.ok === true ? 0 : 1);
    } catch (err) {
      say(`SICK: rsguard does not answer at ${url}: ${(err as Error).message}`);
      process.exit(1);
    }
  });

program
  .command('status')
  .description('print the pools and their health like ipvsadm -Ln')
  .option('--url <url>', 'rsguard HTTP API', 'http://127.0.0.1:9901')
  .option('--json', 'print the raw /api/status document')
  .option('-w, --watch [seconds]', 'redraw every few seconds (default 2) until Ctrl-C, like watch ipvsadm -Ln', (v) => Number(v))
  .option('--color <when>', 'auto (a terminal without NO_COLOR) | always | never', 'auto')
  .action(async (o: { url: string; json?: boolean; watch?: number | true; color: string }) => {
    if (!['auto', 'always', 'never'].includes(o.color)) {
      process.stderr.write(`rsguard status: --color must be auto, always or never, got ${JSON.stringify(o.color)}\n`);
      process.exit(2);
    }
    if (typeof o.watch === 'number' && !(o.watch > 0)) {
      process.stderr.write('rsguard status: --watch takes a number of seconds above 0\n');
      process.exit(2);
    }
    await (await import('./cli/status-command.js')).statusCommand({ url: o.url, ...(o.json ? { json: true } : {}), ...(o.watch !== undefined ? { watch: o.watch === true ? 2 : o.watch } : {}), color: o.color as 'auto' });
  });

program
  .command('worker')
  .description('run probe jobs for a distributed-mode scheduler (BullMQ on Redis)')
  .option('--redis <url>', 'Redis URL, or redis+sentinel://HOST:PORT,HOST:PORT/NAME (default: queue.redis of --config, else REDIS_URL; the scheduler uses the same order)')
  .option('-c, --config <file>', 'read queue.redis and queue.prefix from this config')
  .option('--prefix <prefix>', 'key prefix (default: queue.prefix or rsguard)')
  .option('--concurrency <n>', 'probes in flight at most', (v) => Number(v), 500)
  .option('--log-level <level>', 'log level', logLevel, 'info')
  .action(async (o: { redis?: string; config?: string; prefix?: string; concurrency: number; logLevel: string }) => {
    let model: Model | undefined;
    if (o.config) {
      try {
        model = await loadConfig(o.config);
      } catch (err) {
        printConfigError(err);
      }
    }
    let redis;
    try {
      redis = (await import('./scheduler/resolve-redis.js')).resolveRedisTarget({ flag: o.redis, config: model?.queue.redis });
    } catch (err) {
      process.stderr.write(`rsguard worker: ${(err as Error).message}\n`);
      process.exit(2);
    }
    if (!redis) {
      process.stderr.write('rsguard worker: no Redis: --redis, queue.redis in --config, or REDIS_URL\n');
      process.exit(2);
    }
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) {
      process.stderr.write('rsguard worker: --concurrency must be a positive integer\n');
      process.exit(2);
    }
    const log = await createLogger(o.logLevel, model?.global.log);
    (await import('./process/heap-flags.js')).applyHeapFlags(log);
    const worker = await (await import('./worker.js')).startWorker({ redis, prefix: o.prefix ?? model?.queue.prefix ?? 'rsguard', concurrency: o.concurrency, staleAfterMs: model?.queue.staleAfterMs, log });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void worker.close().then(() => {
        log.flush();
        process.exit(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => worker.reread());
  });

program
  .command('notify')
  .description("record a VRRP transition: keepalived's notify script (it appends GROUP|INSTANCE NAME STATE PRIORITY)")
  .argument('[args...]', 'GROUP|INSTANCE NAME STATE PRIORITY')
  .option('--instance <name>', 'for notify_master/backup/fault/stop, which get no arguments')
  .option('--group <name>', 'a vrrp_sync_group instead of an instance')
  .option('--state <state>', 'MASTER, BACKUP, FAULT, STOP, ...')
  .option('--priority <n>', 'the priority, if known')
  .option('--url <url>', 'rsguard HTTP API', 'http://127.0.0.1:9901')
  .option('--token <token>', 'API token (default: RSGUARD_TOKEN)')
  .option('--token-file <file>', 'read the API token from this file')
  .option('--spool <dir>', 'where to leave the transition when the daemon is down', '/var/lib/rsguard/vrrp-spool')
  .action(async (args: string[], o: NotifyOptions) => {
    try {
      process.stdout.write(`${await notifyCommand(args, o, Date.now())}\n`);
    } catch (err) {
      process.stderr.write(`rsguard notify: ${(err as Error).message}\n`);
      process.exit(2);
    }
  });

registerHoldCommands(program, seconds);

await program.parseAsync(process.argv);
