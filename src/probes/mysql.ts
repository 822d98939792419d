import type mysql from 'mysql2/promise';
import { lazyModule } from './lazy-module.js';
import { defineProbe } from './kind.js';
import { untilAborted } from '../lib/settle-once.js';
import { runSql, sqlSpec, type SqlDriver } from './sql.js';

const loadMysql = lazyModule('mysql2', async () => (await import('mysql2/promise')).default);

/** mysql2: a maintained pure-JS client; the wire protocol with its auth plugins is not worth writing again. */
const driver: SqlDriver = {
  async run(target, spec, signal, timeoutMs) {
    const mysql = await loadMysql();
    let conn: mysql.Connection | undefined;
    const work = (async () => {
      conn = await mysql.createConnection({ host: target.host, port: target.port, user: spec.user, password: spec.password, ...(spec.database ? { database: spec.database } : {}), connectTimeout: timeoutMs });
      if (!spec.query) return 0;
      const [rows] = await conn.query({ sql: spec.query, timeout: timeoutMs });
      return Array.isArray(rows) ? rows.length : 0;
    })();
    // A connection that opens after the deadline is closed as soon as it does.
    void work.catch(() => undefined).finally(() => conn?.destroy());
    try {
      return await untilAborted(work, signal);
    } finally {
      conn?.destroy();
    }
  },
  // ER_* codes come from the server (access denied, unknown database, a bad query).
  isAnswer: (err) => typeof (err as { code?: unknown }).code === 'string' && /^ER_/.test((err as { code: string }).code),
};

/** ldirectord service=mysql: log in (to `database`), run `query`, expect rows. */
export const mysqlProbe = defineProbe({ kind: 'mysql', spec: sqlSpec, run: (t, s, ctx) => runSql(driver, t, s, ctx) });
