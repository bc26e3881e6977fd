// Plans ↔ Stripe prices (issue 10 §2). A paid plan maps to exactly one Stripe price through
// plans.stripe_price_id; `npm run stripe:sync` makes that so. The price's lookup_key is the plan key, so the
// sync finds what an earlier run (or a teammate on the same Stripe account) created instead of duplicating
// it. A price whose amount, currency or interval no longer matches the plan is replaced by a new price that
// takes over the lookup key (Stripe prices are immutable). Prices are never guessed from amounts: a price no
// plan knows is refused by the webhook handler (stripe-webhook.server.ts).
import { and, asc, eq, isNull } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '~db/client.server';
import { plans } from '~db/schema';
import { isPaidPlan } from './plans';

type PlanRow = typeof plans.$inferSelect;

const STRIPE_INTERVAL = { MONTHLY: 'month', YEARLY: 'year' } as const;

/** The product id a plan's prices hang on (custom product ids make the lookup idempotent). */
export const productIdOf = (planKey: string) => `plan_${planKey}`;

export interface PlanSyncResult {
  planKey: string;
  priceId: string;
  /** found: an existing price matched; created: a new price (and maybe product) was made. */
  action: 'found' | 'created' | 'replaced';
}

function priceMatches(price: Stripe.Price, plan: PlanRow): boolean {
  const interval = STRIPE_INTERVAL[plan.billingInterval as keyof typeof STRIPE_INTERVAL];
  return (
    price.active &&
    price.unit_amount === plan.price &&
    price.currency.toLowerCase() === plan.currency.toLowerCase() &&
    price.recurring?.interval === interval &&
    (price.recurring?.interval_count ?? 1) === 1
  );
}

async function ensureProduct(stripe: Stripe, plan: PlanRow): Promise<string> {
  const id = productIdOf(plan.key);
  try {
    const product = await stripe.products.retrieve(id);
    if (product.name !== plan.name || !product.active)
      await stripe.products.update(id, { name: plan.name, active: true });
    return id;
  } catch (err) {
    if ((err as { code?: string }).code !== 'resource_missing') throw err;
  }
  await stripe.products.create(
    { id, name: plan.name, description: plan.description ?? undefined, metadata: { plan_key: plan.key } },
    { idempotencyKey: `product:${id}` },
  );
  return id;
}

/** Creates or finds the product and price of every paid plan and stores the price ids. Idempotent. */
export async function syncStripePlans(db: Database, stripe: Stripe): Promise<PlanSyncResult[]> {
  const rows = await db
    .select()
    .from(plans)
    .where(and(eq(plans.isActive, true), isNull(plans.deletedAt)))
    .orderBy(asc(plans.displayOrder));
  const results: PlanSyncResult[] = [];
  for (const plan of rows.filter(isPaidPlan)) {
    const interval = STRIPE_INTERVAL[plan.billingInterval as keyof typeof STRIPE_INTERVAL];
    const existing = await stripe.prices.list({ lookup_keys: [plan.key], active: true, limit: 1 });
    const found = existing.data[0];
    let priceId: string;
    let action: PlanSyncResult['action'];
    if (found && priceMatches(found, plan)) {
      priceId = found.id;
      action = 'found';
    } else {
      const product = await ensureProduct(stripe, plan);
      const price = await stripe.prices.create({
        product,
        unit_amount: plan.price,
        currency: plan.currency.toLowerCase(),
        recurring: { interval },
        lookup_key: plan.key,
        // Moves the key from a stale price, so lookups find the one that matches the plan now.
        transfer_lookup_key: Boolean(found),
        metadata: { plan_key: plan.key },
      });
      priceId = price.id;
      action = found ? 'replaced' : 'created';
    }
    if (plan.stripePriceId !== priceId)
      await db.update(plans).set({ stripePriceId: priceId }).where(eq(plans.id, plan.id));
    results.push({ planKey: plan.key, priceId, action });
  }
  return results;
}

/** The plan a Stripe price stands for, or null when no plan has it (never guessed). */
export async function planForPrice(
  tx: Database,
  priceId: string | null | undefined,
): Promise<PlanRow | null> {
  if (!priceId) return null;
  const [plan] = await tx
    .select()
    .from(plans)
    .where(and(eq(plans.stripePriceId, priceId), isNull(plans.deletedAt)));
  return plan ?? null;
}
