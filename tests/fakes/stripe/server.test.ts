// The fake Stripe, driven by the real `stripe` SDK over HTTP, with webhooks delivered to a small local
// receiver that verifies every signature the way an app does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from './server';

const SECRET = 'whsec_fake_stripe_test_secret';
const DAY = 86_400;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Received {
  body: string;
  signature: string;
  event: Stripe.Event;
}

/** A webhook endpoint; `respond` picks the status for each delivery attempt (1-based count). */
async function startReceiver(
  respond: (event: Stripe.Event, attempt: number) => number | Promise<number> = () => 200,
) {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const event = JSON.parse(body) as Stripe.Event;
    received.push({ body, signature: String(req.headers['stripe-signature']), event });
    let status = 500;
    try {
      status = await respond(event, received.length);
    } catch {
      status = 500;
    }
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    types: () => received.map((r) => r.event.type),
  };
}

async function setup(options: { respond?: Parameters<typeof startReceiver>[0] } = {}) {
  const receiver = await startReceiver(options.respond);
  const fake = await startFakeStripe({ webhook: { url: receiver.url, secret: SECRET } });
  closers.push(() => fake.close());
  const stripe = new Stripe('sk_test_fake', { ...fake.clientConfig(), maxNetworkRetries: 0 });
  return { fake, stripe, receiver };
}

/** Pro $20/month, Team $50/month, as a plan sync would create them. */
async function catalog(stripe: Stripe) {
  await stripe.products.create({ id: 'plan_pro', name: 'Pro' });
  await stripe.products.create({ id: 'plan_team', name: 'Team' });
  const recurring = { interval: 'month' as const };
  const pro = await stripe.prices.create({
    product: 'plan_pro',
    unit_amount: 2000,
    currency: 'usd',
    recurring,
    lookup_key: 'pro',
  });
  const team = await stripe.prices.create({
    product: 'plan_team',
    unit_amount: 5000,
    currency: 'usd',
    recurring,
    lookup_key: 'team',
  });
  return { pro, team };
}

/** A customer subscribed through Checkout (the helper presses Pay). */
async function subscribe(fake: FakeStripe, stripe: Stripe, price: Stripe.Price, trialDays?: number) {
  const customer = await stripe.customers.create({ email: 'owner@example.com', name: 'Owner' });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://app.test/billing',
    subscription_data: { metadata: { organization_id: 'org_1' }, trial_period_days: trialDays },
  });
  const sub = (await fake.completeCheckout(session.id)) as Stripe.Subscription;
  return { customer, session, sub };
}

const item = (sub: Stripe.Subscription) => sub.items.data[0] as Stripe.SubscriptionItem;

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

