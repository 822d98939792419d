import { lazyModule } from './lazy-module.js';
import { defineProbe } from './kind.js';
import { untilAborted } from '../lib/settle-once.js';
import { runSql, sqlSpec, type SqlDriver } from './sql.js';

const loadPg = lazyModule('pg', async () => (await import('pg')).default);

/** pg (node-postgres): the maintained client; SCRAM auth alone is reason enough not to write the protocol. */
const driver: SqlDriver = {
  async run(target, spec, signal, timeoutMs) {
    const pg = await loadPg();
    const client = new pg.Client({ host: target.host, port: target.port, user: spec.user, password: spec.password, database: spec.database ?? spec.user, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    // A late error after the probe gave up must not become an unhandled 'error' event.
    client.on('error', () => undefined);
    const work = (async () => {
      await client.connect();
      if (!spec.query) return 0;
      const r = await client.query(spec.query);
      return r.rowCount ?? r.rows.length;
    })();
    void work.catch(() => undefined);
    try {
      return await untilAborted(work, signal);
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  // SQLSTATE codes are five characters from the server (28P01 bad password, 3D000 no database, 42P01 no table).
  isAnswer: (err) => typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code),
};

/** ldirectord service=pgsql: log in (to `database`, default the user's), run `query`, expect rows. */
export const pgsqlProbe = defineProbe({ kind: 'pgsql', spec: sqlSpec, run: (t, s, ctx) => runSql(driver, t, s, ctx) });
