// Invoicing in a browser (issue 11), with JavaScript on and off: an organization with two services gets
// its monthly invoice from the billing run; the owner finds it on the billing page, opens the printable
// invoice, downloads its stored PDF, prints it, and pays it by card from its payment link through the fake
// Stripe's hosted Checkout (payment mode, signed webhooks delivered synchronously); the link opens without
// signing in, an unknown one is 404. A suspended organization reaches only its billing pages, and a
// payment that clears what is overdue restores it. A production app instance runs in Stripe mode on its
// own cloned database; nothing in the app is stubbed (only window.print, to see that Print calls it).
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { userActor } from '~/audit/audit.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { resetEnvCache } from '~/env.server';
import { billingRun } from '~/invoicing/billing-run.server';
import { addService, recordManualPayment } from '~/invoicing/staff.server';
import { createOrganization } from '~/orgs/organizations.server';
import { billingAccounts, invoices, users } from '~db/schema';
import { expectAccessible, useBrowser } from './fixtures';
import { SHARED_SECRETS } from './instances';
import { useStripeInstance } from './stripe-instance';

const available = inject('e2eBaseUrl') !== null && inject('e2eDatabaseUrl') !== null;
const describeInvoicing = available
  ? describe
  : describe.skip.bind(describe, 'Invoicing in a browser (needs Chromium and PostgreSQL): skipped');

const id = () => randomBytes(4).toString('hex');
const shot = (name: string, javaScriptEnabled: boolean) =>
  `${process.env.E2E_SCREENSHOTS ?? '/tmp'}/invoicing-${name}-js-${javaScriptEnabled ? 'on' : 'off'}.png`;

// The billing run and the staff payment run in this process, as the deployment's cron and staff would:
// with the deployment's configuration (links to the instance, emails sealed with its key, left queued).
const DEPLOYMENT_ENV = ['APP_URL', 'EMAIL_DELIVERY', 'EMAIL_PAYLOAD_KEY'] as const;

