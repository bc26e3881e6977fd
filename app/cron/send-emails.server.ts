// send-emails (SPEC §8, seed 002): delivers the outbox through deliverDueEmails (app/email/outbox.server.ts),
// which claims due rows with FOR UPDATE SKIP LOCKED, retries with exponential backoff and gives up
// (FAILED, template_data cleared) after MAX_ATTEMPTS. This job adds the batching and the recovery of rows
// that a crashed delivery left in SENDING.
import { sql } from 'drizzle-orm';
import { deliverDueEmails, MAX_ATTEMPTS } from '~/email/outbox.server';
import { rowsOf } from '~db/client.server';
import type { CronJob } from './types';

const BATCH_SIZE = 50;
/** Bounds one run well inside its lease; what is left is due for the next run. */
const MAX_BATCHES = 20;
/** Longer than any SMTP send (nodemailer's socket timeout is 10 minutes). */
export const STUCK_SENDING_MS = 30 * 60_000;
export const INTERRUPTED = 'delivery interrupted (stuck in SENDING)';

export const sendEmails: CronJob = {
  name: 'send-emails',
  async run(db, { now }) {
    const at = now.toISOString();
    const stuckBefore = new Date(now.getTime() - STUCK_SENDING_MS).toISOString();
    // The attempt was counted when the row was claimed, so a stuck row that used its last attempt gives up.
    const [recovered] = rowsOf<{ requeued: number; gaveUp: number }>(
      await db.execute(sql`
        WITH stuck AS (
          UPDATE email_logs SET
            status = CASE WHEN attempts >= ${MAX_ATTEMPTS} THEN 'FAILED'::email_status ELSE 'QUEUED'::email_status END,
            template_data = CASE WHEN attempts >= ${MAX_ATTEMPTS} THEN NULL ELSE template_data END,
            next_attempt_at = ${at}::timestamptz,
            last_error = ${INTERRUPTED}
          WHERE status = 'SENDING' AND updated_at < ${stuckBefore}::timestamptz
          RETURNING status
        )
        SELECT count(*) FILTER (WHERE status = 'QUEUED')::int AS "requeued",
               count(*) FILTER (WHERE status = 'FAILED')::int AS "gaveUp"
        FROM stuck`),
    );
    const counts = {
      sent: 0,
      retried: 0,
      failed: recovered?.gaveUp ?? 0,
      requeued: recovered?.requeued ?? 0,
    };
    // Rows retried in this run are due after `now`, so the loop never sends one twice.
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const result = await deliverDueEmails(db, { limit: BATCH_SIZE, now });
      counts.sent += result.sent;
      counts.retried += result.retried;
      counts.failed += result.failed;
      if (result.claimed < BATCH_SIZE) break;
    }
    return counts;
  },
};
