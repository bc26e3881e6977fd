// What a cron job is (SPEC §8): a name from the closed list and a set-based run that answers counts.
import type { Database } from '~db/client.server';

export interface CronContext {
  /** The run's clock: every "expired before now" comparison of the run uses this one instant. */
  now: Date;
}

/** JSON counts of what a run changed; a second run right after answers zeros. */
export type CronCounts = Record<string, number>;

export interface CronJob {
  name: string;
  /** Leases longer than the default, for jobs that may legitimately run long. */
  leaseSeconds?: number;
  run(db: Database, context: CronContext): Promise<CronCounts>;
}
