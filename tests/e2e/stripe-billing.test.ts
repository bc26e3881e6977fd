// The whole Stripe life cycle of an organization in a browser (issue 10 "Done when"), with JavaScript on and
// off: an owner upgrades through the fake Stripe's hosted Checkout page, comes back to the new plan, opens
// the portal from the billing page, cancels at period end there and returns to see it. A production app
// instance runs in Stripe mode against the fake Stripe, which delivers signed webhooks to it synchronously,
// exactly as Stripe would (only faster). Nothing in the app is stubbed.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { createOrganization } from '~/orgs/organizations.server';
import { expectAccessible, useBrowser } from './fixtures';
import { useStripeInstance } from './stripe-instance';

const available = inject('e2eBaseUrl') !== null && inject('e2eDatabaseUrl') !== null;
const describeStripe = available
  ? describe
  : describe.skip.bind(describe, 'Stripe life cycle in a browser (needs Chromium and PostgreSQL): skipped');

const id = () => randomBytes(4).toString('hex');

describeStripe('Stripe billing in a browser (fake Stripe, real webhooks)', () => {
  const browser = useBrowser();
  const stripe = useStripeInstance('stripe');

  async function ownerWithOrganization() {
    const owner = await createPasswordUser(stripe.db, { email: `stripe-owner-${id()}@example.com` });
    const slug = `paid-${id()}`;
    await createOrganization(
      stripe.db,
      { ...userActor(owner.id), userId: owner.id },
      { name: `Paid ${slug}`, slug },
    );
    return { ...owner, slug };
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${stripe.app.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  for (const javaScriptEnabled of [true, false]) {
    it(`upgrade through Checkout, then cancel in the portal (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const owner = await ownerWithOrganization();
      const page = await browser.newPage({ javaScriptEnabled });
      await signIn(page, owner.email, owner.password);
      const billing = `${stripe.app.url}/o/${owner.slug}/billing`;
      await page.goto(billing);
      await expect.poll(() => page.getByText('Payments by Stripe').count()).toBe(1);
      await expectAccessible(page);

      // Upgrade: the billing form answers 303 to Stripe's hosted Checkout page.
      await page.getByRole('button', { name: 'Upgrade to Enterprise' }).click();
      await page.waitForURL((u) => u.origin === stripe.fake.url && u.pathname.startsWith('/checkout/'));
      await expect.poll(() => page.getByRole('heading', { name: /Enterprise/ }).count()).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Subscribe' }).click();

      // Back on the billing page: the webhooks have landed, the plan is Enterprise.
      await page.waitForURL(
        (u) => u.origin === stripe.app.url && u.searchParams.get('checkout') === 'success',
      );
      await expect
        .poll(() => page.getByRole('heading', { name: 'Current plan: Enterprise' }).count())
        .toBe(1);
      expect(await page.getByText(/Thank you: .* is on the Enterprise plan/).count()).toBe(1);

      // The portal: cancel at period end there, and come back.
      await page.getByRole('button', { name: 'Manage payment methods' }).click();
      await page.waitForURL((u) => u.origin === stripe.fake.url && u.pathname.startsWith('/portal/'));
      await page.getByRole('button', { name: 'Cancel plan' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Renew plan' }).count()).toBe(1);
      await page.getByRole('link', { name: /^Return/ }).click();
      await page.waitForURL((u) => u.origin === stripe.app.url && u.pathname === `/o/${owner.slug}/billing`);
      await expect.poll(() => page.getByText(/The subscription ends on/).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Resume subscription' }).count()).toBe(1);
      await page.screenshot({
        path: `${process.env.E2E_SCREENSHOTS ?? '/tmp'}/stripe-billing-js-${javaScriptEnabled ? 'on' : 'off'}.png`,
        fullPage: true,
      });

      // Every delivery the fake made was accepted: no 4xx/5xx, nothing left for Stripe to retry.
      const failed = stripe.fake.deliveries.filter((d) => d.status !== 200);
      expect(failed, JSON.stringify(failed)).toEqual([]);
    });
  }
});
