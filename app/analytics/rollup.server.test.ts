// analytics-rollup against a prepared dataset: every metric equals the value computed by hand in the comments,
// re-runs change nothing, a backfill recomputes flow metrics and keeps recorded snapshots, and the reads of
// /admin/analytics are for staff with analytics:read only.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { runCronJob } from '~/cron/runner.server';
import { Forbidden, NotFound } from '~/lib/errors';
import { rowsOf } from '~db/client.server';
import { one, uid } from '../../tests/db/factories';
import { useTestDatabase } from '../../tests/support/db';
import { analyticsRollup, dailyMetrics, latestMetric, metricsCsv, rollupAnalytics } from './rollup.server';

const t = useTestDatabase();

const D = '2026-03-10';
const PREV = '2026-03-09';
const at = (day: string, time: string) => `${day}T${time}Z`;

async function id(query: ReturnType<typeof sql>) {
  return (await one<{ id: string }>(t.db, query)).id;
}
const planId = (key: string) => id(sql`SELECT id FROM plans WHERE key = ${key} AND deleted_at IS NULL`);

async function organization(createdAt: string) {
  const slug = `org-${uid()}`;
  return id(
    sql`INSERT INTO organizations (name, slug, created_at) VALUES (${slug}, ${slug}, ${createdAt}::timestamptz) RETURNING id`,
  );
}

async function subscription(
  organizationId: string,
  plan: string,
  status: string,
  options: { quantity?: number; cancelAtPeriodEnd?: boolean } = {},
) {
  return id(
    sql`INSERT INTO subscriptions (organization_id, plan_id, status, quantity, cancel_at_period_end)
        VALUES (${organizationId}, ${await planId(plan)}, ${status}::subscription_status, ${options.quantity ?? 1},
                ${options.cancelAtPeriodEnd ?? false})
        RETURNING id`,
  );
}

async function payment(
  accountId: string,
  amount: number,
  method: string,
  status: string,
  completedAt: string | null,
  updatedAt?: string,
) {
  await t.db.execute(
    sql`INSERT INTO payments (billing_account_id, amount, method, status, completed_at, updated_at)
        VALUES (${accountId}, ${amount}, ${method}::payment_method, ${status}::payment_status,
                ${completedAt}::timestamptz, coalesce(${updatedAt ?? null}::timestamptz, now()))`,
  );
}

async function order(userId: string, total: number, paymentStatus: string, completedAt: string | null) {
  return id(
    sql`INSERT INTO orders (user_id, order_number, subtotal, total_amount, billing_address, payment_status, completed_at)
        VALUES (${userId}, ${`ORD-${uid()}`}, ${total}, ${total}, '{"country":"US"}',
                ${paymentStatus}::order_payment_status, ${completedAt}::timestamptz)
        RETURNING id`,
  );
}

async function refund(
  orderId: string,
  amount: number,
  status: string,
  processedAt: string | null,
  createdAt: string,
) {
  await t.db.execute(
    sql`INSERT INTO refunds (order_id, stripe_refund_id, amount, reason, status, processed_at, created_at)
        VALUES (${orderId}, ${`re_${uid()}`}, ${amount}, 'REQUESTED_BY_CUSTOMER', ${status}::refund_status,
                ${processedAt}::timestamptz, ${createdAt}::timestamptz)`,
  );
}

async function subscriptionAudit(
  subscriptionId: string,
  action: string,
  before: { plan: string; status: string },
  after: { plan: string; status: string },
  createdAt: string,
) {
  await t.db.execute(
    sql`INSERT INTO audit_logs (actor_type, action, entity_type, entity_id, old_values, new_values, created_at)
        VALUES ('SYSTEM', ${action}, 'subscription', ${subscriptionId}, ${JSON.stringify(before)}::jsonb,
                ${JSON.stringify(after)}::jsonb, ${createdAt}::timestamptz)`,
  );
}

async function metrics(day: string) {
  const rows = rowsOf<{ metric: string; value: string; metadata: Record<string, number> }>(
    await t.db.execute(
      sql`SELECT metric, value::text AS value, metadata FROM analytics WHERE date = ${day}::date ORDER BY metric`,
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.metric, Number(r.value)]));
}

async function metadataOf(day: string, metric: string) {
  return (
    await one<{ metadata: Record<string, number> }>(
      t.db,
      sql`SELECT metadata FROM analytics WHERE date = ${day}::date AND metric = ${metric}`,
    )
  ).metadata;
}

async function succeeded(now: Date) {
  const result = await runCronJob(t.db, analyticsRollup, { now });
  if (result.status !== 'succeeded') throw new Error('skipped');
  return result.counts;
}

let churner: string;

