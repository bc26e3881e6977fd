// `npm run bench:usage-10m`: 10 million usage events across 1,000 organizations, then the usage reads at
// that size: usageSummary (the API) for the whole month and a 7-day window, getUsageOverview (the usage
// page) and the usage-rollup job. Set-based generation (INSERT … SELECT generate_series, 1M rows per
// statement, mostly this month, organizations interleaved as live ingestion would); the usage_counters
// statement trigger is disabled while generating and the counters are filled by one INSERT … SELECT after.
// If generation outlives BENCH_GEN_BUDGET_SEC it stops at whole chunks and says how many events it made.
// Never a test; CI does not run it (figures in docs/decisions/0012-usage-at-10m-events.md).
//
//   BENCH_EVENTS (10000000)  BENCH_ORGS (1000)  BENCH_GEN_BUDGET_SEC (540)  BENCH_ROUNDS (5, median)
//   BENCH_KEEP=1 keeps the database (its name is printed) for EXPLAIN ANALYZE.
import { performance } from 'node:perf_hooks';
import { sql as dsql } from 'drizzle-orm';
import postgres from 'postgres';
import type { ApiContext } from '../../app/api-keys/authenticate.server';
import { usageRollup } from '../../app/cron/jobs.server';
import { getUsageOverview, usageSummary } from '../../app/usage/usage.server';
import { connectPostgres } from '../../db/client.server';
import {
  adminClient,
  databaseUrl,
  dropDatabase,
  ensureTemplate,
  postgresReachable,
} from '../../tests/support/pg';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const ORGS = Number(process.env.BENCH_ORGS ?? 1000);
const BUDGET_SEC = Number(process.env.BENCH_GEN_BUDGET_SEC ?? 540);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CHUNK = 1_000_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