describe('fake Stripe API', () => {
  it('round-trips customers, products and prices, and finds prices by lookup key', async () => {
    const { stripe } = await setup();
    const customer = await stripe.customers.create({
      email: 'a@example.com',
      name: 'Ada',
      metadata: { organization_id: 'org_1' },
    });
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({
      email: 'a@example.com',
      name: 'Ada',
    });
    const updated = await stripe.customers.update(customer.id, { metadata: { plan: 'pro' } });
    expect(updated.metadata).toEqual({ organization_id: 'org_1', plan: 'pro' });
    expect((await stripe.customers.list({ email: 'a@example.com' })).data.map((c) => c.id)).toEqual([
      customer.id,
    ]);

    const product = await stripe.products.create({
      id: 'plan_pro',
      name: 'Pro',
      metadata: { plan_key: 'pro' },
    });
    expect(await stripe.products.retrieve('plan_pro')).toMatchObject({
      id: 'plan_pro',
      name: 'Pro',
      active: true,
    });
    await expect(stripe.products.create({ id: 'plan_pro', name: 'Again' })).rejects.toMatchObject({
      code: 'resource_already_exists',
      statusCode: 400,
    });
    const missing = await stripe.products.retrieve('prod_missing').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such product: 'prod_missing'",
    });

    const first = await stripe.prices.create({
      product: product.id,
      unit_amount: 2000,
      currency: 'usd',
      recurring: { interval: 'month' },
      lookup_key: 'pro',
    });
    expect(first).toMatchObject({
      unit_amount: 2000,
      type: 'recurring',
      recurring: { interval: 'month', interval_count: 1 },
    });
    const found = await stripe.prices.list({ lookup_keys: ['pro'], expand: ['data.product'] });
    expect(found.data.map((p) => p.id)).toEqual([first.id]);
    expect((found.data[0]?.product as Stripe.Product | undefined)?.name).toBe('Pro');
    expect(
      ((await stripe.prices.retrieve(first.id, { expand: ['product'] })).product as Stripe.Product).id,
    ).toBe('plan_pro');

    await expect(
      stripe.prices.create({ product: product.id, unit_amount: 2500, currency: 'usd', lookup_key: 'pro' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'lookup_key' });
    const second = await stripe.prices.create({
      product: product.id,
      unit_amount: 2500,
      currency: 'usd',
      recurring: { interval: 'year' },
      lookup_key: 'pro',
      transfer_lookup_key: true,
    });
    expect((await stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
    expect((await stripe.prices.list({ lookup_keys: ['pro'] })).data.map((p) => p.id)).toEqual([second.id]);

    await stripe.prices.update(first.id, { active: false });
    const active = await stripe.prices.list({ product: product.id, active: true });
    expect(active.data.map((p) => p.id)).toEqual([second.id]);
  });

  it('answers a repeated idempotency key with the first response and creates nothing new', async () => {
    const { fake, stripe } = await setup();
    const a = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'customer:1' });
    const b = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'customer:1' });
    expect(b.id).toBe(a.id);
    expect(fake.state.customers.size).toBe(1);
    expect(fake.state.events.filter((e) => e.type === 'customer.created')).toHaveLength(1);
    expect(
      fake.requests.filter((r) => r.idempotencyKey === 'customer:1').map((r) => r.replayed ?? false),
    ).toEqual([false, true]);
    await expect(
      stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'customer:1' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('runs hosted Checkout: page, Pay, 303 to success_url, a subscription and invoice of the current API shape', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro } = await catalog(stripe);
    const customer = await stripe.customers.create({ email: 'owner@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      client_reference_id: 'org_1',
      line_items: [{ price: pro.id, quantity: 1 }],
      success_url: 'http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://app.test/billing',
      subscription_data: { metadata: { organization_id: 'org_1' } },
      metadata: { organization_id: 'org_1' },
    });
    expect(session).toMatchObject({
      status: 'open',
      mode: 'subscription',
      url: `${fake.url}/checkout/${session.id}`,
    });
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]+$/);
    expect(session.expires_at).toBe(fake.now() + DAY);

    const page = await fetch(session.url as string);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<title>Fake Stripe Checkout</title>');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('Subscribe to Pro');
    expect(html).toContain('$20.00 <small>per month</small>');
    expect(html).toContain(
      `<form method="post" action="/checkout/${session.id}/pay"><button type="submit">Subscribe</button>`,
    );
    expect(html).toContain('<a href="http://app.test/billing">Cancel</a>');

    const before = receiver.received.length;
    const pay = await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(`http://app.test/billing/success?session_id=${session.id}`);
    // Delivered before the redirect was answered, in Stripe's order.
    expect(receiver.types().slice(before)).toEqual([
      'customer.subscription.created',
      'invoice.finalized',
      'invoice.paid',
      'checkout.session.completed',
    ]);
    for (const { body, signature, event } of receiver.received) {
      expect(stripe.webhooks.constructEvent(body, signature, SECRET).id).toBe(event.id);
      expect(event).toMatchObject({ object: 'event', livemode: false, api_version: Stripe.API_VERSION });
    }
    expect(fake.deliveries.every((d) => d.status === 200 && d.attempts === 1)).toBe(true);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', customer: customer.id });
    const subId = (done.subscription as Stripe.Subscription).id;
    expect(subId).toMatch(/^sub_[A-Za-z0-9]{24}$/);

    const sub = await stripe.subscriptions.retrieve(subId, { expand: ['latest_invoice'] });
    expect(sub).toMatchObject({
      status: 'active',
      customer: customer.id,
      metadata: { organization_id: 'org_1' },
    });
    expect(item(sub).id).toMatch(/^si_/);
    expect(item(sub).price.id).toBe(pro.id);
    expect(item(sub).current_period_start).toBe(fake.now());
    const days = (item(sub).current_period_end - item(sub).current_period_start) / DAY;
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThanOrEqual(31);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice.id).toBe(done.invoice);
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice).toMatchObject({
      status: 'paid',
      amount_due: 2000,
      amount_paid: 2000,
      total: 2000,
      currency: 'usd',
    });
    expect(invoice.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    expect(invoice.status_transitions.paid_at).toBe(fake.now());
    expect((await fetch(invoice.hosted_invoice_url as string)).status).toBe(200);
    const pdf = await fetch(invoice.invoice_pdf as string);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect((await pdf.text()).startsWith('%PDF-')).toBe(true);
    const charges = await stripe.charges.list({ customer: customer.id });
    expect(charges.data.map((c) => [c.amount, c.paid, c.refunded])).toEqual([[2000, true, false]]);

    const again = await fetch(`${fake.url}/checkout/${session.id}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(again.status).toBe(400);
    expect(await (await fetch(session.url as string)).text()).toContain('This checkout session is complete');
  });

  it('retries a failing webhook receiver and records every delivery', async () => {
    const { fake, stripe, receiver } = await setup({
      respond: (_event, attempt) => (attempt <= 2 ? 500 : 200),
    });
    await stripe.customers.create({ email: 'retry@example.com' });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.event.id)).size).toBe(1);
    expect(fake.deliveries).toEqual([
      { eventId: receiver.received[0]?.event.id, type: 'customer.created', status: 200, attempts: 3 },
    ]);

    // A receiver that never answers 2xx does not fail the API call; the delivery records why.
    const down = await startReceiver(() => 500);
    fake.setWebhook({ url: down.url, secret: SECRET });
    await stripe.customers.create({ email: 'down@example.com' });
    expect(fake.deliveries[1]).toMatchObject({
      type: 'customer.created',
      status: 500,
      attempts: 4,
      error: 'HTTP 500: nope',
    });
  });

  it('lets a receiver call the API, and change things, while it handles an event', async () => {
    let stripe: Stripe | null = null;
    const seen: string[] = [];
    const setupResult = await setup({
      respond: async (event) => {
        if (event.type === 'customer.subscription.created' && stripe) {
          const sub = event.data.object as Stripe.Subscription;
          seen.push((await stripe.subscriptions.retrieve(sub.id)).status);
          await stripe.subscriptions.update(sub.id, { metadata: { synced: 'yes' } });
        }
        return 200;
      },
    });
    stripe = setupResult.stripe;
    const { fake, receiver } = setupResult;
    const { pro } = await catalog(stripe);
    const { sub } = await subscribe(fake, stripe, pro);
    expect(seen).toEqual(['active']);
    expect((await stripe.subscriptions.retrieve(sub.id)).metadata).toEqual({
      organization_id: 'org_1',
      synced: 'yes',
    });
    const updated = receiver.received.find((r) => r.event.type === 'customer.subscription.updated');
    expect(updated?.event.data.previous_attributes).toEqual({ metadata: { synced: null } });
  });
});

describe('fake Stripe subscriptions', () => {
  it('bills a plan change with proration_behavior=always_invoice on a new invoice now', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro, team } = await catalog(stripe);
    const { sub } = await subscribe(fake, stripe, pro);
    const { current_period_start: start, current_period_end: end } = item(sub);
    fake.advance(Math.floor((end - start) / 2));

    const before = receiver.received.length;
    const changed = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item(sub).id, price: team.id }],
      proration_behavior: 'always_invoice',
    });
    expect(item(changed).price.id).toBe(team.id);
    expect(receiver.types().slice(before)).toEqual([
      'customer.subscription.updated',
      'invoice.finalized',
      'invoice.paid',
    ]);
    const updatedEvent = receiver.received[before]?.event;
    const previous = updatedEvent?.data.previous_attributes as {
      items: Stripe.ApiList<Stripe.SubscriptionItem>;
    };
    expect(previous.items.data[0]?.price.id).toBe(pro.id);

    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data).toHaveLength(2);
    const proration = invoices.data[0] as Stripe.Invoice;
    expect(changed.latest_invoice).toBe(proration.id);
    expect(proration).toMatchObject({ billing_reason: 'subscription_update', status: 'paid' });
    const amounts = proration.lines.data.map((l) => l.amount);
    expect(amounts[0]).toBeLessThan(0);
    expect(amounts[1]).toBeGreaterThan(0);
    // Half a period of the difference, $30 a month: about $15.
    expect(proration.total).toBeGreaterThan(1300);
    expect(proration.total).toBeLessThan(1700);
    expect(proration.amount_paid).toBe(proration.total);
    expect(proration.number).toMatch(/-0002$/);
  });

  it('cancels at period end: flagged now, canceled with customer.subscription.deleted when the period ends', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro } = await catalog(stripe);
    const { customer, sub } = await subscribe(fake, stripe, pro);
    const periodEnd = item(sub).current_period_end;

    const flagged = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(flagged).toMatchObject({
      cancel_at_period_end: true,
      cancel_at: periodEnd,
      canceled_at: fake.now(),
      status: 'active',
    });
    const renewed = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(renewed).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });

    const ended = await fake.advanceToPeriodEnd(sub.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: periodEnd });
    expect(fake.now()).toBe(periodEnd);
    expect(receiver.types().at(-1)).toBe('customer.subscription.deleted');
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data,
    ).toHaveLength(1);
    // No renewal invoice for a subscription that ended.
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
    await expect(stripe.subscriptions.update(sub.id, { cancel_at_period_end: false })).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
    });
  });

  it('cancels now with DELETE, with a prorated credit when asked to invoice now', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro } = await catalog(stripe);
    const { customer, sub } = await subscribe(fake, stripe, pro);
    fake.advance(10 * DAY);
    const canceled = await stripe.subscriptions.cancel(sub.id, { prorate: true, invoice_now: true });
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: fake.now(), canceled_at: fake.now() });
    expect(receiver.types().slice(-3)).toEqual([
      'customer.subscription.deleted',
      'invoice.finalized',
      'invoice.paid',
    ]);
    const credit = (await stripe.invoices.list({ subscription: sub.id })).data[0] as Stripe.Invoice;
    expect(credit.total).toBeLessThan(0);
    expect(credit.amount_due).toBe(0);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(credit.total);
    await expect(stripe.subscriptions.cancel(sub.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it("applies a schedule's next phase at period end and releases the schedule when it runs out", async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro, team } = await catalog(stripe);
    const { sub } = await subscribe(fake, stripe, team);
    const { current_period_start: start, current_period_end: end } = item(sub);

    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    expect(schedule.id).toMatch(/^sub_sched_/);
    expect(schedule).toMatchObject({ status: 'active', end_behavior: 'release', subscription: sub.id });
    expect(schedule.phases.map((p) => [p.start_date, p.end_date, p.items[0]?.price])).toEqual([
      [start, end, team.id],
    ]);
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBe(schedule.id);
    expect(receiver.types().at(-1)).toBe('customer.subscription.updated');

    // A downgrade at period end: keep Team until then, Pro after.
    const scheduled = await stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: 'release',
      proration_behavior: 'none',
      phases: [
        { items: [{ price: team.id, quantity: 1 }], start_date: start, end_date: end },
        { items: [{ price: pro.id, quantity: 1 }], duration: { interval: 'month', interval_count: 1 } },
      ],
    });
    expect(scheduled.phases.map((p) => p.items[0]?.price)).toEqual([team.id, pro.id]);
    expect(scheduled.phases[1]?.start_date).toBe(end);
    expect(item(await stripe.subscriptions.retrieve(sub.id)).price.id).toBe(team.id);

    const renewed = await fake.advanceToPeriodEnd(sub.id);
    expect(item(renewed).price.id).toBe(pro.id);
    expect(item(renewed).current_period_start).toBe(end);
    const cycle = await stripe.invoices.retrieve(renewed.latest_invoice);
    expect(cycle).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 2000, status: 'paid' });
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).current_phase).toEqual({
      start_date: end,
      end_date: scheduled.phases[1]?.end_date,
    });

    const after = await fake.advanceToPeriodEnd(sub.id);
    expect(after).toMatchObject({ status: 'active', schedule: null });
    expect(item(after).price.id).toBe(pro.id);
    expect(await stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({
      status: 'released',
      released_subscription: sub.id,
    });
    expect(receiver.types()).toContain('subscription_schedule.released');
  });

  it('releases a schedule on request', async () => {
    const { fake, stripe } = await setup();
    const { pro } = await catalog(stripe);
    const { sub } = await subscribe(fake, stripe, pro);
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    await expect(stripe.subscriptionSchedules.create({ from_subscription: sub.id })).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(await stripe.subscriptionSchedules.release(schedule.id)).toMatchObject({ status: 'released' });
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull();
  });

  it('goes through a trial, a failed renewal, a paid retry and a refund', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro } = await catalog(stripe);
    const { customer, session, sub } = await subscribe(fake, stripe, pro, 14);
    expect(sub).toMatchObject({
      status: 'trialing',
      trial_start: fake.now(),
      trial_end: fake.now() + 14 * DAY,
    });
    expect(item(sub).current_period_end).toBe(sub.trial_end);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'no_payment_required',
    });
    expect(await stripe.invoices.retrieve(sub.latest_invoice as string)).toMatchObject({
      amount_due: 0,
      status: 'paid',
    });
    expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(0);

    const active = await fake.advanceToPeriodEnd(sub.id);
    expect(active.status).toBe('active');
    expect(await stripe.invoices.retrieve(active.latest_invoice)).toMatchObject({
      amount_paid: 2000,
      status: 'paid',
    });

    const before = receiver.received.length;
    const pastDue = await fake.setSubscriptionStatus(sub.id, 'past_due');
    expect(pastDue.status).toBe('past_due');
    expect(receiver.types().slice(before)).toEqual([
      'invoice.payment_failed',
      'customer.subscription.updated',
    ]);
    expect(receiver.received.at(-1)?.event.data.previous_attributes).toMatchObject({ status: 'active' });
    const open = await stripe.invoices.retrieve(pastDue.latest_invoice);
    expect(open).toMatchObject({ status: 'open', amount_due: 2000, amount_paid: 0, amount_remaining: 2000 });
    const declined = (await stripe.charges.list({ customer: customer.id })).data[0];
    expect(declined).toMatchObject({ paid: false, status: 'failed', failure_code: 'card_declined' });

    expect(await stripe.invoices.pay(open.id)).toMatchObject({ status: 'paid', amount_paid: 2000 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');

    const refunded = await fake.refundLatestCharge(customer.id);
    expect(refunded).toMatchObject({ refunded: true, amount_refunded: 2000 });
    expect(receiver.received.at(-1)?.event).toMatchObject({
      type: 'charge.refunded',
      data: {
        object: { id: refunded.id, refunded: true },
        previous_attributes: { refunded: false, amount_refunded: 0 },
      },
    });

    const canceled = await fake.setSubscriptionStatus(sub.id, 'canceled');
    expect(canceled.status).toBe('canceled');
    expect(receiver.types().at(-1)).toBe('customer.subscription.deleted');
  });

  it('expires Checkout Sessions through the API and on the fake clock', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro } = await catalog(stripe);
    const create = () =>
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: pro.id, quantity: 1 }],
        success_url: 'http://app.test/ok',
        cancel_url: 'http://app.test/billing',
      });
    const first = await create();
    expect((await stripe.checkout.sessions.expire(first.id)).status).toBe('expired');
    expect(receiver.types().at(-1)).toBe('checkout.session.expired');
    await expect(stripe.checkout.sessions.expire(first.id)).rejects.toMatchObject({ statusCode: 400 });
    expect(await (await fetch(first.url as string)).text()).toContain('This checkout session has expired');
    const pay = await fetch(`${fake.url}/checkout/${first.id}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(400);

    const second = await create();
    fake.advance(DAY);
    expect((await stripe.checkout.sessions.retrieve(second.id)).status).toBe('expired');
    const listed = await stripe.checkout.sessions.list({ status: 'expired' });
    expect(listed.data.map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
  });
});

