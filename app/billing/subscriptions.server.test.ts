// Local billing mode (SPEC §6 "Subscriptions", "Plans"): plan changes apply at once with a period by the
// plan's interval, downgrades disable the most recently enabled modules beyond the limit and are refused
// while members exceed it, Stripe-managed rows are refused, cancel/resume at period end, audit rows,
// permissions (403 / 404), serialization under the organization row lock, and the route's guards.
import { and, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/env.server';
import { Conflict, Forbidden, LimitReached, NotFound } from '~/lib/errors';
import { enableModule } from '~/orgs/modules.server';
import { addMember, cookieFor, createOrg, createUser } from '~/orgs/test-support';
import * as billingRoute from '~/routes/o.$slug.billing';
import { type Connection, connectPostgres } from '~db/client.server';
import { auditLogs, organizationModules, subscriptions } from '~db/schema';
import { itConcurrent, postgresAvailable, useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import {
  cancelSubscription,
  changePlan,
  getBillingOverview,
  resumeSubscription,
  STRIPE_MANAGED_MESSAGE,
} from './subscriptions.server';

const t = useAppTestDatabase();

async function subscriptionOf(organizationId: string) {
  const [row] = await t.db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.organizationId, organizationId));
  return row!;
}

async function enabledModules(organizationId: string) {
  const rows = await t.db
    .select({ key: organizationModules.moduleKey })
    .from(organizationModules)
    .where(
      and(eq(organizationModules.organizationId, organizationId), eq(organizationModules.isEnabled, true)),
    );
  return rows.map((r) => r.key).sort();
}

async function auditActions(organizationId: string, action: string) {
  return t.db
    .select()
    .from(auditLogs)
    .where(and(eq(auditLogs.organizationId, organizationId), eq(auditLogs.action, action)))
    .orderBy(desc(auditLogs.createdAt));
}

async function periodLength(organizationId: string): Promise<string | null> {
  const result = (await t.db.execute(
    sql`SELECT (current_period_end - current_period_start)::text AS d,
               (current_period_start + interval '1 month' = current_period_end) AS month,
               (current_period_start + interval '1 year' = current_period_end) AS year
          FROM subscriptions WHERE organization_id = ${organizationId}`,
  )) as unknown;
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  const row = rows[0] as { month: boolean | null; year: boolean | null };
  if (row.month) return 'month';
  if (row.year) return 'year';
  return null;
}

describe('billing overview', () => {
  it('shows plan, status, period and usage against limits (members include pending invitations)', async () => {
    const { organization, owner } = await createOrg(t.db);
    await addMember(t.db, organization.id, 'MEMBER');
    const overview = await getBillingOverview(t.db, owner.actor, organization.id);
    expect(overview.plan.key).toBe('free');
    expect(overview.status).toBe('ACTIVE');
    expect(overview.currentPeriodEnd).toBeNull();
    expect(overview.cancelAtPeriodEnd).toBe(false);
    expect(overview.usage.members).toMatchObject({ used: 2, members: 2, pending: 0, limit: 10 });
    expect(overview.usage.modules).toEqual({ used: 1, limit: 2 });
    expect(overview.usage.apiCalls).toEqual({ used: 0, limit: 1000 });
    expect(overview.plans.map((p) => p.key)).toEqual(['free', 'monthly', 'yearly']);
  });

  it('BILLING may view; MEMBER is refused (403); a non-member gets 404', async () => {
    const { organization } = await createOrg(t.db);
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const stranger = await createUser(t.db);
    await expect(getBillingOverview(t.db, billing.actor, organization.id)).resolves.toBeTruthy();
    await expect(getBillingOverview(t.db, member.actor, organization.id)).rejects.toBeInstanceOf(Forbidden);
    await expect(getBillingOverview(t.db, stranger.actor, organization.id)).rejects.toBeInstanceOf(NotFound);
  });
});

