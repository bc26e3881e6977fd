// POST /webhooks/stripe against a fake Stripe built from Stripe's own fixtures (issue 10 §6, SPEC §6):
// verification before any write, one effect per event however often or concurrently it arrives, the newest
// state winning whatever the order, rollback + 500 on failure and success on redelivery, the end of a
// subscription switching the same row to free with modules trimmed, and every "no effect" case recorded.
import { and, asc, eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { enableModule } from '~/orgs/modules.server';
import { deleteOrganization } from '~/orgs/organizations.server';
import { addMember, cookieFor, countRows, createOrg } from '~/orgs/test-support';
import * as layoutRoute from '~/routes/o.$slug';
import { auditLogs, emailLogs, organizationModules, plans, subscriptions, webhookEvents } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { getPage, runRoute } from '../../tests/support/routes';
import {
  postWebhook,
  sessionIdOf,
  useFakeStripe,
  WEBHOOK_SECRET,
  type WebhookAnswer,
} from '../../tests/support/stripe';
import { requestStripePlanChange } from './stripe-billing.server';

const t = useAppTestDatabase();
const s = useFakeStripe(() => t.db);

const billingUrl = (slug: string) => `http://localhost/o/${slug}/billing`;

async function rowOf(organizationId: string) {
  const [row] = await t.db
    .select({ subscription: subscriptions, planKey: plans.key })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  return { ...row!.subscription, planKey: row!.planKey };
}

const auditCount = (organizationId: string, action: string) =>
  countRows(
    t.db,
    sql`SELECT count(*) AS n FROM audit_logs WHERE organization_id = ${organizationId} AND action = ${action}`,
  );

async function ledger(eventId: string) {
  const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, eventId));
  return row;
}

/** An organization that went through Checkout for `planKey`; its events are left undelivered. */
async function checkedOut(planKey = 'monthly') {
  const { organization, owner } = await createOrg(t.db);
  s.takeEvents();
  const result = await requestStripePlanChange(t.db, s.stripe, owner.actor, organization.id, {
    planKey,
    billingUrl: billingUrl(organization.slug),
  });
  if (result.kind !== 'checkout') throw new Error(`expected a Checkout, got ${result.kind}`);
  const sub = await s.fake.completeCheckout(sessionIdOf(result.url));
  return { organization, owner, sub: sub as Stripe.Subscription };
}

/** Checked out and every event delivered: the organization is on the paid plan. */
async function subscribed(planKey = 'monthly') {
  const c = await checkedOut(planKey);
  const answers = await s.deliverAll();
  expect(answers.every((a) => a.status === 200)).toBe(true);
  return c;
}

