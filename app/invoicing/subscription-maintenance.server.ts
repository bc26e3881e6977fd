// POST /cron/subscription-maintenance (SPEC §8, seeds 000 and 001), for rows without a Stripe subscription
// only (Stripe's own rows change through its webhooks). Set-based and idempotent:
//  1. trials past trial_end, and cancellations at period end past current_period_end, switch the same row
//     to the free plan (SPEC §6: ACTIVE, no period end), audited;
//  2. enabled modules above the plan's limit are disabled, most recently enabled first, audited;
//  3. one "trial ends in 3 days" email per trial (trial_reminder_sent_at is the claim).
import { sql } from 'drizzle-orm';
import type { CronJob } from '~/cron/types';
import { deliverSoon, queueEmail } from '~/email/outbox.server';
import { rowsOf } from '~db/client.server';
import { billingContacts, billingPageUrl } from './notify.server';

export const subscriptionMaintenance: CronJob = {
  name: 'subscription-maintenance',
  async run(db, { now }) {
    const at = now.toISOString();
    const { counts, emailIds } = await db.transaction(async (tx) => {
      const ended = rowsOf<{ reason: string }>(
        await tx.execute(sql`
          WITH free AS (SELECT id FROM plans WHERE key = 'free' AND deleted_at IS NULL LIMIT 1),
          ending AS (
            SELECT s.id, s.organization_id, p.key AS plan_key, s.status,
                   CASE WHEN s.status = 'TRIALING' AND s.trial_end <= ${at}::timestamptz THEN 'trial_ended'
                        ELSE 'canceled_at_period_end' END AS reason
              FROM subscriptions s JOIN plans p ON p.id = s.plan_id
             WHERE s.stripe_subscription_id IS NULL
               AND ((s.status = 'TRIALING' AND s.trial_end <= ${at}::timestamptz)
                 OR (s.cancel_at_period_end AND s.current_period_end <= ${at}::timestamptz))
             FOR UPDATE OF s
          ), switched AS (
            UPDATE subscriptions s
               SET plan_id = (SELECT id FROM free), status = 'ACTIVE', current_period_start = ${at}::timestamptz,
                   current_period_end = NULL, cancel_at_period_end = false,
                   canceled_at = coalesce(s.canceled_at, ${at}::timestamptz)
              FROM ending e
             WHERE s.id = e.id AND EXISTS (SELECT 1 FROM free)
            RETURNING s.id
          ), audit AS (
            INSERT INTO audit_logs (actor_type, organization_id, action, entity_type, entity_id, old_values, new_values, metadata)
            SELECT 'SYSTEM', e.organization_id, 'subscription.ended', 'subscription', e.id,
                   jsonb_build_object('plan', e.plan_key, 'status', e.status),
                   jsonb_build_object('plan', 'free', 'status', 'ACTIVE'),
                   jsonb_build_object('reason', e.reason)
              FROM ending e JOIN switched w ON w.id = e.id
          ) SELECT e.reason FROM ending e JOIN switched w ON w.id = e.id`),
      );
      // Modules over the limit of each local subscription's plan, newest first (null limit = unlimited).
      const disabled = rowsOf<{ n: number }>(
        await tx.execute(sql`
          WITH ranked AS (
            SELECT m.id, m.organization_id, m.module_key, (p.limits ->> 'modules')::int AS lim,
                   row_number() OVER (PARTITION BY m.organization_id ORDER BY m.enabled_at, m.id) AS n
              FROM organization_modules m
              JOIN subscriptions s ON s.organization_id = m.organization_id AND s.stripe_subscription_id IS NULL
              JOIN plans p ON p.id = s.plan_id
             WHERE m.is_enabled AND jsonb_typeof(p.limits -> 'modules') = 'number'
          ), off AS (
            UPDATE organization_modules m
               SET is_enabled = false, disabled_at = ${at}::timestamptz, disabled_by = NULL
              FROM ranked r
             WHERE m.id = r.id AND r.n > r.lim
            RETURNING m.id, m.organization_id, m.module_key
          ), audit AS (
            INSERT INTO audit_logs (actor_type, organization_id, action, entity_type, entity_id, old_values, new_values, metadata)
            SELECT 'SYSTEM', organization_id, 'module.disabled', 'organization_module', id,
                   jsonb_build_object('moduleKey', module_key, 'isEnabled', true),
                   jsonb_build_object('moduleKey', module_key, 'isEnabled', false),
                   jsonb_build_object('reason', 'over_plan_limit')
              FROM off
          ) SELECT count(*)::int AS n FROM off`),
      );
      const reminders = rowsOf<{
        id: string;
        organization_id: string;
        trial_end: string;
        name: string;
        slug: string;
      }>(
        await tx.execute(sql`
          UPDATE subscriptions s SET trial_reminder_sent_at = ${at}::timestamptz
            FROM organizations o
           WHERE o.id = s.organization_id AND s.stripe_subscription_id IS NULL AND s.status = 'TRIALING'
             AND s.trial_reminder_sent_at IS NULL
             AND s.trial_end > ${at}::timestamptz AND s.trial_end <= ${at}::timestamptz + interval '3 days'
          RETURNING s.id, s.organization_id, s.trial_end, o.name, o.slug`),
      );
      const emailIds: string[] = [];
      for (const r of reminders) {
        const contacts = await billingContacts(tx, r.organization_id);
        for (const c of contacts)
          emailIds.push(
            await queueEmail(tx, {
              to: c.email,
              template: 'trial-ending',
              data: {
                organizationName: r.name,
                trialEnd: new Date(r.trial_end).toISOString().slice(0, 10),
                link: billingPageUrl(r.slug),
              },
              entityType: 'subscription',
              entityId: r.id,
            }),
          );
      }
      return {
        emailIds,
        counts: {
          trialsEnded: ended.filter((e) => e.reason === 'trial_ended').length,
          canceledEnded: ended.filter((e) => e.reason !== 'trial_ended').length,
          modulesDisabled: disabled[0]?.n ?? 0,
          trialReminders: reminders.length,
        },
      };
    });
    deliverSoon(db, emailIds);
    return counts;
  },
};