beforeAll(async () => {
  // Organizations: two created on D (its first and last millisecond), one at D−1's last millisecond.
  const old = at('2026-01-01', '12:00:00');
  const a = await organization(at(D, '00:00:00.000'));
  const b = await organization(at(D, '23:59:59.999'));
  const e = await organization(at(PREV, '23:59:59.999'));
  const [c, h, f, g, x] = await Promise.all([1, 2, 3, 4, 5].map(() => organization(old)));

  // Paying at the start: A monthly 2900, B yearly 29000/12, C yearly PAST_DUE, H monthly × 3 canceling at
  // period end (pays until then), X monthly (churns on D). Not paying: E trialing, F canceled, G free.
  await subscription(a!, 'monthly', 'ACTIVE');
  await subscription(b!, 'yearly', 'ACTIVE');
  await subscription(c!, 'yearly', 'PAST_DUE');
  await subscription(h!, 'monthly', 'ACTIVE', { quantity: 3, cancelAtPeriodEnd: true });
  churner = await subscription(x!, 'monthly', 'ACTIVE');
  await subscription(e, 'monthly', 'TRIALING');
  await subscription(f!, 'monthly', 'CANCELED');
  await subscription(g!, 'free', 'ACTIVE');

  const account = await id(sql`INSERT INTO billing_accounts (organization_id) VALUES (${a}) RETURNING id`);
  const buyer = await id(
    sql`INSERT INTO users (email, name) VALUES (${`b-${uid()}@example.com`}, 'Buyer') RETURNING id`,
  );
  // Payments: counted on completed_at's day; CREDIT and PENDING never; a refunded one counts when paid and
  // is taken back on the day it was refunded (updated_at).
  await payment(account, 1500, 'STRIPE_CARD', 'PAID', at(D, '00:00:00.000'));
  await payment(account, 700, 'CASH', 'PAID', at(D, '13:00:00'));
  await payment(account, 400, 'CREDIT', 'PAID', at(D, '13:00:00'));
  await payment(account, 999, 'BANK_TRANSFER', 'PENDING', null);
  await payment(account, 300, 'STRIPE_CARD', 'REFUNDED', at(PREV, '10:00:00'), at(D, '08:00:00'));
  await payment(account, 1000, 'PAYNOW_ECOCASH', 'PAID', at(PREV, '23:59:59.999'));
  await payment(account, 800, 'CASH', 'PAID', at('2026-03-11', '00:00:00.000')); // tomorrow: not yet
  // Orders: paid ones by completed_at; refunds SUCCEEDED by processed_at (else created_at).
  const o1 = await order(buyer, 5000, 'SUCCEEDED', at(D, '09:00:00'));
  await order(buyer, 2000, 'PENDING', null);
  const o3 = await order(buyer, 1200, 'REFUNDED', at(D, '10:00:00'));
  await order(buyer, 900, 'FAILED', at(D, '10:00:00'));
  await refund(o3, 1200, 'SUCCEEDED', at(D, '11:00:00'), at(D, '10:30:00'));
  await refund(o1, 250, 'SUCCEEDED', null, at(D, '12:00:00'));
  await refund(o1, 100, 'PENDING', null, at(D, '12:00:00'));
  await refund(o1, 50, 'SUCCEEDED', at(PREV, '12:00:00'), at(PREV, '12:00:00'));
});

