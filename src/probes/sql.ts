import { z } from 'zod';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

/** What the MySQL and PostgreSQL probes share: ldirectord's check_sql (login, database, a query that must return rows). */
export const sqlSpec = z
  .object({
    user: z.string().min(1),
    password: z.string().default(''),
    database: z.string().min(1).optional(),
    /** Run this and expect at least `minRows` rows (ldirectord `request`); without it a login is the check. */
    query: z.string().min(1).optional(),
    minRows: z.number().int().min(0).default(1),
  })
  .strict();

export type SqlSpec = z.output<typeof sqlSpec>;

export interface SqlDriver {
  /** Connects, logs in, runs the query if any, returns the row count (0 without a query), and always closes. */
  run(target: ProbeTarget, spec: SqlSpec, signal: AbortSignal, timeoutMs: number): Promise<number>;
  /** Server error codes that mean "the server said no" (bad login, an SQL error): down, not an error of ours. */
  isAnswer(err: unknown): boolean;
}

export async function runSql(driver: SqlDriver, target: ProbeTarget, spec: SqlSpec, { signal, timeoutMs }: ProbeContext): Promise<ProbeResult> {
  const startedAt = performance.now();
  try {
    const rows = await driver.run(target, spec, signal, timeoutMs);
    if (spec.query && rows < spec.minRows) return fail(startedAt, 'body', `query returned ${rows} rows, need ${spec.minRows}`);
    return pass(startedAt, spec.query ? `query returned ${rows} rows` : `logged in as ${spec.user}`);
  } catch (err) {
    if (!signal.aborted && driver.isAnswer(err)) return fail(startedAt, 'body', snippet((err as Error).message, 120));
    return failure(startedAt, classifyError(err, signal));
  }
}
