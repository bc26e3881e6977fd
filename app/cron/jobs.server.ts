// The closed list of cron jobs served at POST /cron/<job>. subscription-maintenance, billing-run,
// usage-rollup and analytics-rollup (SPEC §8) join this list when their domains exist.
import { cleanupStaleSessions, cleanupTokens } from './cleanup.server';
import { expireInvitations } from './expire-invitations.server';
import { sendEmails } from './send-emails.server';
import type { CronJob } from './types';

export const cronJobs = {
  'cleanup-tokens': cleanupTokens,
  'cleanup-stale-sessions': cleanupStaleSessions,
  'expire-invitations': expireInvitations,
  'send-emails': sendEmails,
} as const satisfies Record<string, CronJob>;

export type CronJobName = keyof typeof cronJobs;

/** The job of that name, or undefined (own keys only: "constructor" is not a job). */
export function findCronJob(name: string | undefined): CronJob | undefined {
  return name !== undefined && Object.hasOwn(cronJobs, name) ? cronJobs[name as CronJobName] : undefined;
}
