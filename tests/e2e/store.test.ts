// The store in a browser (issue 13), with JavaScript on and off: a visitor searches the catalog, opens a
// product (stock "3 left", JSON-LD), adds it to the cookie cart signed out, checks out (sign-in first and
// back), applies a discount code, pays on the fake Stripe's hosted Checkout (payment mode, signed webhooks
// delivered synchronously) and sees the paid order and its receipt. A production app instance runs in
// Stripe mode on its own cloned database; nothing in the app is stubbed.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { createPublishedProduct } from '~/store/test-support';
import { discounts, orders, products } from '~db/schema';
import { expectAccessible, useBrowser, waitForHydration } from './fixtures';
import { useStripeInstance } from './stripe-instance';

const available = inject('e2eBaseUrl') !== null && inject('e2eDatabaseUrl') !== null;
const describeStore = available
  ? describe
  : describe.skip.bind(describe, 'Store in a browser (needs Chromium and PostgreSQL): skipped');

const id = () => randomBytes(4).toString('hex');

describeStore('Store in a browser (browse, search, cart, code, Stripe payment, order)', () => {
  const browser = useBrowser();
  const stripe = useStripeInstance('store');

  for (const javaScriptEnabled of [true, false]) {
    it(`buys a product with a code and sees the paid order (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const db = stripe.db;
      const word = `lantern${id()}`;
      const { product } = await createPublishedProduct(db, {
        name: `Storm Lantern ${word}`,
        shortDescription: 'A lantern that stays lit in the wind.',
        tags: [word, 'outdoors'],
        type: 'ONE_TIME',
        basePrice: 4000,
        taxRate: '0.1',
        trackInventory: true,
        stockQuantity: 3,
        lowStockThreshold: 5,
        featured: true,
      });
      const code = `E2E${id().toUpperCase()}`;
      await db.insert(discounts).values({ code, name: 'E2E 25% off', percentOff: '25', maxUses: 1 });
      const buyer = await createPasswordUser(db, { email: `store-${id()}@example.com` });
      const page = await browser.newPage({ javaScriptEnabled });
      const app = stripe.app.url;

      // Browse and search.
      await page.goto(`${app}/store`);
      expect(await page.getByRole('heading', { name: 'Store', level: 1 }).count()).toBe(1);
      await expectAccessible(page);
      await page.getByLabel('Search', { exact: true }).fill(word);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((u) => u.searchParams.get('q') === word);
      await expect.poll(() => page.getByRole('link', { name: product.name }).count()).toBe(1);
      expect(await page.getByText('1 product for').count()).toBe(1);
      await page.getByRole('link', { name: product.name }).click();
      await page.waitForURL(`${app}/store/${product.slug}`);
      await expect.poll(() => page.getByRole('heading', { name: product.name, level: 1 }).count()).toBe(1);
      expect(await page.getByText('3 left').count()).toBeGreaterThan(0);
      const ld = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent()) ?? '{}');
      expect(ld).toMatchObject({ '@type': 'Product', name: product.name });
      await expectAccessible(page);

      // Add to cart, signed out.
      await page.getByLabel('Quantity', { exact: true }).fill('2');
      await page.getByRole('button', { name: /^Add to cart/ }).click();
      if (javaScriptEnabled) {
        await expect.poll(() => page.getByText(`${product.name} is in your cart.`).count()).toBe(1);
        await page.getByRole('link', { name: 'View cart' }).click();
      }
      await page.waitForURL(`${app}/cart`);
      await expect.poll(() => page.locator(`[data-line="${product.slug}"]`).count()).toBe(1);
      expect(await page.getByText('$80.00').count()).toBeGreaterThan(0);
      await expectAccessible(page);

      // Check out: sign in first, and back to /checkout.
      await page.getByRole('link', { name: 'Check out' }).click();
      await page.waitForURL((u) => u.pathname === '/login');
      await page.getByLabel('Email').fill(buyer.email);
      await page.getByLabel('Password').fill(buyer.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${app}/checkout`);

      // A wrong code says why; the right one is applied: 25% of $80 = $20, tax 10% of $60 = $6.
      await page.getByLabel('Discount code (optional)').fill('NOSUCHCODE');
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(() => page.getByText('There is no discount code NOSUCHCODE.').count()).toBe(1);
      await page.getByLabel('Discount code (optional)').fill(code.toLowerCase());
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(() => page.getByText(`Code ${code} applied.`).count()).toBe(1);
      expect(await page.getByText('−$20.00').count()).toBe(1);
      expect(await page.getByText('$66.00').count()).toBeGreaterThan(0);
      await expectAccessible(page);

      // Pay on Stripe's hosted page, back on the order, paid by the webhook.
      await page.getByRole('button', { name: 'Place order and pay' }).click();
      await page.waitForURL((u) => u.origin === stripe.fake.url && u.pathname.startsWith('/checkout/'), {
        timeout: 15_000,
      });
      await page.getByRole('button', { name: 'Pay', exact: true }).click();
      await page.waitForURL((u) => u.origin === app && u.pathname.startsWith('/account/orders/ORD-'));
      const orderNumber = new URL(page.url()).pathname.split('/').pop() as string;
      expect(orderNumber).toMatch(/^ORD-\d{4}-\d{6}$/);
      await expect.poll(() => page.getByRole('heading', { name: `Order ${orderNumber}` }).count()).toBe(1);
      await expect.poll(() => page.locator('[data-status]').getAttribute('data-status')).toBe('COMPLETED');
      expect(await page.getByRole('heading', { name: 'Receipt' }).count()).toBe(1);
      expect(await page.getByText(`Discount (${code})`).count()).toBe(1);
      await expectAccessible(page);
      const [order] = await db.select().from(orders).where(eq(orders.orderNumber, orderNumber));
      expect(order).toMatchObject({
        status: 'COMPLETED',
        paymentStatus: 'SUCCEEDED',
        totalAmount: 6600,
        discountAmount: 2000,
      });
      const [after] = await db.select().from(products).where(eq(products.id, product.id));
      expect(after?.stockQuantity).toBe(1);

      // The orders list has it; the product page now says 1 left.
      await page.goto(`${app}/account/orders`);
      await expect.poll(() => page.getByRole('link', { name: orderNumber }).count()).toBe(1);
      await page.goto(`${app}/store/${product.slug}`);
      await expect.poll(() => page.getByText('1 left').count()).toBeGreaterThan(0);
    });
  }

  it('the cart refuses a zero quantity with a message, without JavaScript', async () => {
    const { product, price } = await createPublishedProduct(stripe.db, { name: `Mug ${id()}` });
    const page: Page = await browser.newPage({ javaScriptEnabled: false });
    await page.goto(`${stripe.app.url}/store/${product.slug}`);
    await page.getByRole('button', { name: /^Add to cart/ }).click();
    await page.waitForURL(`${stripe.app.url}/cart`);
    expect(await page.getByLabel(`Quantity of ${product.name}`).inputValue()).toBe('1');
    // The field's min="1" stops a browser from sending 0; the server refuses it anyway (a hand-made POST).
    const refused = await page.request.post(`${stripe.app.url}/cart`, {
      form: { intent: 'update', priceId: price.id, quantity: '0' },
      headers: { origin: stripe.app.url },
    });
    expect(refused.status()).toBe(400);
    expect(await refused.text()).toContain('The quantity must be at least 1.');
    await page.goto(`${stripe.app.url}/cart`);
    expect(await page.getByLabel(`Quantity of ${product.name}`).inputValue()).toBe('1');
    await expectAccessible(page);
  });

  it('the store pages fit a 360 px phone', async () => {
    const { product } = await createPublishedProduct(stripe.db, {
      name: `A product with a rather long name to wrap ${id()}`,
      shortDescription: 'Long words and prices must wrap on a small screen without scrolling sideways.',
    });
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${stripe.app.url}/store/${product.slug}`);
    await waitForHydration(page);
    await page.getByRole('button', { name: /^Add to cart/ }).click();
    await expect.poll(() => page.getByRole('link', { name: 'View cart' }).count()).toBe(1);
    for (const path of ['/store', `/store/${product.slug}`, '/cart']) {
      await page.goto(`${stripe.app.url}${path}`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${path} is wider than the phone`).toBeLessThanOrEqual(360);
    }
  });
});
