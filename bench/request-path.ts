// `npm run bench`: the request path's figures of issue 9, each as a ratio against a baseline measured in
// the same run, interleaved over several rounds (medians). It builds the app for production, clones a
// scratch PostgreSQL database from the test template, starts the app (server.ts) and the raw baseline
// (bench/raw-server.ts), and drives both with autocannon on 127.0.0.1. Never a test; CI does not run it.
//
//   BENCH_ROUNDS (3)  BENCH_SECONDS (5 per measurement)  BENCH_CONNECTIONS (20)  BENCH_SKIP_BUILD=1
//   BENCH_PROFILE=dir: start the app under `node --cpu-prof` (profile written to dir when it stops) and
//   measure only the dashboard; `npx tsx bench/profile-summary.ts dir` lists the hottest functions.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createApiKey } from '../app/api-keys/api-keys.server';
import { createProject } from '../app/orgs/projects.server';
import { addMember, cookieFor, createOrg, setLimits } from '../app/orgs/test-support';
import { connectPostgres, type Database, rowsOf } from '../db/client.server';
import {
  cloneTemplate,
  databaseUrl,
  dropDatabase,
  ensureTemplate,
  postgresReachable,
} from '../tests/support/pg';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const APP_PORT = 3811;
const RAW_PORT = 3812;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function start(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  child.on('exit', (code) => {
    if (code && code !== 0) console.error(`[${name}] exited ${code}\n${output.slice(-2000)}`);
  });
  return child;
}

async function waitFor(url: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer`);
}

/** Requests per second over SECONDS at CONNECTIONS (non-2xx answers make the run fail loudly). */
async function rps(url: string, options: Partial<autocannon.Options> = {}): Promise<number> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...options,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests of ${result.requests.total}`);
  return result.requests.average;
}

/**
 * Statements per dashboard request, as PostgreSQL counts them: each autocommit statement is one
 * transaction in pg_stat_database. Backends flush their counts when idle for 10 s, hence the waits.
 */
async function statementsPerRequest(db: Database, dbName: string, target: string, cookie: string) {
  const commits = async () => {
    const [row] = rowsOf<{ n: string }>(
      await db.execute(
        sql`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = ${dbName}`,
      ),
    );
    return Number(row?.n ?? 0);
  };
  await db.execute(sql`UPDATE sessions SET last_used_at = now()`);
  await new Promise((r) => setTimeout(r, 11_000));
  const before = await commits();
  const n = 100;
  for (let i = 0; i < n; i++) {
    const res = await fetch(target, { headers: { cookie } });
    if (!res.ok) throw new Error(`${target}: ${res.status}`);
    await res.arrayBuffer();
  }
  await new Promise((r) => setTimeout(r, 11_000));
  // Our own read of the counter is in the delta too.
  return Math.max(0, (await commits()) - before - 1) / n;
}

