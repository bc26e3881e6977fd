// Landing, pricing and the 404 page, with JavaScript on and off, checked by axe.
import { expect, it } from 'vitest';
import { baseUrl, describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';

describeBrowser('public pages', () => {
  const browser = useBrowser();

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`landing page renders ${mode}`, async () => {
      const page = await visit(await browser.newPage({ javaScriptEnabled }), '/');
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
        'Run your organization',
      );
      await expectAccessible(page);
    });

    it(`pricing lists the three seeded plans ${mode}`, async () => {
      const page = await visit(await browser.newPage({ javaScriptEnabled }), '/pricing');
      const names = await page.locator('[data-plan] h2').allTextContents();
      expect(names).toEqual(['Free', 'Professional', 'Enterprise']);
      await expect(page.locator('[data-plan="monthly"]').textContent()).resolves.toContain('$29.00');
      await expect(page.locator('[data-plan="yearly"]').textContent()).resolves.toContain('$290.00');
      await expectAccessible(page);
    });

    it(`navigates from landing to pricing ${mode}`, async () => {
      const page = await visit(await browser.newPage({ javaScriptEnabled }), '/');
      await page.getByRole('link', { name: 'See pricing' }).click();
      await page.waitForURL('**/pricing');
      // With JavaScript the URL changes before React commits the new route: wait for the heading itself.
      await page.getByRole('heading', { level: 1, name: 'Pricing' }).waitFor();
    });
  }

  it('an unknown page is a styled 404 without a stack trace', async () => {
    const page = await visit(await browser.newPage(), '/no/such/page', 404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Page not found');
    const html = await page.content();
    expect(html).not.toMatch(/at .*\.(js|ts):\d+/);
    await expectAccessible(page);
  });

  it('GET /healthz answers for the process and GET /readyz for the migrated database', async () => {
    const health = await fetch(new URL('/healthz', baseUrl()));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(new URL('/readyz', baseUrl()));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  it('documents carry the security headers with a CSP nonce', async () => {
    const page = await browser.newPage();
    const response = await page.goto('/');
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    const nonce = /'nonce-([^']+)'/.exec(headers['content-security-policy'] ?? '')?.[1];
    const scriptNonces = await page
      .locator('script')
      .evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
    expect(scriptNonces.length).toBeGreaterThan(0);
    for (const n of scriptNonces) expect(n).toBe(nonce);
  });
});
