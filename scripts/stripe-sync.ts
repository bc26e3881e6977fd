// `npm run stripe:sync`: create or find the Stripe product and price of every paid plan (lookup_key = plan
// key) and store the price ids in plans.stripe_price_id. Idempotent: a second run finds everything.

import { stripeClient } from '../app/billing/stripe-client.server';
import { syncStripePlans } from '../app/billing/stripe-plans.server';
import { getDb } from '../app/db.server';
import { ConfigError, env } from '../app/env.server';

try {
  env();
  if (!env().STRIPE_SECRET_KEY) throw new ConfigError(['STRIPE_SECRET_KEY is not set: nothing to sync with']);
  const results = await syncStripePlans(await getDb(), stripeClient());
  for (const r of results) console.log(`${r.planKey.padEnd(12)} ${r.priceId}  (${r.action})`);
  if (results.length === 0) console.log('No paid plans to sync.');
  process.exit(0);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
