// Stripe mode from the billing page's side (issue 10 §2–5), against the fake Stripe: stripe:sync is
// idempotent, Checkout (303, one customer however many clicks, one payable session), upgrades at once and
// downgrades at period end, cancel / resume, one trial per organization, the portal, deleting an
// organization cancels at Stripe first (and stops if Stripe refuses), and every billing cell of the matrix.
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { env } from '~/env.server';
import { Forbidden, UpstreamFailed } from '~/lib/errors';
import { deleteOrganization } from '~/orgs/organizations.server';
import { PERMISSIONS, ROLES } from '~/orgs/permissions';
import { addMember, cookieFor, countRows, createOrg } from '~/orgs/test-support';
import * as billingRoute from '~/routes/o.$slug.billing';
import { organizations, plans, subscriptions } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { postForm, runRoute } from '../../tests/support/routes';
import { sessionIdOf, useFakeStripe } from '../../tests/support/stripe';
import {
  openBillingPortal,
  requestStripeCancel,
  requestStripePlanChange,
  requestStripeResume,
} from './stripe-billing.server';
import { syncStripePlans } from './stripe-plans.server';
import { getBillingOverview } from './subscriptions.server';

const t = useAppTestDatabase();
const s = useFakeStripe(() => t.db);

const billingUrl = (slug: string) => `${env().APP_URL}/o/${slug}/billing`;

async function rowOf(organizationId: string) {
  const [row] = await t.db
    .select({ subscription: subscriptions, planKey: plans.key })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  return { ...row!.subscription, planKey: row!.planKey };
}

const change = (
  actor: Parameters<typeof requestStripePlanChange>[2],
  org: { id: string; slug: string },
  planKey: string,
) => requestStripePlanChange(t.db, s.stripe, actor, org.id, { planKey, billingUrl: billingUrl(org.slug) });

/** An organization subscribed to `planKey` through Checkout, every webhook delivered. */
async function subscribed(planKey = 'yearly', options: { trialUsed?: boolean } = {}) {
  const { organization, owner } = await createOrg(t.db);
  if (options.trialUsed)
    await t.db
      .update(subscriptions)
      .set({ trialStart: sql`now() - interval '60 days'` })
      .where(eq(subscriptions.organizationId, organization.id));
  const result = await change(owner.actor, organization, planKey);
  if (result.kind !== 'checkout') throw new Error('expected Checkout');
  const sub = (await s.fake.completeCheckout(sessionIdOf(result.url))) as Stripe.Subscription;
  await s.deliverAll();
  return { organization, owner, sub };
}

describe('npm run stripe:sync', () => {
  it('maps every paid plan to a price by lookup key, and a second run finds them all', async () => {
    const first = await syncStripePlans(t.db, s.stripe);
    expect(first.map((r) => [r.planKey, r.action])).toEqual([
      ['monthly', 'found'],
      ['yearly', 'found'],
    ]);
    const stored = await t.db.select({ key: plans.key, price: plans.stripePriceId }).from(plans);
    expect(stored.find((p) => p.key === 'free')?.price).toBeNull();
    for (const r of first) expect(stored.find((p) => p.key === r.planKey)?.price).toBe(r.priceId);
    const prices = await s.stripe.prices.list({ lookup_keys: ['monthly', 'yearly'] });
    expect(prices.data).toHaveLength(2);
    expect(prices.data.find((p) => p.lookup_key === 'monthly')?.unit_amount).toBe(2900);
  });

  it('replaces a price whose amount no longer matches the plan, moving the lookup key', async () => {
    const [custom] = await t.db
      .insert(plans)
      .values({
        key: `team-${Date.now()}`,
        name: 'Team',
        tier: 'PRO',
        billingInterval: 'MONTHLY',
        price: 1500,
        limits: { modules: 3, members: 20, storage_gb: 5, api_calls_per_month: 5000 },
      })
      .returning();
    const created = (await syncStripePlans(t.db, s.stripe)).find((r) => r.planKey === custom!.key)!;
    expect(created.action).toBe('created');
    await t.db.update(plans).set({ price: 1900 }).where(eq(plans.id, custom!.id));
    const replaced = (await syncStripePlans(t.db, s.stripe)).find((r) => r.planKey === custom!.key)!;
    expect(replaced.action).toBe('replaced');
    expect(replaced.priceId).not.toBe(created.priceId);
    const [found] = (await s.stripe.prices.list({ lookup_keys: [custom!.key] })).data;
    expect(found?.id).toBe(replaced.priceId);
    expect(found?.unit_amount).toBe(1900);
    await t.db.update(plans).set({ isActive: false }).where(eq(plans.id, custom!.id));
  });
});

