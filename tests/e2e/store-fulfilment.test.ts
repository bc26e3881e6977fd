// Store fulfilment in a browser (issue 13 §6–8): a buyer with a completed digital order opens My
// downloads, downloads the file through its signed URL (JavaScript off: a plain POST answered 303), and
// writes a review on the product page; a platform ADMIN finds the order on /admin/refunds and issues a
// partial refund. axe checks each page. The shared app instance runs in local mode on PostgreSQL.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, expect, inject, it } from 'vitest';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { LocalFileStore } from '~/store/storage.server';
import { createCompletedOrder, createPublishedProduct } from '~/store/test-support';
import { connectPostgres } from '~db/client.server';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';

const databaseUrl = inject('e2eDatabaseUrl');
const id = randomBytes(4).toString('hex');

const describeFulfilment = (name: string, fn: () => void) =>
  databaseUrl
    ? describeBrowser(name, fn)
    : describeBrowser(`${name} (skipped: e2e database is not PostgreSQL)`, () =>
        it.skip('needs PostgreSQL', () => {}),
      );

const flash = (page: Page) => page.getByRole('status').first();

async function signIn(page: Page, email: string, password: string) {
  await visit(page, '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

describeFulfilment('store fulfilment: download, review, refund', () => {
  const browser = useBrowser();
  const conn = databaseUrl ? connectPostgres(databaseUrl, { max: 2 }) : null;
  afterAll(async () => {
    await conn?.close();
  });

  it('a buyer downloads the file and writes a review; an ADMIN issues a partial refund', async () => {
    const db = conn!.db;
    // The app's storage folder (STORAGE_DIR defaults to .data/storage under the app's working directory).
    const key = `e2e/${id}/field-guide.txt`;
    await new LocalFileStore('.data/storage').put(key, `Field guide ${id}`);
    const product = await createPublishedProduct(db, {
      name: `Field Guide ${id}`,
      type: 'DIGITAL_DOWNLOAD',
      basePrice: 2500,
      files: [{ name: 'field-guide.txt', key }],
      downloadLimit: 2,
      accessDuration: 30,
    });
    const buyer = await createPasswordUser(db, { email: `buyer-${id}@example.com`, name: 'Bea Buyer' });
    const { order } = await createCompletedOrder(db, buyer.id, { product });
    const admin = await createPasswordUser(db, { email: `refunder-${id}@example.com`, name: 'Rae Refunds' });
    await db.execute(sql`UPDATE users SET role = 'ADMIN' WHERE id = ${admin.id}`);

    // The buyer, JavaScript off.
    const page = await browser.newPage({ javaScriptEnabled: false });
    page.setDefaultTimeout(10_000);
    await signIn(page, buyer.email, buyer.password);
    await visit(page, '/account/downloads');
    const card = page.locator(`[data-download="${product.product.slug}"]`);
    await expect(card.textContent()).resolves.toContain('2 downloads left');
    await expectAccessible(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download field-guide.txt' }).click(),
    ]);
    expect(download.url()).toMatch(/\/downloads\/[^/]+$/);
    expect(readFileSync((await download.path()) as string, 'utf8')).toBe(`Field guide ${id}`);
    await visit(page, '/account/downloads');
    await expect(card.textContent()).resolves.toContain('1 download left');
    // The signed URL cannot be stretched: an altered one is refused.
    const tampered = `${download.url().slice(0, -2)}xx`;
    expect((await page.request.get(tampered)).status()).toBe(403);

    // The review, on the product page (the form posts to /store/:slug/reviews and comes back).
    await visit(page, `/store/${product.product.slug}`);
    await page.getByLabel('4 stars').check();
    await page.getByLabel('Title').fill('Clear and complete');
    await page.getByLabel('Your review').fill('Everything I needed for the trail.');
    await page.getByRole('button', { name: 'Post review' }).click();
    await page.waitForURL((u) => u.pathname === `/store/${product.product.slug}`);
    await expect(flash(page).textContent()).resolves.toContain('your review is published');
    await expect(page.locator('main').textContent()).resolves.toContain('Clear and complete');
    await expectAccessible(page);
    // A second review is refused with the message.
    await page.getByLabel('5 stars').check();
    await page.getByLabel('Title').fill('Again');
    await page.getByLabel('Your review').fill('Once more.');
    await page.getByRole('button', { name: 'Post review' }).click();
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain(
      'You have already reviewed this product.',
    );

    // The ADMIN refunds part of the order.
    const staff = await browser.newPage();
    staff.setDefaultTimeout(10_000);
    await signIn(staff, admin.email, admin.password);
    await visit(staff, `/admin/refunds?order=${encodeURIComponent(order.orderNumber)}`);
    const section = staff.locator(`[data-order="${order.orderNumber}"]`);
    await expect(section.textContent()).resolves.toContain('$25.00');
    await expectAccessible(staff);
    await staff.getByLabel('Amount (USD)').fill('30.00');
    await staff.getByRole('button', { name: 'Issue refund' }).click();
    await expect(staff.locator('#amount-error').textContent()).resolves.toContain('At most $25.00');
    await staff.getByLabel('Amount (USD)').fill('10.00');
    await staff.getByLabel('Reason').selectOption('REQUESTED_BY_CUSTOMER');
    await staff.getByRole('button', { name: 'Issue refund' }).click();
    await expect
      .poll(() => flash(staff).textContent())
      .toContain(`Refunded $10.00 of order ${order.orderNumber}`);
    await expect(section.textContent()).resolves.toContain('partially refunded');
    await expect(section.textContent()).resolves.toContain('At most $15.00.');
    await expectAccessible(staff);
  });
});