describe('changePlan (local billing mode)', () => {
  it('upgrade: ACTIVE, period by the plan’s interval, audit row with old and new plan', async () => {
    const { organization, owner } = await createOrg(t.db);
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    let sub = await subscriptionOf(organization.id);
    expect(sub.status).toBe('ACTIVE');
    expect(sub.cancelAtPeriodEnd).toBe(false);
    expect(sub.currentPeriodEnd).not.toBeNull();
    expect(Math.abs(sub.currentPeriodStart.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await periodLength(organization.id)).toBe('month');

    await changePlan(t.db, owner.actor, organization.id, 'yearly');
    sub = await subscriptionOf(organization.id);
    expect(await periodLength(organization.id)).toBe('year');

    await changePlan(t.db, owner.actor, organization.id, 'free');
    sub = await subscriptionOf(organization.id);
    expect(sub.currentPeriodEnd).toBeNull();
    expect(sub.status).toBe('ACTIVE');

    const rows = await auditActions(organization.id, 'subscription.plan_changed');
    expect(rows).toHaveLength(3);
    const pairs = rows.map((r) => [
      (r.oldValues as { plan: string }).plan,
      (r.newValues as { plan: string }).plan,
    ]);
    expect(pairs).toEqual(
      expect.arrayContaining([
        ['free', 'monthly'],
        ['monthly', 'yearly'],
        ['yearly', 'free'],
      ]),
    );
    expect(rows[0]!.userId).toBe(owner.id);
  });

  it('same plan and unknown plan are refused', async () => {
    const { organization, owner } = await createOrg(t.db);
    await expect(changePlan(t.db, owner.actor, organization.id, 'free')).rejects.toBeInstanceOf(Conflict);
    await expect(changePlan(t.db, owner.actor, organization.id, 'platinum')).rejects.toThrow('Unknown plan');
  });

  it('downgrade disables the most recently enabled modules beyond the new limit, in the same change', async () => {
    const { organization, owner } = await createOrg(t.db);
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    for (const moduleKey of ['crm', 'inventory', 'invoicing']) {
      await enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey });
    }
    // Distinct, known enable times: visitor_management oldest, then crm, inventory, invoicing (newest).
    const order = ['visitor_management', 'crm', 'inventory', 'invoicing'];
    for (const [i, key] of order.entries()) {
      await t.db
        .update(organizationModules)
        .set({ enabledAt: new Date(Date.UTC(2025, 0, 1 + i)) })
        .where(
          and(
            eq(organizationModules.organizationId, organization.id),
            eq(organizationModules.moduleKey, key),
          ),
        );
    }
    const result = await changePlan(t.db, owner.actor, organization.id, 'free');
    expect(result.disabledModules).toEqual(['invoicing', 'inventory']);
    expect(await enabledModules(organization.id)).toEqual(['crm', 'visitor_management']);
    const disabled = await auditActions(organization.id, 'module.disabled');
    expect(disabled).toHaveLength(2);
    const [changed] = await auditActions(organization.id, 'subscription.plan_changed');
    expect(changed!.metadata).toEqual({ disabledModules: ['invoicing', 'inventory'] });
  });

  it('downgrade refused while members plus pending invitations exceed the new limit, naming the numbers', async () => {
    const { organization, owner } = await createOrg(t.db);
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    for (let i = 0; i < 10; i++) await addMember(t.db, organization.id, 'MEMBER');
    const err = await changePlan(t.db, owner.actor, organization.id, 'free').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitReached);
    expect((err as Error).message).toContain('allows 10 members');
    expect((err as Error).message).toContain('has 11');
    expect((await subscriptionOf(organization.id)).currentPeriodEnd).not.toBeNull();
    expect(await auditActions(organization.id, 'subscription.plan_changed')).toHaveLength(1);
  });

  it('OWNER and ADMIN may; BILLING and MEMBER get 403; a non-member gets 404', async () => {
    const { organization } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const stranger = await createUser(t.db);
    await expect(changePlan(t.db, billing.actor, organization.id, 'monthly')).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(changePlan(t.db, member.actor, organization.id, 'monthly')).rejects.toBeInstanceOf(
      Forbidden,
    );
    await expect(changePlan(t.db, stranger.actor, organization.id, 'monthly')).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(cancelSubscription(t.db, billing.actor, organization.id)).rejects.toBeInstanceOf(Forbidden);
    await expect(resumeSubscription(t.db, member.actor, organization.id)).rejects.toBeInstanceOf(Forbidden);
    await changePlan(t.db, admin.actor, organization.id, 'monthly');
    expect((await subscriptionOf(organization.id)).status).toBe('ACTIVE');
  });

  it('a Stripe-managed row, or Stripe configured, is refused: plan changes go through Stripe Checkout', async () => {
    const { organization, owner } = await createOrg(t.db);
    await t.db
      .update(subscriptions)
      .set({ stripeSubscriptionId: `sub_${organization.id}` })
      .where(eq(subscriptions.organizationId, organization.id));
    const err = await changePlan(t.db, owner.actor, organization.id, 'monthly').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Conflict);
    expect((err as Error).message).toBe(STRIPE_MANAGED_MESSAGE);
    await expect(cancelSubscription(t.db, owner.actor, organization.id)).rejects.toBeInstanceOf(Conflict);

    const other = await createOrg(t.db);
    const saved = process.env.STRIPE_SECRET_KEY;
    process.env.STRIPE_SECRET_KEY = 'sk_test_billing';
    resetEnvCache();
    try {
      await expect(changePlan(t.db, other.owner.actor, other.organization.id, 'monthly')).rejects.toThrow(
        STRIPE_MANAGED_MESSAGE,
      );
    } finally {
      if (saved === undefined) delete process.env.STRIPE_SECRET_KEY;
      else process.env.STRIPE_SECRET_KEY = saved;
      resetEnvCache();
    }
    expect((await subscriptionOf(other.organization.id)).currentPeriodEnd).toBeNull();
  });
});