describe('upgrading through Checkout', () => {
  it('the billing form answers 303 to a Checkout session for the organization and its customer', async () => {
    const { organization, owner } = await createOrg(t.db);
    const cookie = await cookieFor(t.db, owner.id);
    const r = await runRoute(
      billingRoute.action,
      postForm(`/o/${organization.slug}/billing`, cookie, { intent: 'change-plan', planKey: 'yearly' }),
      { slug: organization.slug },
    );
    expect(r.status).toBe(303);
    expect(r.location).toContain(`${s.fake.url}/checkout/`);
    const session = await s.stripe.checkout.sessions.retrieve(sessionIdOf(r.location!));
    const row = await rowOf(organization.id);
    expect(session).toMatchObject({
      mode: 'subscription',
      client_reference_id: organization.id,
      customer: row.stripeCustomerId,
      status: 'open',
    });
    // Stripe fills {CHECKOUT_SESSION_ID} in when it redirects, not in the stored URL.
    expect(session.success_url).toBe(
      `${billingUrl(organization.slug)}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    );
    expect(session.cancel_url).toBe(`${billingUrl(organization.slug)}?checkout=canceled`);
    // Nothing changes here until Stripe's webhooks say so.
    expect(row.planKey).toBe('free');
  });

  itConcurrent(
    'two concurrent clicks: one customer, one Checkout each, one payable, one subscription',
    async () => {
      const { organization, owner } = await createOrg(t.db);
      const results = await Promise.all([
        change(owner.actor, organization, 'yearly'),
        change(owner.actor, organization, 'yearly'),
      ]);
      const urls = results.map((r) => (r.kind === 'checkout' ? r.url : ''));
      expect(new Set(urls).size).toBe(2);
      const customers = await s.stripe.customers.list({ limit: 100 });
      expect(customers.data.filter((c) => c.metadata.organization_id === organization.id)).toHaveLength(1);
      const sessions = await Promise.all(
        urls.map((u) => s.stripe.checkout.sessions.retrieve(sessionIdOf(u))),
      );
      expect(sessions.map((x) => x.status).sort()).toEqual(['expired', 'open']);
      const open = sessions.find((x) => x.status === 'open')!;
      const expired = sessions.find((x) => x.status === 'expired')!;
      await expect(s.fake.completeCheckout(expired.id)).rejects.toThrow();
      await s.fake.completeCheckout(open.id);
      await s.deliverAll();
      const subs = await s.stripe.subscriptions.list({
        customer: (await rowOf(organization.id)).stripeCustomerId!,
      });
      expect(subs.data).toHaveLength(1);
      expect((await rowOf(organization.id)).planKey).toBe('yearly');
    },
  );

  it('a plan with a trial offers it once per organization', async () => {
    const { organization, owner, sub } = await subscribed('monthly');
    expect(sub.status).toBe('trialing');
    const row = await rowOf(organization.id);
    expect(row.status).toBe('TRIALING');
    expect(row.trialEnd).not.toBeNull();
    // The trial ends the subscription (canceled): back to free, and a second Checkout has no trial.
    await s.stripe.subscriptions.cancel(sub.id);
    await s.deliverAll();
    expect((await rowOf(organization.id)).planKey).toBe('free');
    const again = await change(owner.actor, organization, 'monthly');
    if (again.kind !== 'checkout') throw new Error('expected Checkout');
    expect(again.trialDays).toBe(0);
    const session = await s.stripe.checkout.sessions.retrieve(sessionIdOf(again.url));
    const second = (await s.fake.completeCheckout(session.id)) as Stripe.Subscription;
    expect(second.status).toBe('active');
    expect(second.trial_end).toBeNull();
  });

  it('refuses the current plan, an unknown plan, and a plan without a Stripe price', async () => {
    const { organization, owner } = await subscribed('yearly');
    await expect(change(owner.actor, organization, 'yearly')).rejects.toThrow(
      /already on the Enterprise plan/,
    );
    await expect(change(owner.actor, organization, 'nope')).rejects.toThrow(/Unknown plan/);
    const fresh = await createOrg(t.db);
    const [unpriced] = await t.db
      .insert(plans)
      .values({
        key: `unpriced-${Date.now()}`,
        name: 'Unpriced',
        tier: 'PRO',
        billingInterval: 'MONTHLY',
        price: 999,
        limits: { modules: 3, members: 20, storage_gb: 5, api_calls_per_month: 5000 },
      })
      .returning();
    await expect(change(fresh.owner.actor, fresh.organization, unpriced!.key)).rejects.toThrow(/stripe:sync/);
    await t.db.update(plans).set({ isActive: false }).where(eq(plans.id, unpriced!.id));
  });
});

describe('changing a live subscription', () => {
  it('an upgrade applies at once with an immediate prorated invoice, through the webhook', async () => {
    const { organization, owner, sub } = await subscribed('monthly', { trialUsed: true });
    expect(sub.status).toBe('active');
    const invoicesBefore = (await s.stripe.invoices.list({ subscription: sub.id })).data.length;
    const result = await change(owner.actor, organization, 'yearly');
    expect(result.kind).toBe('upgraded');
    const atStripe = await s.stripe.subscriptions.retrieve(sub.id);
    const [yearly] = await t.db.select().from(plans).where(eq(plans.key, 'yearly'));
    expect(atStripe.items.data[0]!.price.id).toBe(yearly!.stripePriceId);
    expect((await s.stripe.invoices.list({ subscription: sub.id })).data.length).toBe(invoicesBefore + 1);
    expect((await rowOf(organization.id)).planKey).toBe('monthly');
    await s.deliverAll();
    expect((await rowOf(organization.id)).planKey).toBe('yearly');
  });

  it('a downgrade waits for the period end: scheduled, shown, then applied', async () => {
    const { organization, owner, sub } = await subscribed('yearly');
    const result = await change(owner.actor, organization, 'monthly');
    expect(result.kind).toBe('scheduled');
    await s.deliverAll();
    let row = await rowOf(organization.id);
    expect(row.planKey).toBe('yearly');
    const overview = await getBillingOverview(t.db, owner.actor, organization.id);
    expect(overview.scheduledChange).toMatchObject({ planKey: 'monthly' });
    expect(new Date(overview.scheduledChange!.effectiveAt).getTime()).toBe(row.currentPeriodEnd!.getTime());
    await s.fake.advanceToPeriodEnd(sub.id);
    await s.deliverAll();
    row = await rowOf(organization.id);
    expect(row.planKey).toBe('monthly');
    expect((await getBillingOverview(t.db, owner.actor, organization.id)).scheduledChange).toBeNull();
  });

  it('choosing Free cancels at period end; cancel and resume go through Stripe', async () => {
    const { organization, owner, sub } = await subscribed('yearly');
    expect((await change(owner.actor, organization, 'free')).kind).toBe('canceling');
    await s.deliverAll();
    expect(await rowOf(organization.id)).toMatchObject({ planKey: 'yearly', cancelAtPeriodEnd: true });
    await requestStripeResume(t.db, s.stripe, owner.actor, organization.id);
    await s.deliverAll();
    expect((await rowOf(organization.id)).cancelAtPeriodEnd).toBe(false);
    const { effectiveAt } = await requestStripeCancel(t.db, s.stripe, owner.actor, organization.id);
    expect(effectiveAt?.getTime()).toBe(sub.items.data[0]!.current_period_end * 1000);
    await s.deliverAll();
    expect((await rowOf(organization.id)).cancelAtPeriodEnd).toBe(true);
    await expect(requestStripeCancel(t.db, s.stripe, owner.actor, organization.id)).rejects.toThrow(
      /already/,
    );
    // The period ends: the subscription is over and the organization is on free.
    await s.fake.advanceToPeriodEnd(sub.id);
    await s.deliverAll();
    expect(await rowOf(organization.id)).toMatchObject({ planKey: 'free', stripeSubscriptionId: null });
  });

  it('a card Stripe declines on upgrade: a clear message and nothing changed', async () => {
    const { organization, owner } = await subscribed('monthly');
    s.fake.failNext('POST', /^\/v1\/subscriptions\/sub_/, 402, 'card_error', 'Your card was declined.');
    const err = await change(owner.actor, organization, 'yearly').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailed);
    expect((err as Error).message).toMatch(/Your card was declined/);
    expect((await rowOf(organization.id)).planKey).toBe('monthly');
  });
});

describe('the portal and organization deletion', () => {
  it('opens a portal session for the customer, returning to the billing page', async () => {
    const { organization, owner } = await subscribed('yearly');
    const { url } = await openBillingPortal(
      t.db,
      s.stripe,
      owner.actor,
      organization.id,
      billingUrl(organization.slug),
    );
    expect(url).toContain(`${s.fake.url}/portal/`);
    const fresh = await createOrg(t.db);
    await expect(
      openBillingPortal(t.db, s.stripe, fresh.owner.actor, fresh.organization.id, 'http://localhost/'),
    ).rejects.toThrow(/no payment methods yet/);
  });

  it('deleting an organization cancels its Stripe subscription first', async () => {
    const { organization, owner, sub } = await subscribed('yearly');
    await deleteOrganization(
      t.db,
      owner.actor,
      { organizationId: organization.id, confirm: organization.slug },
      { stripe: s.stripe },
    );
    expect((await s.stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    expect(
      await countRows(t.db, sql`SELECT count(*) AS n FROM organizations WHERE id = ${organization.id}`),
    ).toBe(0);
    // Its deletion webhook then finds no organization: recorded, no effect.
    const answers = await s.deliverAll(['customer.subscription.deleted']);
    expect(answers[0]?.body.outcome).toBe('IGNORED');
  });

  it('if Stripe refuses the cancellation, nothing is deleted', async () => {
    const { organization, owner, sub } = await subscribed('yearly');
    // A 4xx: the SDK retries 5xx answers itself (maxNetworkRetries), as it should.
    s.fake.failNext(
      'DELETE',
      /^\/v1\/subscriptions\//,
      400,
      'invalid_request_error',
      'This subscription cannot be canceled right now.',
    );
    const err = await deleteOrganization(
      t.db,
      owner.actor,
      { organizationId: organization.id, confirm: organization.slug },
      { stripe: s.stripe },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailed);
    expect((err as Error).message).toMatch(/nothing was deleted/);
    const [still] = await t.db.select().from(organizations).where(eq(organizations.id, organization.id));
    expect(still).toBeDefined();
    expect((await s.stripe.subscriptions.retrieve(sub.id)).status).not.toBe('canceled');
    // A wrong confirmation never reaches Stripe.
    await expect(
      deleteOrganization(
        t.db,
        owner.actor,
        { organizationId: organization.id, confirm: 'nope' },
        { stripe: s.stripe },
      ),
    ).rejects.toThrow(/does not match/);
    expect((await s.stripe.subscriptions.retrieve(sub.id)).status).not.toBe('canceled');
  });
});

describe('the billing cells of the matrix, in Stripe mode (SPEC §2)', () => {
  const probes: Record<string, (c: Awaited<ReturnType<typeof cellFor>>) => Promise<unknown>> = {
    'billing:view': (c) => getBillingOverview(t.db, c.actor, c.organization.id),
    'billing:portal': (c) =>
      openBillingPortal(t.db, s.stripe, c.actor, c.organization.id, billingUrl(c.organization.slug)),
    'billing:change-plan': async (c) => {
      await requestStripeCancel(t.db, s.stripe, c.actor, c.organization.id);
      await s.deliverAll();
      await requestStripeResume(t.db, s.stripe, c.actor, c.organization.id);
      await s.deliverAll();
      return change(c.actor, c.organization, 'monthly');
    },
  };

  async function cellFor(role: (typeof ROLES)[number]) {
    const { organization, owner } = await subscribed('yearly');
    const member = role === 'OWNER' ? owner : await addMember(t.db, organization.id, role);
    return { organization, actor: member.actor, userId: member.id };
  }

  for (const action of Object.keys(PERMISSIONS).filter((a) => a.startsWith('billing:'))) {
    for (const role of ROLES) {
      const allowed = PERMISSIONS[action as keyof typeof PERMISSIONS].allowed[role];
      it(`${action} × ${role} → ${allowed ? 'allowed' : 'forbidden'}`, async () => {
        const probe = probes[action];
        expect(probe, `no Stripe-mode probe for ${action}`).toBeDefined();
        const cell = await cellFor(role);
        if (allowed) await probe!(cell);
        else await expect(probe!(cell)).rejects.toBeInstanceOf(Forbidden);
      });
    }
  }

  it('a BILLING member POSTing a plan change gets 403 and nothing reaches Stripe', async () => {
    const { organization } = await subscribed('yearly');
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const before = s.fake.requests.length;
    const r = await runRoute(
      billingRoute.action,
      postForm(`/o/${organization.slug}/billing`, await cookieFor(t.db, billing.id), {
        intent: 'change-plan',
        planKey: 'monthly',
        confirm: 'yes',
      }),
      { slug: organization.slug },
    );
    expect(r.status).toBe(403);
    expect(s.fake.requests.slice(before).filter((q) => q.method !== 'GET')).toHaveLength(0);
  });
});
