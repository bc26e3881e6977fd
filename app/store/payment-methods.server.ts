// A user's saved cards (issue 13 §10; seed 003 PaymentMethod) on /settings/payment-methods: listed from
// Stripe by the user's stripe_customer_id (brand, last 4, expiry — Stripe keeps the card, we never see a
// number) and managed in Stripe's customer portal. Local mode stores no cards at all.
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { stripeClientOrNull, stripeErrorMessage } from '~/billing/stripe-client.server';
import { env } from '~/env.server';
import { Conflict, Forbidden, UpstreamFailed } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { users } from '~db/schema';

export interface SavedCard {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  expired: boolean;
}

export type PaymentMethodsView =
  | { mode: 'local' }
  | { mode: 'stripe'; hasCustomer: boolean; cards: SavedCard[] };

async function customerIdOf(db: Database, userId: string): Promise<string | null> {
  const [row] = await db.select({ id: users.stripeCustomerId }).from(users).where(eq(users.id, userId));
  return row?.id ?? null;
}

export async function listPaymentMethods(
  db: Database,
  userId: string,
  options: { stripe?: Stripe | null; now?: Date } = {},
): Promise<PaymentMethodsView> {
  const stripe = options.stripe === undefined ? stripeClientOrNull() : options.stripe;
  if (!stripe) return { mode: 'local' };
  const customer = await customerIdOf(db, userId);
  if (!customer) return { mode: 'stripe', hasCustomer: false, cards: [] };
  let list: Stripe.ApiList<Stripe.PaymentMethod>;
  try {
    list = await stripe.paymentMethods.list({ customer, type: 'card', limit: 20 });
  } catch (err) {
    throw new UpstreamFailed(`Stripe could not list your cards: ${stripeErrorMessage(err)}`);
  }
  const now = options.now ?? new Date();
  const cards = list.data.flatMap((pm) =>
    pm.card
      ? [
          {
            id: pm.id,
            brand: pm.card.brand,
            last4: pm.card.last4,
            expMonth: pm.card.exp_month,
            expYear: pm.card.exp_year,
            // A card works through the last day of its expiry month.
            expired:
              pm.card.exp_year < now.getUTCFullYear() ||
              (pm.card.exp_year === now.getUTCFullYear() && pm.card.exp_month < now.getUTCMonth() + 1),
          },
        ]
      : [],
  );
  return { mode: 'stripe', hasCustomer: true, cards };
}

/** The Stripe customer portal for the user's own customer, where cards are added, removed and made default. */
export async function paymentMethodsPortalUrl(
  db: Database,
  userId: string,
  options: { stripe?: Stripe | null } = {},
): Promise<string> {
  const stripe = options.stripe === undefined ? stripeClientOrNull() : options.stripe;
  if (!stripe) throw new Conflict('Cards are not stored in this installation (local payments).');
  const customer = await customerIdOf(db, userId);
  if (!customer)
    throw new Forbidden('You have no saved cards yet: a card is saved when you pay with Stripe.');
  try {
    const session = await stripe.billingPortal.sessions.create({
      customer,
      return_url: `${env().APP_URL}/settings/payment-methods`,
    });
    return session.url;
  } catch (err) {
    throw new UpstreamFailed(`Stripe could not open the portal: ${stripeErrorMessage(err)}`);
  }
}