async function main() {
  if (!(await postgresReachable())) throw new Error('npm run bench needs PostgreSQL (TEST_DATABASE_URL)');
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    console.log('== production build');
    const build = spawnSync('npx', ['remix', 'vite:build'], { stdio: 'pipe', encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed\n${build.stdout}\n${build.stderr}`);
  }

  const dbName = await cloneTemplate(await ensureTemplate());
  const url = databaseUrl(dbName);
  const conn = connectPostgres(url, { max: 6 });
  const { db } = conn;
  const children: ChildProcess[] = [];
  try {
    console.log(`== scratch database ${dbName}`);
    const { organization, owner } = await createOrg(db);
    for (let i = 0; i < 6; i++) await addMember(db, organization.id, i % 3 === 0 ? 'ADMIN' : 'MEMBER');
    for (const name of ['Website', 'Mobile app', 'Data pipeline', 'Billing', 'Docs']) {
      await createProject(db, owner.actor, {
        organizationId: organization.id,
        name,
        slug: name.toLowerCase().replace(/\s+/g, '-'),
      });
    }
    await setLimits(db, organization.id, { api_calls_per_month: null });
    const cookie = await cookieFor(db, owner.id);
    const key = (
      await createApiKey(db, owner.actor, {
        organizationId: organization.id,
        name: 'bench',
        scopes: ['usage:read', 'usage:write'],
        rateLimit: 100_000,
      })
    ).key;
    // A second organization whose month already holds 1M api.call events.
    const full = await createOrg(db);
    await setLimits(db, full.organization.id, { api_calls_per_month: null });
    const fullKey = (
      await createApiKey(db, full.owner.actor, {
        organizationId: full.organization.id,
        name: 'bench',
        scopes: ['usage:write'],
        rateLimit: 100_000,
      })
    ).key;
    const t0 = performance.now();
    await db.execute(sql`
      INSERT INTO usage_events (organization_id, event_type, quantity, "timestamp")
      SELECT ${full.organization.id}, 'api.call', 1, date_trunc('month', now()) + (g % 86400) * interval '1 second'
        FROM generate_series(1, 1000000) g`);
    console.log(`== 1M api.call events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await db.execute(sql`ANALYZE`);

    const env = {
      DATABASE_URL: url,
      NODE_ENV: 'production',
      SESSION_SECRET: 'bench-session-secret-bench-session-secret',
      JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-bench-00',
      EMAIL_PAYLOAD_KEY: 'cd'.repeat(32),
      TOTP_ENCRYPTION_KEY: 'dc'.repeat(32),
      CRON_SECRET: 'bench-cron-secret-000',
      APP_URL: `http://127.0.0.1:${APP_PORT}`,
      LOG_LEVEL: 'warn',
    };
    const profile = process.env.BENCH_PROFILE;
    const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
    children.push(
      start('app', [...profileArgs, '--import', 'tsx', 'server.ts'], { ...env, PORT: String(APP_PORT) }),
    );
    children.push(
      start('raw', ['--import', 'tsx', 'bench/raw-server.ts'], { ...env, PORT: String(RAW_PORT) }),
    );
    await waitFor(`http://127.0.0.1:${APP_PORT}/healthz`);
    await waitFor(`http://127.0.0.1:${RAW_PORT}/healthz`);

    const app = `http://127.0.0.1:${APP_PORT}`;
    const raw = `http://127.0.0.1:${RAW_PORT}`;
    const headers = { cookie };
    const batch = JSON.stringify({
      events: Array.from({ length: 1000 }, (_, i) => ({
        eventType: `bench.e${i % 5}`,
        quantity: 1 + (i % 3),
      })),
    });
    const post = (k: string) => ({
      method: 'POST' as const,
      headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
      body: batch,
    });
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      organization_id: organization.id,
      event_type: `bench.e${i % 5}`,
      quantity: 1 + (i % 3),
    }));
    const direct = postgres(url, { max: 4, onnotice: () => {} });

    const statements = await statementsPerRequest(db, dbName, `${app}/o/${organization.slug}`, cookie);

    // Warm up every path once (JIT, prepared statements, pools).
    await rps(`${app}/o/${organization.slug}`, { headers, duration: 1 });
    await rps(`${app}/pricing`, { duration: 1 });
    await rps(`${raw}/o/${organization.slug}`, { headers, duration: 1 });

    if (profile) {
      const r = await rps(`${app}/o/${organization.slug}`, { headers, duration: SECONDS * ROUNDS });
      console.log(`dashboard under the profiler: ${r.toFixed(0)} req/s; profile in ${profile}`);
      return;
    }
    const samples: Record<string, number[]> = {};
    const add = (k: string, v: number) => {
      samples[k] ??= [];
      samples[k].push(v);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`== round ${round}/${ROUNDS}`);
      add('dashboard', await rps(`${app}/o/${organization.slug}`, { headers }));
      add('pricing', await rps(`${app}/pricing`));
      add('raw dashboard', await rps(`${raw}/o/${organization.slug}`, { headers }));
      add('healthz', await rps(`${app}/healthz`));
      add('raw healthz', await rps(`${raw}/healthz`));
      // Ingestion: 4 clients, batches of 1,000 events.
      add(
        'ingest',
        1000 * (await rps(`${app}/api/v1/orgs/${organization.slug}/usage`, { ...post(key), connections: 4 })),
      );
      let inserted = 0;
      const until = Date.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (Date.now() < until) {
            await direct`INSERT INTO usage_events ${direct(rows, 'organization_id', 'event_type', 'quantity')}`;
            inserted += rows.length;
          }
        }),
      );
      add('raw ingest', inserted / SECONDS);
      // Latency of one batch, one client: a month holding 1M api.call events vs an empty one.
      const latency = async (slug: string, k: string) => {
        const r = await autocannon({
          url: `${app}/api/v1/orgs/${slug}/usage`,
          connections: 1,
          duration: SECONDS,
          ...post(k),
        });
        return r.latency.p50;
      };
      add('latency full', await latency(full.organization.slug, fullKey));
      add('latency empty', await latency(organization.slug, key));
    }
    await direct.end({ timeout: 2 });

    const m = (k: string) => median(samples[k] ?? [0]);
    const ratio = (a: number, b: number) => (b ? a / b : 0).toFixed(2);
    const rowsOut = [
      ['SQL statements per signed-in /o/:slug page (pg_stat_database)', statements.toFixed(1), '', '≤ 4'],
      [
        'dashboard ÷ /pricing (req/s)',
        `${m('dashboard').toFixed(0)} ÷ ${m('pricing').toFixed(0)}`,
        ratio(m('dashboard'), m('pricing')),
        '≥ 0.8',
      ],
      [
        'dashboard ÷ raw node:http + postgres.js (req/s)',
        `${m('dashboard').toFixed(0)} ÷ ${m('raw dashboard').toFixed(0)}`,
        ratio(m('dashboard'), m('raw dashboard')),
        'report',
      ],
      [
        '/healthz ÷ bare node:http (req/s)',
        `${m('healthz').toFixed(0)} ÷ ${m('raw healthz').toFixed(0)}`,
        ratio(m('healthz'), m('raw healthz')),
        '≥ 0.3',
      ],
      [
        'ingestion ÷ straight postgres.js (events/s)',
        `${m('ingest').toFixed(0)} ÷ ${m('raw ingest').toFixed(0)}`,
        ratio(m('ingest'), m('raw ingest')),
        '≥ 0.6',
      ],
      [
        'batch latency, 1M events in month ÷ empty (p50 ms)',
        `${m('latency full')} ÷ ${m('latency empty')}`,
        ratio(m('latency full'), m('latency empty')),
        '≤ 1.2',
      ],
    ];
    console.log(
      `\n${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections, medians; ${new Date().toISOString().slice(0, 10)}\n`,
    );
    console.log('| measure | figures | ratio | goal |\n| --- | --- | --- | --- |');
    for (const r of rowsOut) console.log(`| ${r.join(' | ')} |`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await conn.close();
    await dropDatabase(dbName);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
