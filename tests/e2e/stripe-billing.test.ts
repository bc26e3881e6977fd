// The whole Stripe life cycle of an organization in a browser (issue 10 "Done when"), with JavaScript on and
// off: an owner upgrades through the fake Stripe's hosted Checkout page, comes back to the new plan, opens
// the portal from the billing page, cancels at period end there and returns to see it. A production app
// instance runs in Stripe mode against the fake Stripe, which delivers signed webhooks to it synchronously,
// exactly as Stripe would (only faster). Nothing in the app is stubbed.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { syncStripePlans } from '~/billing/stripe-plans.server';
import { createOrganization } from '~/orgs/organizations.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { type FakeStripe, startFakeStripe } from '../fakes/stripe/server';
import { cloneTemplate, databaseUrl, dropDatabase, ensureTemplate } from '../support/pg';
import { expectAccessible, useBrowser } from './fixtures';
import { type Instance, startInstance } from './instances';

const available = inject('e2eBaseUrl') !== null && inject('e2eDatabaseUrl') !== null;
const describeStripe = available
  ? describe
  : describe.skip.bind(describe, 'Stripe life cycle in a browser (needs Chromium and PostgreSQL): skipped');

const SECRET = 'whsec_e2e_fake_stripe_webhook_secret';
const KEY = 'sk_test_e2e_fake';
const id = () => randomBytes(4).toString('hex');

describeStripe('Stripe billing in a browser (fake Stripe, real webhooks)', () => {
  const browser = useBrowser();
  let dbName: string | undefined;
  let conn: Connection | undefined;
  let fake: FakeStripe;
  let app: Instance;

  beforeAll(async () => {
    dbName = await cloneTemplate(await ensureTemplate());
    const url = databaseUrl(dbName);
    conn = connectPostgres(url, { max: 2 });
    fake = await startFakeStripe();
    app = await startInstance('stripe', url, {
      env: { STRIPE_SECRET_KEY: KEY, STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_BASE: fake.url },
    });
    fake.setWebhook({ url: `${app.url}/webhooks/stripe`, secret: SECRET }, 'sync');
    // What `npm run stripe:sync` does, on the instance's database.
    await syncStripePlans(conn.db, new Stripe(KEY, { ...fake.clientConfig(), maxNetworkRetries: 0 }));
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    await conn?.close();
    if (dbName) await dropDatabase(dbName);
  }, 30_000);

  async function ownerWithOrganization() {
    if (!conn) throw new Error('database not ready');
    const owner = await createPasswordUser(conn.db, { email: `stripe-owner-${id()}@example.com` });
    const slug = `paid-${id()}`;
    await createOrganization(
      conn.db,
      { ...userActor(owner.id), userId: owner.id },
      { name: `Paid ${slug}`, slug },
    );
    return { ...owner, slug };
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${app.url}/login`);
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
      const billing = `${app.url}/o/${owner.slug}/billing`;
      await page.goto(billing);
      await expect.poll(() => page.getByText('Payments by Stripe').count()).toBe(1);
      await expectAccessible(page);

      // Upgrade: the billing form answers 303 to Stripe's hosted Checkout page.
      await page.getByRole('button', { name: 'Upgrade to Enterprise' }).click();
      await page.waitForURL((u) => u.origin === fake.url && u.pathname.startsWith('/checkout/'));
      await expect.poll(() => page.getByRole('heading', { name: /Enterprise/ }).count()).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Subscribe' }).click();

      // Back on the billing page: the webhooks have landed, the plan is Enterprise.
      await page.waitForURL((u) => u.origin === app.url && u.searchParams.get('checkout') === 'success');
      await expect
        .poll(() => page.getByRole('heading', { name: 'Current plan: Enterprise' }).count())
        .toBe(1);
      expect(await page.getByText(/Thank you: .* is on the Enterprise plan/).count()).toBe(1);

      // The portal: cancel at period end there, and come back.
      await page.getByRole('button', { name: 'Manage payment methods' }).click();
      await page.waitForURL((u) => u.origin === fake.url && u.pathname.startsWith('/portal/'));
      await page.getByRole('button', { name: 'Cancel plan' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Renew plan' }).count()).toBe(1);
      await page.getByRole('link', { name: /^Return/ }).click();
      await page.waitForURL((u) => u.origin === app.url && u.pathname === `/o/${owner.slug}/billing`);
      await expect.poll(() => page.getByText(/The subscription ends on/).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Resume subscription' }).count()).toBe(1);
      await page.screenshot({
        path: `${process.env.E2E_SCREENSHOTS ?? '/tmp'}/stripe-billing-js-${javaScriptEnabled ? 'on' : 'off'}.png`,
        fullPage: true,
      });

      // Every delivery the fake made was accepted: no 4xx/5xx, nothing left for Stripe to retry.
      const failed = fake.deliveries.filter((d) => d.status !== 200);
      expect(failed, JSON.stringify(failed)).toEqual([]);
    });
  }
});
