// The CSP's form-action follows the billing mode: Stripe's hosted pages are where billing forms lead.
import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/env.server';
import { contentSecurityPolicy } from './security-headers.server';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvCache();
});

describe('Content-Security-Policy form-action', () => {
  it('is our origin only in local billing mode', () => {
    delete process.env.STRIPE_SECRET_KEY;
    resetEnvCache();
    expect(contentSecurityPolicy('n', false)).toContain("form-action 'self';");
  });

  it("allows Stripe's Checkout and portal origins, and STRIPE_API_BASE's, in Stripe mode", () => {
    process.env.STRIPE_SECRET_KEY = 'sk_test_csp';
    process.env.STRIPE_API_BASE = 'http://127.0.0.1:12111';
    resetEnvCache();
    expect(contentSecurityPolicy('n', false)).toContain(
      "form-action 'self' https://checkout.stripe.com https://billing.stripe.com http://127.0.0.1:12111;",
    );
  });
});