describeInvoicing('Invoicing in a browser (billing run, invoice page, pay link, suspension)', () => {
  const browser = useBrowser();
  const stripe = useStripeInstance('invoicing');
  const savedEnv: Record<string, string | undefined> = {};

  beforeAll(() => {
    for (const key of DEPLOYMENT_ENV) savedEnv[key] = process.env[key];
    process.env.APP_URL = stripe.app.url;
    process.env.EMAIL_DELIVERY = 'cron';
    process.env.EMAIL_PAYLOAD_KEY = SHARED_SECRETS.EMAIL_PAYLOAD_KEY;
    resetEnvCache();
  });

  afterAll(() => {
    for (const key of DEPLOYMENT_ENV) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
    resetEnvCache();
  });

  /** An owner whose organization has two services and, after the billing run, one OPEN $35.00 invoice. */
  async function invoicedOrganization() {
    const db = stripe.db;
    const admin = await createPasswordUser(db, { email: `invoicing-admin-${id()}@example.com` });
    await db.update(users).set({ role: 'ADMIN' }).where(eq(users.id, admin.id));
    const adminActor = userActor(admin.id);
    const owner = await createPasswordUser(db, { email: `invoicing-owner-${id()}@example.com` });
    const slug = `invoiced-${id()}`;
    const organization = await createOrganization(
      db,
      { ...userActor(owner.id), userId: owner.id },
      { name: `Invoiced ${slug}`, slug },
    );
    await addService(db, adminActor, {
      organizationId: organization.id,
      type: 'POS_TERMINAL',
      name: 'Till 1',
      monthlyFee: 2500,
    });
    await addService(db, adminActor, {
      organizationId: organization.id,
      type: 'POS_MAINTENANCE',
      name: 'Maintenance',
      monthlyFee: 1000,
    });
    await billingRun.run(db, { now: new Date() });
    const [account] = await db
      .select()
      .from(billingAccounts)
      .where(eq(billingAccounts.organizationId, organization.id));
    if (!account) throw new Error('no billing account');
    const rows = await db.select().from(invoices).where(eq(invoices.billingAccountId, account.id));
    expect(rows.map((i) => [i.status, i.total])).toEqual([['OPEN', 3500]]);
    const number = rows[0]?.invoiceNumber;
    if (!number) throw new Error('the invoice has no number');
    return { adminActor, owner, organization, slug, account, invoice: rows[0]!, number };
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${stripe.app.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  /** The status cell of the invoice's row on the billing page. */
  const rowStatus = (page: Page, number: string) =>
    page
      .locator(`tr[data-invoice="${number}"] td`)
      .last()
      .textContent()
      .then((t) => t?.trim());

  for (const javaScriptEnabled of [true, false]) {
    const js = javaScriptEnabled ? 'on' : 'off';

    it(`invoice page, PDF, print, and paying by card from the payment link (JavaScript ${js})`, async () => {
      const c = await invoicedOrganization();
      const page = await browser.newPage({ javaScriptEnabled });
      // Print must call window.print; the stub counts the calls instead of opening a dialog.
      await page.addInitScript(() => {
        (window as unknown as { __printed: number }).__printed = 0;
        window.print = () => {
          (window as unknown as { __printed: number }).__printed++;
        };
      });
      await signIn(page, c.owner.email, c.owner.password);

      // The billing page lists the invoice: $35.00, open.
      const billing = `${stripe.app.url}/o/${c.slug}/billing`;
      await page.goto(billing);
      const row = page.locator(`tr[data-invoice="${c.number}"]`);
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.textContent()).toContain('$35.00');
      expect(await rowStatus(page, c.number)).toBe('Open');
      await expectAccessible(page);

      // Its number leads to the printable invoice.
      await row.getByRole('link', { name: c.number }).click();
      await page.waitForURL((u) => u.pathname === `/o/${c.slug}/billing/invoices/${c.number}`);
      const article = page.locator(`article[data-invoice="${c.number}"]`);
      await expect.poll(() => article.getByRole('heading', { name: 'Invoice', exact: true }).count()).toBe(1);
      expect(await article.getByText(c.number, { exact: true }).count()).toBe(1);
      const lines = await article
        .getByRole('region', { name: 'Line items' })
        .locator('tbody tr')
        .allTextContents();
      expect(lines).toHaveLength(2);
      expect(lines.find((l) => l.includes('Till 1'))).toContain('$25.00');
      expect(lines.find((l) => l.includes('Maintenance'))).toContain('$10.00');
      const totals = article.getByRole('region', { name: 'Totals' });
      expect(
        await totals
          .locator('dt', { hasText: /^Total$/ })
          .locator('xpath=../dd')
          .textContent(),
      ).toBe('$35.00');
      expect(
        await totals
          .locator('dt', { hasText: /^Amount due$/ })
          .locator('xpath=../dd')
          .textContent(),
      ).toBe('$35.00');
      expect(await article.locator('[data-status]').getAttribute('data-status')).toBe('OPEN');
      await expectAccessible(page);
      await page.screenshot({ path: shot('invoice', javaScriptEnabled), fullPage: true });

      // Download PDF: the stored PDF, with the page's cookies.
      const href = await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href');
      expect(href).toBe(`/o/${c.slug}/billing/invoices/${c.number}/pdf`);
      const pdf = await page.request.get(new URL(href ?? '', stripe.app.url).toString());
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

      // Print: a button once hydrated, calling window.print; without JavaScript the browser's own command.
      const print = page.getByRole('button', { name: 'Print' });
      if (javaScriptEnabled) {
        await expect.poll(() => print.count()).toBe(1);
        await print.click();
        await expect
          .poll(() => page.evaluate(() => (window as unknown as { __printed: number }).__printed))
          .toBe(1);
      } else {
        expect(await print.count()).toBe(0);
      }

      // Pay now: a fresh payment link, and the pay page it opens.
      await page.getByRole('button', { name: 'Pay now' }).click();
      await page.waitForURL((u) => u.origin === stripe.app.url && u.pathname.startsWith('/pay/'));
      const payUrl = `${stripe.app.url}${new URL(page.url()).pathname}`;
      const token = new URL(payUrl).pathname.slice('/pay/'.length);
      expect(token).toMatch(/^[A-Za-z0-9_-]{20,100}$/);
      await expect.poll(() => page.getByRole('heading', { name: /^Pay \$35\.00 to / }).count()).toBe(1);
      expect(await page.locator(`article[data-invoice="${c.number}"]`).count()).toBe(1);
      await expectAccessible(page);
      await page.screenshot({ path: shot('pay', javaScriptEnabled), fullPage: true });

      // The link is the credential: a browser that is not signed in opens it too; an unknown one is 404.
      const stranger = await browser.newPage({ javaScriptEnabled });
      const opened = await stranger.goto(payUrl);
      expect(opened?.status()).toBe(200);
      expect(new URL(stranger.url()).pathname).toBe(`/pay/${token}`);
      expect(await stranger.getByRole('heading', { name: /^Pay \$35\.00 to / }).count()).toBe(1);
      expect(await stranger.locator(`article[data-invoice="${c.number}"]`).count()).toBe(1);
      expect(await stranger.getByRole('button', { name: 'Pay $35.00 by card' }).count()).toBe(1);
      const unknown = await stranger.goto(`${stripe.app.url}/pay/unknown-token`);
      expect(unknown?.status()).toBe(404);
      expect(await stranger.getByRole('heading', { name: 'Page not found' }).count()).toBe(1);

      // By card: Stripe Checkout in payment mode, Pay, and back on the link, which now says paid.
      await page.getByRole('button', { name: 'Pay $35.00 by card' }).click();
      await page
        .waitForURL((u) => u.origin === stripe.fake.url && u.pathname.startsWith('/checkout/'), {
          timeout: 15_000,
        })
        .catch(async (err) => {
          const body = (await page.locator('body').textContent())?.trim().slice(0, 300);
          throw new Error(`"Pay by card" did not reach Stripe Checkout: ${page.url()} says "${body}"`, {
            cause: err,
          });
        });
      await expect.poll(() => page.getByRole('heading', { name: `Pay Invoice ${c.number}` }).count()).toBe(1);
      expect(await page.getByText('$35.00').count()).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Pay', exact: true }).click();
      await page.waitForURL(
        (u) =>
          u.origin === stripe.app.url && u.pathname === `/pay/${token}` && u.searchParams.get('paid') === '1',
      );
      await expect
        .poll(() => page.getByRole('heading', { name: `Invoice ${c.number} is paid` }).count())
        .toBe(1);
      expect(await page.getByRole('button', { name: /by card/ }).count()).toBe(0);
      expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('PAID');
      await expectAccessible(page);

      // The billing page shows it paid, nothing due.
      await page.goto(billing);
      await expect.poll(() => rowStatus(page, c.number)).toBe('Paid');
      const paidRow = await page.locator(`tr[data-invoice="${c.number}"]`).textContent();
      expect(paidRow).toContain('$0.00');
      const [stored] = await stripe.db.select().from(invoices).where(eq(invoices.id, c.invoice.id));
      expect([stored?.status, stored?.amountPaid]).toEqual(['PAID', 3500]);

      // Every delivery the fake made was accepted.
      const failed = stripe.fake.deliveries.filter((d) => d.status !== 200);
      expect(failed, JSON.stringify(failed)).toEqual([]);
    });

    it(`a suspended organization reaches only billing until it pays (JavaScript ${js})`, async () => {
      const c = await invoicedOrganization();
      const db = stripe.db;
      // Overdue past the grace period: the invoice OVERDUE (allowed after finalization), the account SUSPENDED.
      await db.update(invoices).set({ status: 'OVERDUE' }).where(eq(invoices.id, c.invoice.id));
      await db
        .update(billingAccounts)
        .set({ status: 'SUSPENDED', overdueSince: sql`now()` })
        .where(eq(billingAccounts.id, c.account.id));

      const page = await browser.newPage({ javaScriptEnabled });
      await signIn(page, c.owner.email, c.owner.password);

      // The dashboard is the suspension page: 402, and the way to billing.
      const dashboard = `${stripe.app.url}/o/${c.slug}`;
      const suspendedAnswer = await page.goto(dashboard);
      expect(suspendedAnswer?.status()).toBe(402);
      await expect
        .poll(() => page.getByRole('heading', { name: 'This organization is suspended' }).count())
        .toBe(1);
      expect(await page.getByText(/is suspended: invoices are unpaid past the grace period/).count()).toBe(1);
      await expectAccessible(page);
      await page.screenshot({ path: shot('suspended', javaScriptEnabled), fullPage: true });
      await page.getByRole('link', { name: 'Go to billing' }).click();
      await page.waitForURL((u) => u.origin === stripe.app.url && u.pathname === `/o/${c.slug}/billing`);

      // Billing opens, with the suspension banner and the overdue invoice.
      await expect.poll(() => page.locator('[data-banner="suspended"]').count()).toBe(1);
      expect(await page.locator('[data-banner="suspended"]').textContent()).toContain(
        'Suspended for non-payment.',
      );
      await expect.poll(() => rowStatus(page, c.number)).toBe('Overdue');
      expect(await page.getByText(/The account is suspended/).count()).toBe(1);
      await expectAccessible(page);

      // Any other page of the organization is the suspension page too.
      const members = await page.goto(`${dashboard}/members`);
      expect(members?.status()).toBe(402);
      expect(await page.getByRole('heading', { name: 'This organization is suspended' }).count()).toBe(1);
      expect(await page.getByRole('link', { name: 'Go to billing' }).getAttribute('href')).toBe(
        `/o/${c.slug}/billing`,
      );

      // Staff record the bank transfer for the whole invoice: nothing overdue is left, the account is back.
      await recordManualPayment(db, c.adminActor, {
        organizationId: c.organization.id,
        invoiceNumber: c.number,
        amount: 3500,
        method: 'BANK_TRANSFER',
      });
      const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.id, c.account.id));
      expect([account?.status, account?.overdueSince]).toEqual(['ACTIVE', null]);

      const restored = await page.goto(dashboard);
      expect(restored?.status()).toBe(200);
      await expect.poll(() => page.getByRole('heading', { name: 'Dashboard', exact: true }).count()).toBe(1);
      expect(await page.locator('[data-banner]').count()).toBe(0);
      expect(await page.getByText('This organization is suspended').count()).toBe(0);
      expect((await page.goto(`${dashboard}/members`))?.status()).toBe(200);
      await page.goto(`${dashboard}/billing`);
      await expect.poll(() => rowStatus(page, c.number)).toBe('Paid');
      expect(await page.locator('[data-banner]').count()).toBe(0);
      expect(await page.getByText(/The account is suspended/).count()).toBe(0);
    });
  }
});
