// Saved cards (issue 13 §10): listed from Stripe by the user's own customer (brand, last 4, expiry), the
// portal for managing them, and local mode saying no cards are stored.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cookieFor, createUser } from '~/orgs/test-support';
import { users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, postForm, runRoute } from '../../tests/support/routes';
import { useFakeStripe } from '../../tests/support/stripe';
import { listPaymentMethods, paymentMethodsPortalUrl } from './payment-methods.server';

const t = useAppTestDatabase();
const s = useFakeStripe(() => t.db);

async function customerWithCards() {
  const user = await createUser(t.db);
  const customer = await s.stripe.customers.create({ email: user.email });
  await t.db.update(users).set({ stripeCustomerId: customer.id }).where(eq(users.id, user.id));
  s.fake.attachCard(customer.id, { brand: 'mastercard', last4: '4444', exp_month: 3, exp_year: 2031 });
  s.fake.attachCard(customer.id, { brand: 'visa', last4: '1111', exp_month: 1, exp_year: 2020 });
  // Someone else's card is never listed.
  const other = await s.stripe.customers.create({ email: 'other@example.com' });
  s.fake.attachCard(other.id, { last4: '9999' });
  return user;
}

describe('payment methods', () => {
  it('lists the user’s own cards from Stripe, with expiry', async () => {
    const user = await customerWithCards();
    const view = await listPaymentMethods(t.db, user.id, { now: new Date('2026-12-02T00:00:00Z') });
    expect(view).toMatchObject({ mode: 'stripe', hasCustomer: true });
    const cards = view.mode === 'stripe' ? view.cards : [];
    expect(cards.map((c) => [c.brand, c.last4, c.expMonth, c.expYear, c.expired]).sort()).toEqual([
      ['mastercard', '4444', 3, 2031, false],
      ['visa', '1111', 1, 2020, true],
    ]);
  });

  it('a user without a Stripe customer has no cards and no portal', async () => {
    const user = await createUser(t.db);
    expect(await listPaymentMethods(t.db, user.id)).toEqual({
      mode: 'stripe',
      hasCustomer: false,
      cards: [],
    });
    await expect(paymentMethodsPortalUrl(t.db, user.id)).rejects.toMatchObject({ status: 403 });
  });

  it('the page lists the cards and "Manage cards" answers 303 to the Stripe portal', async () => {
    const user = await customerWithCards();
    const cookie = await cookieFor(t.db, user.id);
    const mod = await import('~/routes/settings.payment-methods');
    const page = await runRoute(mod.loader, getPage('/settings/payment-methods', cookie), {});
    expect(page.status).toBe(200);
    const portal = await runRoute(
      mod.action,
      postForm('/settings/payment-methods', cookie, { intent: 'portal' }),
      {},
    );
    expect(portal.status).toBe(303);
    expect(portal.location).toMatch(/\/portal\//);
    const junk = await runRoute(
      mod.action,
      postForm('/settings/payment-methods', cookie, { intent: 'x' }),
      {},
    );
    expect(junk.status).toBe(400);
    const anonymous = await runRoute(mod.loader, getPage('/settings/payment-methods'), {});
    expect(anonymous.status).toBe(302);
  });

  it('local mode: no cards are stored', async () => {
    const user = await createUser(t.db);
    expect(await listPaymentMethods(t.db, user.id, { stripe: null })).toEqual({ mode: 'local' });
    await expect(paymentMethodsPortalUrl(t.db, user.id, { stripe: null })).rejects.toThrow(/not stored/);
  });
});
