// `npm run bench:jobs`: every cron job at 10k and 100k organizations, against hand-written SQL doing the
// same work (bench/jobs/baseline.ts) on an identical copy of the data, with the Node process's peak RSS.
// Each scale runs in a child process (so its RSS is its own): it clones the test template into a scratch
// database, fills it (bench/jobs/generate.ts), then for every job and round clones that database twice
// (CREATE DATABASE … TEMPLATE, STRATEGY FILE_COPY) and times `job.run(db, { now })` on one copy and the
// baseline on the other, alternating which goes first. Scratch databases are dropped at the end.
// Never a test; CI does not run it.
//
//   BENCH_JOBS_SCALES (10000,100000)  BENCH_ROUNDS (3, the median is shown)  BENCH_EMAILS (10)
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql as dsql } from 'drizzle-orm';
import postgres from 'postgres';
import { cronJobs } from '../../app/cron/jobs.server';
import { consoleTransport, setTransport } from '../../app/email/mailer.server';
import { queueEmail } from '../../app/email/outbox.server';
import { connectPostgres } from '../../db/client.server';
import {
  adminClient,
  databaseUrl,
  dropDatabase,
  ensureTemplate,
  postgresReachable,
} from '../../tests/support/pg';
import { baselines } from './baseline';
import { clockAt, generate } from './generate';

const SCALES = (process.env.BENCH_JOBS_SCALES ?? '10000,100000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EMAILS = Number(process.env.BENCH_EMAILS ?? 10);

interface JobFigure {
  job: string;
  rows: number;
  appMs: number;
  handMs: number;
  rssMb: number;
}
interface ScaleResult {
  orgs: number;
  generationSec: number;
  databaseMb: number;
  maxRssMb: number;
  jobs: JobFigure[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mb = (bytes: number) => bytes / 1024 / 1024;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function cloneOf(source: string, name: string) {
  const admin = adminClient();
  try {
    // FILE_COPY: copying the files is far quicker than WAL-logging a copy of a large database.
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${source} STRATEGY FILE_COPY`);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Peak RSS while `fn` runs, sampled every 5 ms (the job awaits the database, so the timer gets turns). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peak };
  } finally {
    clearInterval(timer);
  }
}

async function measureScale(orgs: number): Promise<ScaleResult> {
  // The console mailer, its output dropped by the parent (it would bury the table).
  setTransport(consoleTransport);
  const template = await ensureTemplate();
  const source = `saas_bench_jobs_${process.pid}`;
  await dropDatabase(source);
  await cloneOf(template, source);
  const clock = clockAt(new Date());
  const { now } = clock;
  try {
    log(`[bench:jobs] ${orgs.toLocaleString('en-US')} organizations: generating`);
    const started = performance.now();
    const gen = postgres(databaseUrl(source), { max: 1, onnotice: () => {} });
    await generate(gen, orgs, clock, log);
    const app = connectPostgres(databaseUrl(source), { max: 1 });
    for (let i = 0; i < EMAILS; i++) {
      await queueEmail(app.db, {
        to: `user${i + 1}@bench.test`,
        template: 'verify-email',
        data: { name: `User ${i + 1}` },
        link: `http://localhost:3000/verify-email?token=bench${i}`,
      });
    }
    // Due before the run's clock (queueEmail stamps the real time).
    await app.db.execute(
      dsql`UPDATE email_logs SET next_attempt_at = ${new Date(now.getTime() - 60_000).toISOString()}::timestamptz WHERE status = 'QUEUED'`,
    );
    await app.close();
    const [size] = await gen<{ bytes: string }[]>`SELECT pg_database_size(current_database())::text AS bytes`;
    await gen.end();
    const generationSec = (performance.now() - started) / 1000;
    log(
      `[bench:jobs]   generated in ${generationSec.toFixed(0)} s, ${mb(Number(size?.bytes)).toFixed(0)} MB`,
    );

    const jobs: JobFigure[] = [];
    for (const job of Object.values(cronJobs)) {
      const baseline = baselines[job.name];
      if (!baseline) throw new Error(`no baseline for ${job.name}`);
      const app: number[] = [];
      const hand: number[] = [];
      let peak = 0;
      let rows = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const sides = round % 2 === 0 ? (['app', 'hand'] as const) : (['hand', 'app'] as const);
        for (const side of sides) {
          const copy = `${source}_copy`;
          await cloneOf(source, copy);
          try {
            if (side === 'app') {
              const conn = connectPostgres(databaseUrl(copy), { max: 2 });
              await conn.db.execute(dsql`SELECT 1`);
              const t0 = performance.now();
              const { value: counts, peak: p } = await withPeakRss(() => job.run(conn.db, { now }));
              app.push(performance.now() - t0);
              peak = Math.max(peak, p);
              await conn.close();
              const total = Object.values(counts).reduce((a, b) => a + b, 0);
              if (rows && total !== rows)
                throw new Error(`${job.name}: ${total} rows, the other copy ${rows}`);
              rows = total;
            } else {
              const conn = postgres(databaseUrl(copy), { max: 1, onnotice: () => {} });
              await conn`SELECT 1`;
              const t0 = performance.now();
              const total = await baseline(conn, now);
              hand.push(performance.now() - t0);
              await conn.end();
              if (rows && total !== rows)
                throw new Error(`${job.name}: hand SQL changed ${total} rows, the job ${rows}`);
              rows = total;
            }
          } finally {
            await dropDatabase(copy);
          }
        }
      }
      const figure = { job: job.name, rows, appMs: median(app), handMs: median(hand), rssMb: mb(peak) };
      log(
        `[bench:jobs]   ${job.name.padEnd(24)} rows ${rows}  app ${figure.appMs.toFixed(1)} ms  hand ${figure.handMs.toFixed(1)} ms`,
      );
      jobs.push(figure);
    }
    return {
      orgs,
      generationSec,
      databaseMb: mb(Number(size?.bytes)),
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      jobs,
    };
  } finally {
    await dropDatabase(source);
  }
}

