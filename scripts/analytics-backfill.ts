// `npm run analytics:backfill -- --from 2026-01-01 --to 2026-03-31`: recompute the daily analytics of every
// UTC day in the range (docs/decisions/0018-analytics-rollup-and-charts.md): new_customers, revenue and
// churn_rate for each day; mrr and active_subscriptions only for today (snapshots of the current rows —
// the values recorded on past days are kept). `--to` defaults to today; days after today are skipped.
import { parseArgs } from 'node:util';
import { rollupAnalytics, utcDay } from '../app/analytics/rollup.server';
import { env } from '../app/env.server';
import { bootstrapDatabase } from '../db/bootstrap';
import { connect } from '../db/client.server';

try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
  if (!values.from)
    throw new Error('Usage: npm run analytics:backfill -- --from YYYY-MM-DD [--to YYYY-MM-DD]');
  const config = env();
  const connection = await connect({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
  });
  // Embedded PGlite migrates itself, as `npm run dev` does; PostgreSQL is migrated by `npm run db:migrate`.
  if (connection.driver === 'pglite') await bootstrapDatabase(connection, { migrate: true, demo: false });
  const now = new Date();
  const to = values.to ?? utcDay(now);
  const result = await rollupAnalytics(connection.db, { from: values.from, to }, now);
  console.log(
    `Rolled up ${result.days} day(s) from ${values.from}; ${result.written} metric row(s) written or changed.`,
  );
  await connection.close();
  process.exit(0);
} catch (err) {
  const issues = (err as { issues?: { message: string }[] }).issues;
  console.error(issues ? issues.map((i) => i.message).join('\n') : err instanceof Error ? err.message : err);
  process.exit(1);
}
