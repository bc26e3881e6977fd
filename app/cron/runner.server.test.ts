// SPEC §8 exactly-once: a RUNNING cron_runs row per job (partial unique index), leases, failures.
import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { connectPostgres } from '~db/client.server';
import { cronRuns } from '~db/schema';
import { itConcurrent, useTestDatabase } from '../../tests/support/db';
import { LEASE_EXPIRED, runCronJob } from './runner.server';
import { at, minutes, uid } from './test-factories';
import type { CronJob } from './types';

const t = useTestDatabase();

const runsOf = (job: string) =>
  t.db
    .select()
    .from(cronRuns)
    .where(eq(cronRuns.job, job))
    .orderBy(asc(cronRuns.startedAt), asc(cronRuns.id));

/** A job whose body waits until released: lets a test hold the job while it starts another run. */
function heldJob(name = `test-held-${uid()}`) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const job = {
    name,
    bodies: 0,
    async run() {
      job.bodies++;
      await gate;
      return { done: 1 };
    },
  };
  return { job, release };
}

describe('runCronJob', () => {
  it('records a RUNNING row with a lease, then SUCCEEDED with finished_at and the counts', async () => {
    const name = `test-ok-${uid()}`;
    let during: unknown;
    const job: CronJob = {
      name,
      async run() {
        [during] = await runsOf(name);
        return { rows: 3 };
      },
    };
    const now = new Date();
    const result = await runCronJob(t.db, job, { now, leaseSeconds: 60 });
    expect(result).toMatchObject({ status: 'succeeded', counts: { rows: 3 } });
    expect(during).toMatchObject({ status: 'RUNNING', leaseExpiresAt: at(60_000, now.getTime()) });
    const [run] = await runsOf(name);
    expect(run).toMatchObject({ status: 'SUCCEEDED', counts: { rows: 3 }, error: null, startedAt: now });
    expect(run?.finishedAt).toBeInstanceOf(Date);
    if (result.status === 'succeeded') expect(result.runId).toBe(run?.id);
  });

  it('a start while another run holds a live lease is skipped: the body does not run, a SKIPPED row is kept', async () => {
    const { job, release } = heldJob();
    const first = runCronJob(t.db, job);
    await expect.poll(() => job.bodies).toBe(1);
    expect(await runCronJob(t.db, job)).toEqual({ status: 'skipped' });
    expect(job.bodies).toBe(1);
    release();
    expect(await first).toMatchObject({ status: 'succeeded' });
    expect((await runsOf(job.name)).map((r) => r.status).sort()).toEqual(['SKIPPED', 'SUCCEEDED']);
    // Released: the next start runs.
    expect(await runCronJob(t.db, { name: job.name, run: async () => ({}) })).toMatchObject({
      status: 'succeeded',
    });
  });

  it('a RUNNING row past its lease is marked FAILED ("lease expired") and a new run starts', async () => {
    const name = `test-lease-${uid()}`;
    const [stale] = await t.db
      .insert(cronRuns)
      .values({ job: name, status: 'RUNNING', startedAt: at(-minutes(30)), leaseExpiresAt: at(-minutes(15)) })
      .returning();
    const result = await runCronJob(t.db, { name, run: async () => ({ n: 1 }) });
    expect(result).toMatchObject({ status: 'succeeded' });
    const runs = await runsOf(name);
    expect(runs.find((r) => r.id === stale!.id)).toMatchObject({ status: 'FAILED', error: LEASE_EXPIRED });
    expect(runs.find((r) => r.id !== stale!.id)).toMatchObject({ status: 'SUCCEEDED', counts: { n: 1 } });
  });

  it('a RUNNING row whose lease has not expired yet is left alone (skipped), and expires at `now` past it', async () => {
    const name = `test-live-lease-${uid()}`;
    const leaseExpiresAt = at(minutes(10));
    await t.db.insert(cronRuns).values({ job: name, status: 'RUNNING', leaseExpiresAt });
    expect(await runCronJob(t.db, { name, run: async () => ({}) })).toEqual({ status: 'skipped' });
    expect(await runsOf(name)).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'RUNNING', leaseExpiresAt })]),
    );
    const later = at(minutes(11));
    expect(await runCronJob(t.db, { name, run: async () => ({}) }, { now: later })).toMatchObject({
      status: 'succeeded',
    });
    const statuses = (await runsOf(name)).map((r) => r.status).sort();
    expect(statuses).toEqual(['FAILED', 'SKIPPED', 'SUCCEEDED']);
  });

  it('a run that outlives its lease keeps the FAILED mark when it finishes late', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { job, release } = heldJob();
    const slow = runCronJob(t.db, job, { leaseSeconds: 1 });
    await expect.poll(() => job.bodies).toBe(1);
    // Another instance, two seconds later by its clock, takes over the job.
    const takeover = await runCronJob(
      t.db,
      { name: job.name, run: async () => ({ n: 2 }) },
      { now: at(2000) },
    );
    expect(takeover).toMatchObject({ status: 'succeeded' });
    release();
    await slow;
    const runs = await runsOf(job.name);
    expect(runs.map((r) => [r.status, r.error])).toEqual([
      ['FAILED', LEASE_EXPIRED],
      ['SUCCEEDED', null],
    ]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('a failing job marks its run FAILED with the error and rethrows; the job is free again', async () => {
    const name = `test-fail-${uid()}`;
    const failing: CronJob = {
      name,
      run: async () => {
        throw new Error('smtp exploded');
      },
    };
    await expect(runCronJob(t.db, failing)).rejects.toThrow('smtp exploded');
    const [run] = await runsOf(name);
    expect(run).toMatchObject({ status: 'FAILED', error: 'smtp exploded', counts: null });
    expect(run?.finishedAt).toBeInstanceOf(Date);
    expect(await runCronJob(t.db, { name, run: async () => ({}) })).toMatchObject({ status: 'succeeded' });
    const running = await t.db
      .select()
      .from(cronRuns)
      .where(and(eq(cronRuns.job, name), eq(cronRuns.status, 'RUNNING')));
    expect(running).toEqual([]);
  });
});

describe('exactly once across instances (two connections)', () => {
  itConcurrent('two concurrent starts on two connections: one runs, the other answers skipped', async () => {
    const other = connectPostgres(t.url!, { max: 2 });
    try {
      const { job, release } = heldJob();
      const a = runCronJob(t.db, job);
      const b = runCronJob(other.db, job);
      // The loser answers while the winner is still inside its body.
      expect(await Promise.race([a, b])).toEqual({ status: 'skipped' });
      release();
      const results = await Promise.all([a, b]);
      expect(results.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
      expect(job.bodies).toBe(1);
      expect((await runsOf(job.name)).map((r) => r.status).sort()).toEqual(['SKIPPED', 'SUCCEEDED']);
    } finally {
      await other.close();
    }
  });

  itConcurrent('eight starts racing on two pools: the body runs exactly once', async () => {
    const other = connectPostgres(t.url!, { max: 4 });
    try {
      const name = `test-race-${uid()}`;
      let bodies = 0;
      const job: CronJob = {
        name,
        async run() {
          bodies++;
          await new Promise((resolve) => setTimeout(resolve, 200));
          return { bodies };
        },
      };
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => runCronJob(i % 2 ? other.db : t.db, job)),
      );
      expect(bodies).toBe(1);
      expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'skipped')).toHaveLength(7);
    } finally {
      await other.close();
    }
  });
});