function runScale(orgs: number): Promise<ScaleResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--scale', String(orgs)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: ScaleResult | undefined;
    child.on('message', (m) => {
      result = m as ScaleResult;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`scale ${orgs} exited ${code} without figures`)),
    );
  });
}

function printTable(results: ScaleResult[]) {
  const header = ['job', 'orgs', 'rows', 'app ms', 'hand-SQL ms', 'ratio', 'peak RSS MB'];
  const lines: string[][] = [];
  for (const job of Object.keys(cronJobs)) {
    for (const r of results) {
      const f = r.jobs.find((j) => j.job === job);
      if (!f) continue;
      lines.push([
        job,
        r.orgs.toLocaleString('en-US'),
        f.rows.toLocaleString('en-US'),
        f.appMs.toFixed(1),
        f.handMs.toFixed(1),
        `${(f.appMs / f.handMs).toFixed(2)}x`,
        f.rssMb.toFixed(0),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(row(l));
  console.log('');
  for (const r of results) {
    console.log(
      `${r.orgs.toLocaleString('en-US')} organizations: generated in ${r.generationSec.toFixed(0)} s, database ${r.databaseMb.toFixed(0)} MB, child process max RSS ${r.maxRssMb.toFixed(0)} MB`,
    );
  }
}

if (process.argv[2] === '--scale') {
  const result = await measureScale(Number(process.argv[3]));
  process.send?.(result);
  process.disconnect?.();
} else {
  if (!(await postgresReachable())) {
    console.log('bench:jobs needs PostgreSQL (TEST_DATABASE_URL): not reachable');
    process.exit(1);
  }
  console.log(`bench:jobs  rounds ${ROUNDS} (median)  scales ${SCALES.join(', ')}  emails ${EMAILS}`);
  const results: ScaleResult[] = [];
  for (const orgs of SCALES) results.push(await runScale(orgs));
  printTable(results);
}
