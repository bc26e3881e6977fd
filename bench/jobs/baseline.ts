// The hand-written baseline of `npm run bench:jobs`: for each cron job, the straightforward set-based SQL
// a person would type to do the same work, with no application around it. Each returns the number of rows
// it changed, which must equal the job's own count (the bench checks it: same work, not just same speed).
import type postgres from 'postgres';
import { consoleTransport } from '../../app/email/mailer.server';
import { decryptLink } from '../../app/email/outbox.server';
import { renderEmail, type TemplateName } from '../../app/email/templates.server';

type Baseline = (sql: postgres.Sql, now: Date) => Promise<number>;

const count = (r: { count: number }) => Number(r.count);

export const baselines: Record<string, Baseline> = {
  'cleanup-tokens': (sql, now) =>
    sql.begin(async (tx) => {
      const at = now.toISOString();
      const bucketsBefore = new Date(now.getTime() - 60 * 60_000).toISOString();
      let n = 0;
      n += count(await tx.unsafe('DELETE FROM token_blacklist WHERE expires_at < $1', [at]));
      n += count(await tx.unsafe('DELETE FROM sessions WHERE expires_at < $1', [at]));
      n += count(await tx.unsafe('DELETE FROM refresh_tokens WHERE expires_at < $1', [at]));
      n += count(await tx.unsafe('DELETE FROM verifications WHERE expires_at < $1', [at]));
      n += count(await tx.unsafe('DELETE FROM rate_limits WHERE window_start < $1', [bucketsBefore]));
      return n;
    }),

  'cleanup-stale-sessions': async (sql, now) => {
    const cutoff = new Date(now.getTime() - 90 * 86_400_000).toISOString();
    return count(await sql.unsafe('DELETE FROM sessions WHERE last_used_at < $1', [cutoff]));
  },

  'expire-invitations': async (sql, now) =>
    count(
      await sql.unsafe(
        `WITH expired AS (
           UPDATE invitations SET status = 'EXPIRED' WHERE status = 'PENDING' AND expires_at <= $1
           RETURNING id, organization_id, email, role, expires_at
         )
         INSERT INTO audit_logs (actor_type, organization_id, action, entity_type, entity_id, old_values, new_values, metadata)
         SELECT 'SYSTEM', organization_id, 'invitation.expired', 'invitation', id,
                jsonb_build_object('status', 'PENDING', 'expiresAt', expires_at), jsonb_build_object('status', 'EXPIRED'),
                jsonb_build_object('job', 'expire-invitations', 'email', email, 'role', role)
           FROM expired`,
        [now.toISOString()],
      ),
    ),

  // Overwrite the month's counters from the events where they differ, then copy them to the subscriptions
  // where they differ. (No counter without events and no subscription without usage in the data set, so
  // the zeroing the job also does is left out: it costs the job, not the baseline.)
  'usage-rollup': (sql, now) =>
    sql.begin(async (tx) => {
      const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
      const month = from.toISOString().slice(0, 10);
      const counters = await tx.unsafe(
        `INSERT INTO usage_counters (organization_id, month, event_type, quantity, events)
         SELECT organization_id, $3::date, event_type, sum(quantity), count(*)
           FROM usage_events WHERE "timestamp" >= $1 AND "timestamp" < $2
          GROUP BY organization_id, event_type
         ON CONFLICT (organization_id, month, event_type) DO UPDATE
           SET quantity = EXCLUDED.quantity, events = EXCLUDED.events
         WHERE (usage_counters.quantity, usage_counters.events) IS DISTINCT FROM (EXCLUDED.quantity, EXCLUDED.events)`,
        [from.toISOString(), to.toISOString(), month],
      );
      const subscriptions = await tx.unsafe(
        `UPDATE subscriptions s SET current_period_usage = u.usage
           FROM (SELECT organization_id, jsonb_object_agg(event_type, quantity) AS usage
                   FROM usage_counters WHERE month = $1::date AND quantity > 0 GROUP BY organization_id) u
          WHERE u.organization_id = s.organization_id AND s.current_period_usage IS DISTINCT FROM u.usage`,
        [month],
      );
      return count(counters) + count(subscriptions);
    }),

  // Claim and mark every due email in one statement, then hand each to the same console mailer.
  'send-emails': async (sql, now) => {
    const due = await sql.unsafe<
      { to: string; template: string; template_data: Record<string, unknown> | null }[]
    >(
      `WITH due AS (
         SELECT id, template_data FROM email_logs WHERE status = 'QUEUED' AND next_attempt_at <= $1
          ORDER BY next_attempt_at, id LIMIT 1000 FOR UPDATE SKIP LOCKED
       )
       UPDATE email_logs e SET status = 'SENT', attempts = attempts + 1, sent_at = now(), template_data = NULL
         FROM due WHERE e.id = due.id
       RETURNING e."to", e.template, due.template_data`,
      [now.toISOString()],
    );
    for (const email of due) {
      const link = decryptLink(email.template_data);
      const rendered = renderEmail(email.template as TemplateName, {
        ...email.template_data,
        link: link ?? undefined,
      });
      await consoleTransport.send({ ...rendered, to: email.to, from: 'bench@localhost' });
    }
    return due.length;
  },
};