/** What the app sends to pay one invoice through Checkout (payment mode, an inline price). */
function invoiceCheckout(stripe: Stripe, options: { customer?: string; customer_email?: string } = {}) {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    ...options,
    client_reference_id: 'org_1',
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: 'usd',
          unit_amount: 6000,
          product_data: { name: 'Invoice INV-2026-000001' },
        },
      },
    ],
    payment_intent_data: { metadata: { payment_id: 'cpay1', invoice_id: 'cinv1' } },
    metadata: { payment_id: 'cpay1', invoice_id: 'cinv1', invoice_number: 'INV-2026-000001' },
    success_url: 'http://app.test/pay/tok_1?paid=1',
    cancel_url: 'http://app.test/pay/tok_1',
  });
}

describe('fake Stripe Checkout in payment mode', () => {
  it('pays one invoice: page with Pay, 303 to success_url, a succeeded PaymentIntent and charge, three signed events', async () => {
    const { fake, stripe, receiver } = await setup();
    const customer = await stripe.customers.create({ email: 'owner@example.com', name: 'Owner' });
    const session = await invoiceCheckout(stripe, { customer: customer.id });
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: 6000,
      amount_total: 6000,
      currency: 'usd',
      customer: customer.id,
      client_reference_id: 'org_1',
      metadata: { payment_id: 'cpay1', invoice_id: 'cinv1', invoice_number: 'INV-2026-000001' },
      payment_intent: null,
      subscription: null,
      invoice: null,
      url: `${fake.url}/checkout/${session.id}`,
      success_url: 'http://app.test/pay/tok_1?paid=1',
      cancel_url: 'http://app.test/pay/tok_1',
    });

    // The inline price and product: on the line item, expandable, but not in the catalog.
    const lines = await stripe.checkout.sessions.listLineItems(session.id, {
      expand: ['data.price.product'],
    });
    const line = lines.data[0] as Stripe.LineItem;
    expect(lines.data).toHaveLength(1);
    expect(line).toMatchObject({
      object: 'item',
      description: 'Invoice INV-2026-000001',
      quantity: 1,
      amount_total: 6000,
      currency: 'usd',
      price: { object: 'price', type: 'one_time', recurring: null, unit_amount: 6000, currency: 'usd' },
    });
    expect(line.price?.id).toMatch(/^price_/);
    expect(line.price?.product).toMatchObject({ object: 'product', name: 'Invoice INV-2026-000001' });
    expect((await stripe.prices.list()).data).toHaveLength(0);
    expect((await stripe.products.list()).data).toHaveLength(0);
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
    expect(expanded.line_items?.data.map((l) => l.amount_total)).toEqual([6000]);

    const page = await fetch(session.url as string);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<h1>Pay Invoice INV-2026-000001</h1>');
    expect(html).toContain('<p class="price">$60.00</p>');
    expect(html).not.toContain('per month');
    expect(html).toContain(
      `<form method="post" action="/checkout/${session.id}/pay"><button type="submit">Pay</button></form>`,
    );
    expect(html).not.toContain('Subscribe');
    expect(html).toContain('<a href="http://app.test/pay/tok_1">Cancel</a>');

    const before = receiver.received.length;
    const pay = await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe('http://app.test/pay/tok_1?paid=1');
    const events = receiver.received.slice(before);
    expect(events.map((r) => r.event.type)).toEqual([
      'payment_intent.succeeded',
      'charge.succeeded',
      'checkout.session.completed',
    ]);
    for (const { body, signature, event } of events)
      expect(stripe.webhooks.constructEvent(body, signature, SECRET).id).toBe(event.id);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      customer: customer.id,
      subscription: null,
      invoice: null,
      customer_details: { email: 'owner@example.com', name: 'Owner' },
    });
    const intent = done.payment_intent as Stripe.PaymentIntent;
    expect(intent.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(intent).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 6000,
      amount_received: 6000,
      currency: 'usd',
      customer: customer.id,
      metadata: { payment_id: 'cpay1', invoice_id: 'cinv1' },
      last_payment_error: null,
    });
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ id: intent.id });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      paid: true,
      status: 'succeeded',
      amount: 6000,
      payment_intent: intent.id,
      customer: customer.id,
      metadata: { payment_id: 'cpay1', invoice_id: 'cinv1' },
    });
    expect((await fetch(charge.receipt_url as string)).status).toBe(200);
    expect(events.map((r) => r.event.data.object)).toMatchObject([
      { id: intent.id, status: 'succeeded', metadata: { payment_id: 'cpay1' } },
      { id: charge.id, paid: true, payment_intent: intent.id },
      { id: session.id, status: 'complete', payment_status: 'paid', payment_intent: intent.id },
    ]);
    expect(fake.state.subscriptions.size).toBe(0);
    expect(fake.state.invoices.size).toBe(0);
    expect(
      (await stripe.checkout.sessions.list({ payment_intent: intent.id })).data.map((s) => s.id),
    ).toEqual([session.id]);

    const again = await fetch(`${fake.url}/checkout/${session.id}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(again.status).toBe(400);
    expect(await (await fetch(session.url as string)).text()).toContain('Your payment was received.');
  });

  it('pays without a customer, and with an existing one-time price; refuses a recurring one', async () => {
    const { fake, stripe, receiver } = await setup();
    const session = await invoiceCheckout(stripe, { customer_email: 'payer@example.com' });
    expect(session).toMatchObject({ customer: null, customer_email: 'payer@example.com' });
    const done = await fake.completeCheckout(session.id);
    expect(done).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      customer: null,
      customer_details: { email: 'payer@example.com' },
    });
    expect(receiver.types()).not.toContain('customer.created');
    expect(fake.state.customers.size).toBe(0);
    const intent = await stripe.paymentIntents.retrieve(done.payment_intent);
    expect(intent).toMatchObject({ customer: null, status: 'succeeded' });
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      customer: null,
      billing_details: { email: 'payer@example.com' },
    });

    await stripe.products.create({ id: 'setup_fee', name: 'Setup fee' });
    const fee = await stripe.prices.create({ product: 'setup_fee', unit_amount: 2500, currency: 'usd' });
    const byPrice = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: fee.id, quantity: 2 }],
      success_url: 'http://app.test/ok',
    });
    expect(byPrice).toMatchObject({ amount_total: 5000, amount_subtotal: 5000, currency: 'usd' });
    expect(await (await fetch(byPrice.url as string)).text()).toContain('<h1>Pay Setup fee</h1>');

    const { pro } = await catalog(stripe);
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: pro.id, quantity: 1 }],
        success_url: 'http://app.test/ok',
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'line_items[0][price]' });
  });

  it('declines with failCheckout: the session stays open and can be paid on the same PaymentIntent', async () => {
    const { fake, stripe, receiver } = await setup();
    const session = await invoiceCheckout(stripe);
    const before = receiver.received.length;
    const failed = await fake.failCheckout(session.id);
    expect(failed).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    expect(receiver.types().slice(before)).toEqual(['payment_intent.payment_failed', 'charge.failed']);
    const intent = await stripe.paymentIntents.retrieve(failed.payment_intent);
    expect(intent).toMatchObject({
      status: 'requires_payment_method',
      amount_received: 0,
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
      metadata: { payment_id: 'cpay1', invoice_id: 'cinv1' },
    });
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      paid: false,
      status: 'failed',
      failure_code: 'card_declined',
    });
    expect(await (await fetch(session.url as string)).text()).toContain('Your card was declined.');

    const paid = await fake.completeCheckout(session.id);
    expect(paid).toMatchObject({ status: 'complete', payment_intent: intent.id });
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      status: 'succeeded',
      last_payment_error: null,
    });
    expect((await stripe.charges.list({ payment_intent: intent.id })).data.map((c) => c.paid)).toEqual([
      true,
      false,
    ]);
  });

  it('expires an open payment session with checkout.session.expired; an expired one cannot be paid', async () => {
    const { fake, stripe, receiver } = await setup();
    const session = await invoiceCheckout(stripe);
    expect((await stripe.checkout.sessions.expire(session.id)).status).toBe('expired');
    expect(receiver.types().at(-1)).toBe('checkout.session.expired');
    const pay = await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(400);
    await expect(fake.completeCheckout(session.id)).rejects.toMatchObject({ status: 400 });
    await expect(fake.failCheckout(session.id)).rejects.toMatchObject({ status: 400 });
    expect(await (await fetch(session.url as string)).text()).toContain('Start again from the site to pay.');
    expect(fake.state.paymentIntents.size).toBe(0);
  });

  it('refunds a PaymentIntent partly and then fully, by helper and through the API', async () => {
    const { fake, stripe, receiver } = await setup();
    const customer = await stripe.customers.create({ email: 'owner@example.com' });
    const done = await fake.completeCheckout((await invoiceCheckout(stripe, { customer: customer.id })).id);
    const partly = await fake.refundPaymentIntent(done.payment_intent, 1000);
    expect(partly).toMatchObject({
      amount_refunded: 1000,
      refunded: false,
      payment_intent: done.payment_intent,
    });
    expect(receiver.received.at(-1)?.event).toMatchObject({
      type: 'charge.refunded',
      data: { object: { amount_refunded: 1000 }, previous_attributes: { amount_refunded: 0 } },
    });
    const refund = await stripe.refunds.create({ payment_intent: done.payment_intent, amount: 2000 });
    expect(refund).toMatchObject({ amount: 2000, payment_intent: done.payment_intent, status: 'succeeded' });
    const rest = await fake.refundLatestCharge(customer.id);
    expect(rest).toMatchObject({ amount_refunded: 6000, refunded: true });
    await expect(fake.refundPaymentIntent(done.payment_intent)).rejects.toMatchObject({ status: 400 });

    const open = await invoiceCheckout(stripe);
    await fake.failCheckout(open.id);
    const declined = fake.state.checkoutSessions.get(open.id).payment_intent;
    await expect(stripe.refunds.create({ payment_intent: declined })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('leaves subscription mode as it was: Subscribe, and the subscription from completeCheckout', async () => {
    const { fake, stripe } = await setup();
    const { pro } = await catalog(stripe);
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: pro.id, quantity: 1 }],
      success_url: 'http://app.test/ok',
    });
    const html = await (await fetch(session.url as string)).text();
    expect(html).toContain('<button type="submit">Subscribe</button>');
    expect(html).not.toContain('<button type="submit">Pay</button>');
    expect(session).toMatchObject({ mode: 'subscription', customer_creation: 'always' });
    await expect(fake.failCheckout(session.id)).rejects.toThrow(/subscription session/);
    const sub = await fake.completeCheckout(session.id);
    expect(sub).toMatchObject({ object: 'subscription', status: 'active' });
    expect(fake.state.paymentIntents.size).toBe(0);
    await expect(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [
          {
            price_data: {
              currency: 'usd',
              unit_amount: 100,
              product: 'plan_pro',
              recurring: { interval: 'month' },
            },
            quantity: 1,
          },
        ],
        success_url: 'http://app.test/ok',
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('fake Stripe customer portal', () => {
  it('cancels, renews and switches plans through its forms', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro, team } = await catalog(stripe);
    const { customer, sub } = await subscribe(fake, stripe, pro);
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'http://app.test/billing',
    });
    expect(portal.id).toMatch(/^bps_/);
    expect(portal.url).toBe(`${fake.url}/portal/${portal.id}`);

    const html = await (await fetch(portal.url)).text();
    expect(html).toContain('<title>Fake Stripe customer portal</title>');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<h2');
    expect(html).toContain('Pro</h2>');
    expect(html).toContain(`action="/portal/${portal.id}/cancel"`);
    expect(html).toContain('Cancel plan</button>');
    expect(html).toContain('Switch to Team</button>');
    expect(html).not.toContain('Switch to Pro');
    expect(html).toContain('<a href="http://app.test/billing">Return to app.test</a>');

    const cancel = await fetch(`${fake.url}/portal/${portal.id}/cancel`, form({ subscription: sub.id }));
    expect(cancel.status).toBe(303);
    expect(cancel.headers.get('location')).toBe(`/portal/${portal.id}`);
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
    expect(receiver.received.at(-1)?.event.data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
    });
    const flagged = await (await fetch(portal.url)).text();
    expect(flagged).toContain('Cancels at period end');
    expect(flagged).toContain('Renew plan</button>');

    const renew = await fetch(`${fake.url}/portal/${portal.id}/renew`, form({ subscription: sub.id }));
    expect(renew.status).toBe(303);
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false);

    const before = receiver.received.length;
    const switched = await fetch(
      `${fake.url}/portal/${portal.id}/switch`,
      form({ subscription: sub.id, price: team.id }),
    );
    expect(switched.status).toBe(303);
    expect(item(await stripe.subscriptions.retrieve(sub.id)).price.id).toBe(team.id);
    expect(receiver.types().slice(before)).toEqual(['customer.subscription.updated']);
    expect(await (await fetch(portal.url)).text()).toContain('Switch to Pro</button>');

    // Prorations of the switch wait for the next invoice, as with Stripe's default portal settings.
    const renewed = await fake.advanceToPeriodEnd(sub.id);
    const next = await stripe.invoices.retrieve(renewed.latest_invoice);
    expect(next.lines.data.map((l) => l.parent?.subscription_item_details?.proration)).toEqual([
      true,
      true,
      false,
    ]);

    const other = await subscribe(fake, stripe, pro);
    const foreign = await fetch(
      `${fake.url}/portal/${portal.id}/cancel`,
      form({ subscription: other.sub.id }),
    );
    expect(foreign.status).toBe(400);
    expect((await stripe.subscriptions.retrieve(other.sub.id)).cancel_at_period_end).toBe(false);
  });
});

describe('fake Stripe errors and test helpers', () => {
  it('fails the next matching request with the Stripe error failNext describes', async () => {
    const { fake, stripe } = await setup();
    const { pro } = await catalog(stripe);
    const { sub } = await subscribe(fake, stripe, pro);
    fake.failNext('DELETE', /^\/v1\/subscriptions\//, 402, 'card_error', 'Your card was declined.');
    const err = await stripe.subscriptions.cancel(sub.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ message: 'Your card was declined.', statusCode: 402, code: 'card_declined' });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    expect((await stripe.subscriptions.cancel(sub.id)).status).toBe('canceled');

    fake.failNext('POST', '/v1/customers', 500, 'api_error', 'Stripe is having a moment.');
    await expect(stripe.customers.create({})).rejects.toMatchObject({
      type: 'StripeAPIError',
      message: 'Stripe is having a moment.',
    });
    expect((await stripe.customers.create({})).id).toMatch(/^cus_/);
  });

  it('answers unknown URLs with a 404 invalid_request_error, and /healthz with 200', async () => {
    const { fake, stripe } = await setup();
    const err = await stripe.coupons.create({ percent_off: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: 'Unrecognized request URL (POST: /v1/coupons). (fake Stripe)',
    });
    expect((await fetch(`${fake.url}/healthz`)).status).toBe(200);
    const unauthenticated = await fetch(`${fake.url}/v1/customers`);
    expect(unauthenticated.status).toBe(401);
    // curl -u sk_test_…: as in Stripe's docs.
    const basic = await fetch(`${fake.url}/v1/customers`, {
      headers: { Authorization: `Basic ${Buffer.from('sk_test_fake:').toString('base64')}` },
    });
    expect(await basic.json()).toMatchObject({ object: 'list', data: [] });
  });

  it('builds signed events without storing or delivering them', async () => {
    const { fake, stripe, receiver } = await setup();
    const { pro } = await catalog(stripe);
    const { sub } = await subscribe(fake, stripe, pro);
    const stored = fake.state.events.length;
    const delivered = receiver.received.length;
    const event = fake.buildEvent('customer.subscription.updated', sub, {
      previous_attributes: { status: 'trialing' },
    });
    expect(event).toMatchObject({
      object: 'event',
      type: 'customer.subscription.updated',
      created: fake.now(),
      livemode: false,
      data: { object: { id: sub.id }, previous_attributes: { status: 'trialing' } },
    });
    expect(event.id).toMatch(/^evt_/);
    const { body, signature } = fake.signedPayload(event, SECRET);
    expect(stripe.webhooks.constructEvent(body, signature, SECRET).id).toBe(event.id);
    expect(() => stripe.webhooks.constructEvent(body, signature, 'whsec_other')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(fake.state.events).toHaveLength(stored);
    expect(receiver.received).toHaveLength(delivered);
  });
});
