// The one way the app reaches Stripe (issue 10 §1): the official SDK, configured from the environment.
// STRIPE_API_BASE points it at another host (tests and `npm run stripe:fake` run a local fake Stripe), so
// no code path talks HTTP to Stripe by hand. Stripe mode is "a secret key is configured"; without one the
// app runs in local billing mode (plan changes apply directly, billing-run invoices).
import Stripe from 'stripe';
import { env } from '~/env.server';
import { Conflict } from '~/lib/errors';

export type { Stripe };

/** Stripe mode: a configured secret key. */
export function isStripeMode(): boolean {
  return Boolean(env().STRIPE_SECRET_KEY);
}

let cached: { key: string; base: string; client: Stripe } | null = null;

/** The configured client, or null in local billing mode. */
export function stripeClientOrNull(): Stripe | null {
  const { STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base = '' } = env();
  if (!key) return null;
  if (cached && cached.key === key && cached.base === base) return cached.client;
  const client = new Stripe(key, {
    ...hostConfig(base),
    // The SDK retries network errors and 409/5xx with the same idempotency key it generated.
    maxNetworkRetries: 2,
    timeout: 15_000,
    appInfo: { name: 'saas-platform' },
  });
  cached = { key, base, client };
  return client;
}

/** The configured client; a Conflict (409 with a message) in local billing mode. */
export function stripeClient(): Stripe {
  const client = stripeClientOrNull();
  if (!client) throw new Conflict('Stripe is not configured: this installation runs in local billing mode.');
  return client;
}

/** `http://127.0.0.1:12111` → the SDK's host / port / protocol options. */
export function hostConfig(base: string): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!base) return {};
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    protocol,
  };
}

/** Stripe's message for a refused call, for a person to read ("Your card was declined."). */
export function stripeErrorMessage(err: unknown): string {
  if (err instanceof Stripe.errors.StripeError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