describe('cancel and resume', () => {
  it('cancel keeps the paid subscription ACTIVE until period end; resume clears it; both audited', async () => {
    const { organization, owner } = await createOrg(t.db);
    await expect(cancelSubscription(t.db, owner.actor, organization.id)).rejects.toThrow('nothing to cancel');
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    await expect(resumeSubscription(t.db, owner.actor, organization.id)).rejects.toBeInstanceOf(Conflict);

    await cancelSubscription(t.db, owner.actor, organization.id);
    let sub = await subscriptionOf(organization.id);
    expect(sub.status).toBe('ACTIVE');
    expect(sub.cancelAtPeriodEnd).toBe(true);
    expect(sub.canceledAt).not.toBeNull();
    await expect(cancelSubscription(t.db, owner.actor, organization.id)).rejects.toBeInstanceOf(Conflict);

    await resumeSubscription(t.db, owner.actor, organization.id);
    sub = await subscriptionOf(organization.id);
    expect(sub.status).toBe('ACTIVE');
    expect(sub.cancelAtPeriodEnd).toBe(false);
    expect(sub.canceledAt).toBeNull();

    expect(await auditActions(organization.id, 'subscription.canceled')).toHaveLength(1);
    expect(await auditActions(organization.id, 'subscription.resumed')).toHaveLength(1);
  });

  it('a plan change clears a pending cancellation', async () => {
    const { organization, owner } = await createOrg(t.db);
    await changePlan(t.db, owner.actor, organization.id, 'monthly');
    await cancelSubscription(t.db, owner.actor, organization.id);
    await changePlan(t.db, owner.actor, organization.id, 'yearly');
    const sub = await subscriptionOf(organization.id);
    expect(sub.cancelAtPeriodEnd).toBe(false);
    expect(sub.canceledAt).toBeNull();
  });
});