describe('signature verification (nothing is written before it passes)', () => {
  it('refuses a bad signature, a missing header, an old timestamp and a tampered body with 400', async () => {
    const { sub } = await checkedOut();
    const [event] = s.takeEvents(['customer.subscription.created']);
    const before = await countRows(t.db, sql`SELECT count(*) AS n FROM webhook_events`);
    const { body, signature } = s.fake.signedPayload(event!, WEBHOOK_SECRET);

    const forged = s.fake.signedPayload(event!, 'whsec_someone_else');
    expect((await postWebhook(forged.body, { 'stripe-signature': forged.signature })).status).toBe(400);
    expect((await postWebhook(body, {})).status).toBe(400);
    const old = s.fake.signedPayload(event!, WEBHOOK_SECRET, {
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    const oldAnswer = await postWebhook(old.body, { 'stripe-signature': old.signature });
    expect(oldAnswer.status).toBe(400);
    expect(oldAnswer.body.error?.message).toMatch(/tolerance|timestamp/i);
    const truncated = await postWebhook(body.slice(0, -10), { 'stripe-signature': signature });
    expect(truncated.status).toBe(400);
    const replayedOnOtherBody = await postWebhook(body.replace(sub.id, 'sub_forged'), {
      'stripe-signature': signature,
    });
    expect(replayedOnOtherBody.status).toBe(400);
    expect(replayedOnOtherBody.body.error?.code).toBe('validation_failed');

    expect(await countRows(t.db, sql`SELECT count(*) AS n FROM webhook_events`)).toBe(before);
  });

  it('refuses a signed body that is not JSON, or not a Stripe event, with 400 and no row', async () => {
    const before = await countRows(t.db, sql`SELECT count(*) AS n FROM webhook_events`);
    const timestamp = Math.floor(Date.now() / 1000);
    for (const payload of ['not json at all', '{"id":"evt_1","object":"customer"}', '[]']) {
      const signature = s.stripe.webhooks.generateTestHeaderString({
        payload,
        secret: WEBHOOK_SECRET,
        timestamp,
      });
      const answer = await postWebhook(payload, { 'stripe-signature': signature });
      expect(answer.status, payload).toBe(400);
      expect(answer.body.error?.message).toBeTruthy();
    }
    expect(await countRows(t.db, sql`SELECT count(*) AS n FROM webhook_events`)).toBe(before);
  });
});

describe('checkout and the subscription life cycle', () => {
  it('a completed Checkout puts the organization on the plan, audited as the system', async () => {
    const { organization, sub } = await checkedOut('yearly');
    const answers = await s.deliverAll();
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const row = await rowOf(organization.id);
    expect(row.planKey).toBe('yearly');
    expect(row.status).toBe('ACTIVE');
    expect(row.stripeSubscriptionId).toBe(sub.id);
    expect(row.currentPeriodEnd).not.toBeNull();
    // The period comes from the subscription item (current API shape).
    expect(row.currentPeriodEnd!.getTime() / 1000).toBe(sub.items.data[0]!.current_period_end);
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(
        and(eq(auditLogs.organizationId, organization.id), eq(auditLogs.action, 'subscription.started')),
      );
    expect(audit?.actorType).toBe('SYSTEM');
    expect(audit?.userId).toBeNull();
  });

  it('the same event twice changes nothing the second time', async () => {
    const { organization } = await checkedOut();
    const events = s.takeEvents();
    const created = events.find((e) => e.type === 'customer.subscription.created')!;
    const first = await s.deliver(created);
    expect(first.body).toMatchObject({ duplicate: false, outcome: 'APPLIED' });
    const updatedAt = (await rowOf(organization.id)).updatedAt;
    const second = await s.deliver(created);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true });
    expect((await rowOf(organization.id)).updatedAt).toEqual(updatedAt);
    expect(await auditCount(organization.id, 'subscription.started')).toBe(1);
    expect((await ledger(created.id))?.attempts).toBe(1);
  });

  itConcurrent('twenty concurrent deliveries of one event have one effect', async () => {
    const { organization } = await checkedOut();
    const created = s.takeEvents(['customer.subscription.created'])[0]!;
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.deliver(created)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(await auditCount(organization.id, 'subscription.started')).toBe(1);
    expect((await rowOf(organization.id)).planKey).toBe('monthly');
    expect(
      await countRows(t.db, sql`SELECT count(*) AS n FROM webhook_events WHERE event_id = ${created.id}`),
    ).toBe(1);
  });

  it('updated before created works, and an older event never overwrites newer state', async () => {
    const { organization, sub } = await checkedOut();
    const checkoutEvents = s.takeEvents();
    // Two changes at Stripe, a minute apart: set to cancel, then resumed.
    s.fake.advance(60);
    await s.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    s.fake.advance(60);
    await s.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    const [cancelEvent, resumeEvent] = s.takeEvents(['customer.subscription.updated']);
    expect(cancelEvent!.created).toBeLessThan(resumeEvent!.created);

    // Newest first: it attaches the subscription (by the customer) from Stripe's current state.
    expect((await s.deliver(resumeEvent!)).body.outcome).toBe('APPLIED');
    let row = await rowOf(organization.id);
    expect(row).toMatchObject({ planKey: 'monthly', stripeSubscriptionId: sub.id, cancelAtPeriodEnd: false });
    // Then the older ones: stale, recorded, no effect.
    expect((await s.deliver(cancelEvent!)).body.outcome).toBe('STALE');
    for (const e of checkoutEvents.filter((e) => e.type.startsWith('customer.subscription.')))
      expect((await s.deliver(e)).body.outcome).toBe('STALE');
    row = await rowOf(organization.id);
    expect(row.cancelAtPeriodEnd).toBe(false);
    expect(row.stripeEventCreatedAt!.getTime()).toBe(resumeEvent!.created * 1000);
    expect((await ledger(cancelEvent!.id))?.outcome).toBe('STALE');
  });

  it('a handler failure answers 500 with nothing written; the redelivery succeeds', async () => {
    const { organization } = await checkedOut();
    const created = s.takeEvents(['customer.subscription.created'])[0]!;
    // Make the audit insert (the effect's last write) fail, after the subscription row was updated.
    await t.db.execute(sql`
      CREATE OR REPLACE FUNCTION test_fail_subscription_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'subscription.started' THEN RAISE EXCEPTION 'injected failure'; END IF;
        RETURN NEW;
      END $$`);
    await t.db.execute(
      sql`CREATE TRIGGER test_fail_subscription_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION test_fail_subscription_audit()`,
    );
    let failed: WebhookAnswer;
    try {
      failed = await s.deliver(created);
    } finally {
      await t.db.execute(sql`DROP TRIGGER test_fail_subscription_audit ON audit_logs`);
    }
    expect(failed.status).toBe(500);
    expect(failed.body.error?.code).toBe('webhook_failed');
    const row = await rowOf(organization.id);
    expect(row.planKey).toBe('free');
    expect(row.stripeSubscriptionId).toBeNull();
    expect(await auditCount(organization.id, 'subscription.started')).toBe(0);
    // The ledger shows the failed delivery, unprocessed, so staff see it and Stripe's retry is let in.
    expect(await ledger(created.id)).toMatchObject({ outcome: 'FAILED', processedAt: null, attempts: 1 });
    expect((await ledger(created.id))?.error).toMatch(/injected failure/);

    const retried = await s.deliver(created);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ duplicate: false, outcome: 'APPLIED' });
    expect((await rowOf(organization.id)).planKey).toBe('monthly');
    expect(await ledger(created.id)).toMatchObject({ outcome: 'APPLIED', error: null, attempts: 2 });
  });

  it('the end of a paid subscription switches the same row to free and trims modules, newest first', async () => {
    const { organization, owner, sub } = await subscribed();
    const before = await rowOf(organization.id);
    // visitor_management is on since creation; three more, in order, on the paid plan (limit 5).
    for (const key of ['ticket_management', 'inventory', 'crm'])
      await enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: key });
    await s.stripe.subscriptions.cancel(sub.id);
    const answers = await s.deliverAll(['customer.subscription.deleted']);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.body.outcome).toBe('APPLIED');
    const row = await rowOf(organization.id);
    expect(row).toMatchObject({
      id: before.id,
      planKey: 'free',
      status: 'ACTIVE',
      stripeSubscriptionId: null,
      stripeCustomerId: before.stripeCustomerId,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
    });
    const enabled = await t.db
      .select({ key: organizationModules.moduleKey })
      .from(organizationModules)
      .where(
        and(eq(organizationModules.organizationId, organization.id), eq(organizationModules.isEnabled, true)),
      )
      .orderBy(asc(organizationModules.moduleKey));
    // The free plan allows two: the two enabled first stay.
    expect(enabled.map((m) => m.key)).toEqual(['ticket_management', 'visitor_management']);
    expect(await auditCount(organization.id, 'subscription.ended')).toBe(1);
    expect(await auditCount(organization.id, 'module.disabled')).toBe(2);
  });

  it('a plan changed in the portal changes the plan here, through the price mapping', async () => {
    const { organization, sub } = await subscribed('monthly');
    const [yearly] = await t.db.select().from(plans).where(eq(plans.key, 'yearly'));
    const item = sub.items.data[0]!;
    await s.stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: yearly!.stripePriceId! }],
      proration_behavior: 'always_invoice',
    });
    await s.deliverAll(['customer.subscription.updated']);
    expect((await rowOf(organization.id)).planKey).toBe('yearly');
    expect(await auditCount(organization.id, 'subscription.plan_changed')).toBe(1);
  });

  it('a price no plan knows is recorded and refused, never guessed', async () => {
    const { organization, sub } = await subscribed('monthly');
    const product = await s.stripe.products.create({ name: 'Something else' });
    const stray = await s.stripe.prices.create({
      currency: 'usd',
      unit_amount: 2900,
      recurring: { interval: 'month' },
      product: product.id,
    });
    await s.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: stray.id }],
    });
    const [answer] = await s.deliverAll(['customer.subscription.updated']);
    expect(answer!.status).toBe(200);
    expect(answer!.body.outcome).toBe('IGNORED');
    expect(answer!.body.note).toContain(`Unknown Stripe price ${stray.id}`);
    expect((await rowOf(organization.id)).planKey).toBe('monthly');
  });
});