describe('analytics-rollup', () => {
  it('computes every metric of D−1 and D against hand-computed values, and a re-run changes nothing', async () => {
    // Yesterday's evening run: the snapshot is the 5 paying subscriptions.
    const first = await succeeded(new Date(at(PREV, '22:00:00')));
    expect(await metrics(PREV)).toEqual({
      // 2900 + 29000/12 + 29000/12 + 3 × 2900 + 2900 = 19333.33… → 19333 (rounded once, not per row: 19334)
      mrr: 19333,
      active_subscriptions: 5,
      new_customers: 1, // E at 23:59:59.999
      revenue: 1300 - 50, // 300 (later refunded) + 1000 paid; 50 refunded on the order
      // no churn_rate: nothing recorded the base of D−2
    });
    expect(first.written).toBe(4 + 2); // D−1's four, and D−2's new_customers and revenue (zeros)
    expect(await metrics('2026-03-08')).toEqual({ new_customers: 0, revenue: 0 });

    // On D, X moves to free (two audit entries: one churned subscription); noise that is not churn: a trial
    // ending, an upgrade, a churn at D−1's last millisecond, a churn from an already-canceled state.
    await t.db.execute(
      sql`UPDATE subscriptions SET plan_id = (SELECT id FROM plans WHERE key = 'free') WHERE id = ${churner}`,
    );
    const s = { plan: 'monthly', status: 'ACTIVE' };
    const free = { plan: 'free', status: 'ACTIVE' };
    await subscriptionAudit(churner, 'subscription.plan_changed', s, free, at(D, '09:00:00'));
    await subscriptionAudit(churner, 'subscription.ended', s, free, at(D, '09:00:01'));
    await subscriptionAudit(
      'sub-trial',
      'subscription.ended',
      { plan: 'monthly', status: 'TRIALING' },
      free,
      at(D, '10:00:00'),
    );
    await subscriptionAudit(
      'sub-up',
      'subscription.plan_changed',
      s,
      { plan: 'yearly', status: 'ACTIVE' },
      at(D, '10:00:00'),
    );
    await subscriptionAudit('sub-late', 'subscription.ended', s, free, at(PREV, '23:59:59.999'));
    await subscriptionAudit(
      'sub-dead',
      'subscription.ended',
      { plan: 'monthly', status: 'CANCELED' },
      free,
      at(D, '11:00:00'),
    );

    await succeeded(new Date(at(D, '15:00:00')));
    expect(await metrics(D)).toEqual({
      mrr: 16433, // 2900 + 2 × 29000/12 + 3 × 2900 = 16433.33… → 16433
      active_subscriptions: 4,
      new_customers: 2,
      // payments 1500 + 700 − 300 refunded; orders 5000 + 1200 − refunds 1200 − 250
      revenue: 6650,
      churn_rate: 0.2, // 1 churned / 5 paying at the start of D (D−1's active_subscriptions)
    });
    expect(await metadataOf(D, 'revenue')).toEqual({
      payments: 2200,
      orders: 6200,
      orderRefunds: 1450,
      paymentRefunds: 300,
    });
    expect(await metadataOf(D, 'churn_rate')).toEqual({ churned: 1, base: 5 });
    // D−1 keeps its snapshot, and still has no churn_rate (sub-late churned then, but D−2 has no base).
    expect(await metrics(PREV)).toMatchObject({ mrr: 19333, active_subscriptions: 5 });
    expect((await metrics(PREV)).churn_rate).toBeUndefined();

    const again = await succeeded(new Date(at(D, '15:30:00')));
    expect(again).toEqual({ written: 0 });
    expect(await metrics(D)).toMatchObject({ mrr: 16433, revenue: 6650, churn_rate: 0.2 });
  });

  it('backfills a range: flow metrics for every day, snapshots only for today, past snapshots kept', async () => {
    // Days after D: the state changes (H stops paying), and a backfill run later recomputes D−3…D.
    await t.db.execute(sql`UPDATE subscriptions SET status = 'CANCELED' WHERE quantity = 3`);
    const later = new Date(at('2026-03-20', '08:00:00'));
    const result = await rollupAnalytics(t.db, { from: '2026-03-07', to: D }, later);
    expect(result.days).toBe(4);
    expect(await metrics(D)).toEqual({
      mrr: 16433, // recorded on D, not today's state
      active_subscriptions: 4,
      new_customers: 2,
      revenue: 6650,
      churn_rate: 0.2,
    });
    expect(await metrics('2026-03-07')).toEqual({ new_customers: 0, revenue: 0 });
    expect((await rollupAnalytics(t.db, { from: '2026-03-07', to: D }, later)).written).toBe(0);

    // A range reaching into the future stops at today; today's snapshot is taken.
    await rollupAnalytics(t.db, { from: '2026-03-19', to: '2026-03-25' }, later);
    expect(await metrics('2026-03-20')).toMatchObject({ mrr: 2900 + 4833, active_subscriptions: 3 });
    expect(await metrics('2026-03-21')).toEqual({});
  });

  it('refuses a reversed, invalid or too long range', async () => {
    await expect(rollupAnalytics(t.db, { from: D, to: PREV })).rejects.toThrow(/on or before/);
    await expect(rollupAnalytics(t.db, { from: '2026-02-30', to: D })).rejects.toThrow(/valid date/);
    await expect(rollupAnalytics(t.db, { from: '2000-01-01', to: D })).rejects.toThrow(/at most/);
  });
});

describe('reading the metrics', () => {
  const staff = async (role: string) => {
    const userId = await id(
      sql`INSERT INTO users (email, name, role) VALUES (${`s-${uid()}@example.com`}, 'Staff', ${role}::user_role) RETURNING id`,
    );
    return userActor(userId);
  };

  it('gives ADMIN one row per day with nulls where nothing was recorded, and a CSV of it', async () => {
    const rows = await dailyMetrics(t.db, await staff('ADMIN'), { from: '2026-03-09', to: '2026-03-11' });
    expect(rows.map((r) => r.date)).toEqual(['2026-03-09', '2026-03-10', '2026-03-11']);
    expect(rows[1]).toEqual({
      date: D,
      mrr: 16433,
      active_subscriptions: 4,
      new_customers: 2,
      churn_rate: 0.2,
      revenue: 6650,
    });
    expect(rows[2]).toMatchObject({ mrr: null, revenue: null });
    expect(metricsCsv(rows).split('\r\n')).toEqual([
      'date,mrr_cents,active_subscriptions,new_customers,churn_rate,revenue_cents',
      '2026-03-09,19333,5,1,,1250',
      '2026-03-10,16433,4,2,0.2,6650',
      '2026-03-11,,,,,',
      '',
    ]);
    expect(await latestMetric(t.db, 'mrr')).toEqual({ date: '2026-03-20', value: 7733 });
  });

  it('refuses SUPPORT (403, explained) and hides itself from customers (404)', async () => {
    const range = { from: PREV, to: D };
    await expect(dailyMetrics(t.db, await staff('SUPPORT'), range)).rejects.toBeInstanceOf(Forbidden);
    await expect(dailyMetrics(t.db, await staff('SUPPORT'), range)).rejects.toThrow(/analytics/);
    await expect(dailyMetrics(t.db, await staff('CUSTOMER'), range)).rejects.toBeInstanceOf(NotFound);
  });
});