async function timed<T>(label: string, rounds: number, fn: () => Promise<T>) {
  const samples: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    value = await fn();
    samples.push(performance.now() - t0);
  }
  const s = [...samples].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(44)} median ${median(samples).toFixed(1).padStart(9)} ms   min ${s[0]!.toFixed(1).padStart(9)}   max ${s.at(-1)!.toFixed(1).padStart(9)}   (${rounds} runs)`,
  );
  return value as T;
}

async function main() {
  if (!(await postgresReachable())) {
    console.log('bench:usage-10m needs PostgreSQL (TEST_DATABASE_URL): not reachable');
    process.exit(1);
  }
  const template = await ensureTemplate();
  const name = `saas_bench_usage_${process.pid}`;
  const admin = adminClient();
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end({ timeout: 1 });
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const lastMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const monthSpan = Math.max(3600, Math.floor((now.getTime() - monthStart.getTime()) / 1000) - 1);
  const lastSpan = Math.floor((monthStart.getTime() - lastMonthStart.getTime()) / 1000) - 1;
  const gen = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
  try {
    console.log(
      `bench:usage-10m  ${EVENTS.toLocaleString('en-US')} events, ${ORGS} organizations, database ${name}`,
    );
    const t0 = performance.now();
    await gen.unsafe('SET synchronous_commit = off');
    await gen.unsafe(`SET work_mem = '64MB'`);
    await gen.unsafe(
      `INSERT INTO organizations (id, name, slug) SELECT 'org' || g, 'Organization ' || g, 'org-' || g FROM generate_series(1, ${ORGS}) g`,
    );
    await gen.unsafe(
      `INSERT INTO users (id, email, name) SELECT 'usr' || g, 'user' || g || '@bench.test', 'User ' || g FROM generate_series(1, ${ORGS}) g`,
    );
    await gen.unsafe(
      `INSERT INTO organization_members (organization_id, user_id, role) SELECT 'org' || g, 'usr' || g, 'OWNER' FROM generate_series(1, ${ORGS}) g`,
    );
    await gen.unsafe(
      `INSERT INTO subscriptions (organization_id, plan_id, status, current_period_start)
       SELECT 'org' || g, p.id, 'ACTIVE', '${monthStart.toISOString()}'
         FROM generate_series(1, ${ORGS}) g, (SELECT id FROM plans WHERE key = 'monthly' AND deleted_at IS NULL) p`,
    );
    // The counters are filled once after: a 1M-row statement trigger would only repeat that aggregate.
    await gen.unsafe('ALTER TABLE usage_events DISABLE TRIGGER usage_events_count');
    let made = 0;
    while (made < EVENTS) {
      if ((performance.now() - t0) / 1000 > BUDGET_SEC) {
        console.log(
          `generation budget of ${BUDGET_SEC} s used up: measuring ${made.toLocaleString('en-US')} events`,
        );
        break;
      }
      const n = Math.min(CHUNK, EVENTS - made);
      const c0 = performance.now();
      // 90% this month, 10% last month; 70% api.call; organization = row number mod ORGS (interleaved). The
      // month and type depend on i / ORGS, not i: with i mod 100, org 500 had only last month's events.
      await gen.unsafe(
        `INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
         SELECT 'org' || (1 + i % ${ORGS}),
                CASE WHEN (i / 7) % 10 < 7 THEN 'api.call' WHEN (i / 7) % 10 < 9 THEN 'storage.write' ELSE 'compute.seconds' END,
                CASE WHEN (i / 7) % 10 < 7 THEN 1 ELSE 1 + i % 50 END,
                CASE WHEN (i / ${ORGS}) % 10 < 9
                     THEN '${monthStart.toISOString()}'::timestamptz + make_interval(secs => (i::bigint * 7919) % ${monthSpan})
                     ELSE '${lastMonthStart.toISOString()}'::timestamptz + make_interval(secs => (i::bigint * 7919) % ${lastSpan}) END
           FROM generate_series(${made + 1}, ${made + n}) i`,
      );
      made += n;
      console.log(
        `  ${made.toLocaleString('en-US').padStart(11)} events  chunk ${secs(c0)} s  total ${secs(t0)} s`,
      );
    }
    await gen.unsafe('ALTER TABLE usage_events ENABLE TRIGGER usage_events_count');
    const c0 = performance.now();
    await gen.unsafe(
      `INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
       SELECT organization_id, date_trunc('month', "timestamp" AT TIME ZONE 'UTC')::date, event_type, sum(quantity), count(*)
         FROM usage_events GROUP BY 1, 2, 3`,
    );
    console.log(`  counters filled in ${secs(c0)} s`);
    const v0 = performance.now();
    await gen.unsafe('VACUUM ANALYZE');
    const [size] = await gen<
      { s: string }[]
    >`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`;
    console.log(`  VACUUM ANALYZE ${secs(v0)} s; generated in ${secs(t0)} s; database ${size?.s}`);

    const conn = connectPostgres(databaseUrl(name), { max: 2 });
    const db = conn.db;
    await db.execute(dsql`SELECT 1`);
    const org = { id: 'org500', slug: 'org-500', name: 'Organization 500' };
    const actor = { type: 'USER' as const, userId: 'usr500' };
    const context = {
      organization: org,
      actor: { ...actor, userId: 'usr500' },
      via: 'api_key',
      apiKeyId: null,
      rateLimit: { limit: 1000, remaining: 1000 },
      call: { method: 'GET', path: '/api/v1/orgs/org-500/usage' },
    } as unknown as ApiContext;
    const month = {
      from: monthStart,
      to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
    };
    const week = { from: new Date(now.getTime() - 7 * 86_400_000), to: now };
    const [perOrg] = await gen<
      { n: string }[]
    >`SELECT count(*)::text AS n FROM usage_events WHERE organization_id = 'org500'`;
    console.log(`\none organization's events: ${Number(perOrg?.n).toLocaleString('en-US')} (all months)\n`);
    const summary = await timed('usageSummary, whole month', ROUNDS, () => usageSummary(db, context, month));
    await timed('usageSummary, last 7 days', ROUNDS, () => usageSummary(db, context, week));
    await timed('getUsageOverview (usage page)', ROUNDS, () => getUsageOverview(db, actor, org.id, now));
    const rollup = await timed('usage-rollup (first run: every subscription)', 1, () =>
      usageRollup.run(db, { now }),
    );
    await timed('usage-rollup (again: nothing to change)', 1, () => usageRollup.run(db, { now }));
    console.log(
      `\nsummary totals: ${JSON.stringify(summary.totals)}\nrollup counts: ${JSON.stringify(rollup)}`,
    );
    await conn.close();
  } finally {
    await gen.end();
    if (process.env.BENCH_KEEP === '1') console.log(`kept database ${name}`);
    else await dropDatabase(name);
  }
}

await main();
