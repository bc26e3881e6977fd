// Exactly-once cron runs across any number of app instances (SPEC §8). Starting a run is an INSERT of a
// RUNNING cron_runs row: the partial unique index cron_runs_running_job_key (job) WHERE status = 'RUNNING'
// makes a concurrent second start fail with 23505, so it is skipped. No session-level advisory locks: they
// leak through connection pools. A crashed run's RUNNING row is released by its lease.
import { and, eq, lt } from 'drizzle-orm';
import { type Database, isUniqueViolation } from '~db/client.server';
import { cronRuns } from '~db/schema';
import type { CronCounts, CronJob } from './types';

export const DEFAULT_LEASE_SECONDS = 15 * 60;
export const LEASE_EXPIRED = 'lease expired';

export type CronRunResult =
  | { status: 'succeeded'; runId: string; counts: CronCounts }
  | { status: 'skipped' };

export interface CronRunOptions {
  /** The run's clock (tests move it); defaults to the real time. */
  now?: Date;
  leaseSeconds?: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 2000);

/**
 * Runs `job` unless another run of it holds a live lease. Pass the database, not a transaction: the
 * start is a statement of its own (a 23505 inside a transaction would abort it), and so is the finish.
 * A failing job marks its run FAILED with the error and rethrows.
 */
export async function runCronJob(
  db: Database,
  job: CronJob,
  options: CronRunOptions = {},
): Promise<CronRunResult> {
  const clock = () => options.now ?? new Date();
  const now = clock();
  const leaseSeconds = options.leaseSeconds ?? job.leaseSeconds ?? DEFAULT_LEASE_SECONDS;

  // A RUNNING row past its lease belongs to a run that crashed or hung: release the job.
  await db
    .update(cronRuns)
    .set({ status: 'FAILED', error: LEASE_EXPIRED, finishedAt: now })
    .where(and(eq(cronRuns.job, job.name), eq(cronRuns.status, 'RUNNING'), lt(cronRuns.leaseExpiresAt, now)));

  let runId: string;
  try {
    const [row] = await db
      .insert(cronRuns)
      .values({
        job: job.name,
        status: 'RUNNING',
        startedAt: now,
        leaseExpiresAt: new Date(now.getTime() + leaseSeconds * 1000),
      })
      .returning({ id: cronRuns.id });
    if (!row) throw new Error('cron_runs insert returned nothing');
    runId = row.id;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Another instance holds the job. The SKIPPED row makes overlaps visible in the run history.
    await db.insert(cronRuns).values({ job: job.name, status: 'SKIPPED', startedAt: now, finishedAt: now });
    return { status: 'skipped' };
  }

  let counts: CronCounts;
  try {
    counts = await job.run(db, { now });
  } catch (err) {
    await db
      .update(cronRuns)
      .set({ status: 'FAILED', error: errorText(err), finishedAt: clock() })
      .where(and(eq(cronRuns.id, runId), eq(cronRuns.status, 'RUNNING')));
    throw err;
  }

  // Guarded by status: a run that outlived its lease was already marked FAILED and another run may have
  // started; its row keeps saying so (its work is committed either way, every job being idempotent).
  const finished = await db
    .update(cronRuns)
    .set({ status: 'SUCCEEDED', counts, finishedAt: clock() })
    .where(and(eq(cronRuns.id, runId), eq(cronRuns.status, 'RUNNING')))
    .returning({ id: cronRuns.id });
  if (finished.length === 0) {
    console.warn(`[cron] ${job.name}: run ${runId} finished after its lease expired`);
  }
  return { status: 'succeeded', runId, counts };
}