describe('under concurrency (SPEC §3)', () => {
  let second: Connection | undefined;
  beforeAll(() => {
    if (t.url) second = connectPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });

  itConcurrent(
    'two concurrent changes to the same plan serialize: one applies, the other sees it',
    async () => {
      for (let round = 0; round < 5; round++) {
        const { organization, owner } = await createOrg(t.db);
        const results = await Promise.allSettled([
          changePlan(t.db, owner.actor, organization.id, 'monthly'),
          changePlan(second!.db, owner.actor, organization.id, 'monthly'),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(Conflict);
        expect(await auditActions(organization.id, 'subscription.plan_changed')).toHaveLength(1);
      }
    },
  );

  itConcurrent('two concurrent different changes both apply, one after the other', async () => {
    const { organization, owner } = await createOrg(t.db);
    await Promise.all([
      changePlan(t.db, owner.actor, organization.id, 'monthly'),
      changePlan(second!.db, owner.actor, organization.id, 'yearly'),
    ]);
    const rows = await auditActions(organization.id, 'subscription.plan_changed');
    expect(rows).toHaveLength(2);
    // The later change saw the earlier one's plan as its old plan.
    const olds = rows.map((r) => (r.oldValues as { plan: string }).plan).sort();
    const news = rows.map((r) => (r.newValues as { plan: string }).plan);
    expect(olds[0]).toBe('free');
    expect(news).toContain(olds[1]);
    const final = await subscriptionOf(organization.id);
    expect(final.status).toBe('ACTIVE');
  });
});

describe.skipIf(!postgresAvailable())('billing route', () => {
  it('a foreign slug is 404; a MEMBER POST is 403; BILLING sees the page read-only', async () => {
    const a = await createOrg(t.db);
    const b = await createOrg(t.db);
    const cookieA = await cookieFor(t.db, a.owner.id);
    const foreign = await runRoute(
      billingRoute.loader as never,
      getPage(`/o/${b.organization.slug}/billing`, cookieA),
      { slug: b.organization.slug },
    );
    expect(foreign.status).toBe(404);
    const foreignPost = await runRoute(
      billingRoute.action as never,
      postForm(`/o/${b.organization.slug}/billing`, cookieA, { intent: 'change-plan', planKey: 'monthly' }),
      { slug: b.organization.slug },
    );
    expect(foreignPost.status).toBe(404);

    const member = await addMember(t.db, a.organization.id, 'MEMBER');
    const memberCookie = await cookieFor(t.db, member.id);
    const memberPost = await runRoute(
      billingRoute.action as never,
      postForm(`/o/${a.organization.slug}/billing`, memberCookie, {
        intent: 'change-plan',
        planKey: 'monthly',
      }),
      { slug: a.organization.slug },
    );
    expect(memberPost.status).toBe(403);

    const billing = await addMember(t.db, a.organization.id, 'BILLING');
    const billingCookie = await cookieFor(t.db, billing.id);
    const page = await runRoute(
      billingRoute.loader as never,
      getPage(`/o/${a.organization.slug}/billing`, billingCookie),
      { slug: a.organization.slug },
    );
    expect(page.status).toBe(200);
    expect((page.data as { canChange: boolean }).canChange).toBe(false);
    const billingPost = await runRoute(
      billingRoute.action as never,
      postForm(`/o/${a.organization.slug}/billing`, billingCookie, {
        intent: 'change-plan',
        planKey: 'monthly',
      }),
      { slug: a.organization.slug },
    );
    expect(billingPost.status).toBe(403);
    expect((await subscriptionOf(a.organization.id)).currentPeriodEnd).toBeNull();
    expect((await subscriptionOf(b.organization.id)).currentPeriodEnd).toBeNull();
  });

  it('an OWNER switches plan with a plain POST and is redirected back; errors name their form', async () => {
    const { organization, owner } = await createOrg(t.db);
    const cookie = await cookieFor(t.db, owner.id);
    const path = `/o/${organization.slug}/billing`;
    const ok = await runRoute(
      billingRoute.action as never,
      postForm(path, cookie, { intent: 'change-plan', planKey: 'monthly', confirm: 'yes' }),
      { slug: organization.slug },
    );
    expect(ok.status).toBe(302);
    expect(ok.location).toBe(path);
    expect((await subscriptionOf(organization.id)).currentPeriodEnd).not.toBeNull();

    const again = await runRoute(
      billingRoute.action as never,
      postForm(path, cookie, { intent: 'change-plan', planKey: 'monthly' }),
      { slug: organization.slug },
    );
    expect(again.status).toBe(409);
    expect(again.data).toMatchObject({ form: 'plan-monthly' });

    const cancel = await runRoute(
      billingRoute.action as never,
      postForm(path, cookie, { intent: 'cancel' }),
      {
        slug: organization.slug,
      },
    );
    expect(cancel.status).toBe(302);
    expect((await subscriptionOf(organization.id)).cancelAtPeriodEnd).toBe(true);
  });
});