describe('events with no effect are recorded and answered 200', () => {
  it('an unknown customer, an unknown event type', async () => {
    const customer = await s.stripe.customers.create({ name: 'Nobody here' });
    const unknownCustomer = s.fake.buildEvent('invoice.paid', {
      id: 'in_unknown',
      object: 'invoice',
      customer: customer.id,
      amount_paid: 100,
      amount_due: 100,
      currency: 'usd',
    });
    const a = await s.deliver(unknownCustomer);
    expect(a.status).toBe(200);
    expect(a.body.outcome).toBe('IGNORED');
    expect((await ledger(unknownCustomer.id))?.error).toMatch(/No organization has the Stripe customer/);

    const odd = s.fake.buildEvent('payout.paid', { id: 'po_1', object: 'payout' });
    const b = await s.deliver(odd);
    expect(b.status).toBe(200);
    expect(await ledger(odd.id)).toMatchObject({ outcome: 'IGNORED', type: 'payout.paid' });
    expect((await ledger(odd.id))?.processedAt).not.toBeNull();
  });

  it('a Checkout completed for an organization deleted meanwhile: recorded, and Stripe subscription canceled', async () => {
    const { organization, owner } = await createOrg(t.db);
    const result = await requestStripePlanChange(t.db, s.stripe, owner.actor, organization.id, {
      planKey: 'monthly',
      billingUrl: billingUrl(organization.slug),
    });
    if (result.kind !== 'checkout') throw new Error('expected Checkout');
    await deleteOrganization(
      t.db,
      owner.actor,
      { organizationId: organization.id, confirm: organization.slug },
      { stripe: s.stripe },
    );
    s.takeEvents();
    const sub = await s.fake.completeCheckout(sessionIdOf(result.url));
    const completed = s.takeEvents(['checkout.session.completed'])[0]!;
    const answer = await s.deliver(completed);
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('IGNORED');
    expect(answer.body.note).toMatch(/no longer exists/);
    expect((await s.stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
  });
});

describe('invoices, payment failures and refunds', () => {
  it('a paid invoice queues a receipt for owners and billing members, audited', async () => {
    const { organization, owner } = await checkedOut('yearly');
    const billing = await addMember(t.db, organization.id, 'BILLING');
    await addMember(t.db, organization.id, 'MEMBER');
    const paid = s.takeEvents(['invoice.paid'])[0]!;
    expect((await s.deliver(paid)).body.outcome).toBe('APPLIED');
    const receipts = await t.db
      .select({ to: emailLogs.to })
      .from(emailLogs)
      .where(
        and(
          eq(emailLogs.template, 'payment-receipt'),
          eq(emailLogs.entityId, (paid.data.object as Stripe.Invoice).id!),
        ),
      );
    expect(receipts.map((r) => r.to).sort()).toEqual([owner.email, billing.email].sort());
    expect(await auditCount(organization.id, 'stripe_invoice.paid')).toBe(1);
  });

  it('a failed payment: email, PAST_DUE, and the banner for OWNER and BILLING only', async () => {
    const { organization, owner, sub } = await subscribed();
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const member = await addMember(t.db, organization.id, 'MEMBER');
    await s.fake.setSubscriptionStatus(sub.id, 'past_due');
    const answers = await s.deliverAll();
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await rowOf(organization.id)).status).toBe('PAST_DUE');
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM email_logs WHERE template = 'payment-failed' AND "to" = ${owner.email}`,
      ),
    ).toBe(1);
    expect(await auditCount(organization.id, 'stripe_invoice.payment_failed')).toBe(1);
    const banner = async (userId: string) => {
      const r = await runRoute(
        layoutRoute.loader,
        getPage(`/o/${organization.slug}`, await cookieFor(t.db, userId)),
        {
          slug: organization.slug,
        },
      );
      return (r.data as { pastDue: boolean }).pastDue;
    };
    expect(await banner(owner.id)).toBe(true);
    expect(await banner(billing.id)).toBe(true);
    expect(await banner(member.id)).toBe(false);
  });

  it('a refund is audited; a trial reminder is queued once', async () => {
    const { organization, sub } = await subscribed('yearly');
    const customer = (await rowOf(organization.id)).stripeCustomerId!;
    await s.fake.refundLatestCharge(customer);
    const [refund] = await s.deliverAll(['charge.refunded']);
    expect(refund!.body.outcome).toBe('APPLIED');
    expect(await auditCount(organization.id, 'stripe_charge.refunded')).toBe(1);

    const reminder = s.fake.buildEvent('customer.subscription.trial_will_end', {
      ...sub,
      trial_end: s.fake.now() + 3 * 86400,
    });
    const again = s.fake.buildEvent('customer.subscription.trial_will_end', {
      ...sub,
      trial_end: s.fake.now() + 3 * 86400,
    });
    await s.deliver(reminder);
    await s.deliver(again);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM email_logs WHERE template = 'trial-ending' AND entity_id = ${(await rowOf(organization.id)).id}`,
      ),
    ).toBe(1);
  });
});
