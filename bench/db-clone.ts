// `npm run bench:db`: how long it takes to give a test its own migrated database —
// cloning the template (what the test harness does) vs migrating from scratch, on PostgreSQL and PGlite.
import { performance } from 'node:perf_hooks';
import { connectPglite, connectPostgres } from '../db/client.server';
import { migrate } from '../db/migrate';
import { seedBaseline } from '../db/seed';
import {
  adminClient,
  cloneTemplate,
  databaseUrl,
  dropDatabase,
  ensureTemplate,
  postgresReachable,
} from '../tests/support/pg';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(0).padStart(5)} ms   mean ${mean.toFixed(0).padStart(5)} ms   min ${sorted[0]?.toFixed(0).padStart(5)} ms   max ${sorted.at(-1)?.toFixed(0).padStart(5)} ms`;
}

async function time(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main() {
  console.log(`rounds: ${ROUNDS}`);
  if (await postgresReachable()) {
    const template = await ensureTemplate();
    const clone: number[] = [];
    const scratch: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let name = '';
      clone.push(
        await time(async () => {
          name = await cloneTemplate(template);
        }),
      );
      await dropDatabase(name);

      const fresh = `saas_bench_${process.pid}_${i}`;
      scratch.push(
        await time(async () => {
          const admin = adminClient();
          await admin.unsafe(`CREATE DATABASE ${fresh}`);
          await admin.end();
          const conn = connectPostgres(databaseUrl(fresh), { max: 1 });
          await migrate(conn.db);
          await seedBaseline(conn.db);
          await conn.close();
        }),
      );
      await dropDatabase(fresh);
    }
    console.log(`postgres  clone template        ${stats(clone)}`);
    console.log(`postgres  create + migrate      ${stats(scratch)}`);
    const ratio = (scratch.reduce((a, b) => a + b) / clone.reduce((a, b) => a + b)).toFixed(1);
    console.log(`postgres  cloning is ${ratio}x faster`);
  } else {
    console.log('postgres  not reachable: skipped');
  }

  const pglite: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    pglite.push(
      await time(async () => {
        const conn = await connectPglite();
        await migrate(conn.db);
        await seedBaseline(conn.db);
        await conn.close();
      }),
    );
  }
  console.log(`pglite    in-memory + migrate   ${stats(pglite)}`);
}

await main();
