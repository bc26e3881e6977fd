// An owner creates an API key in the browser with JavaScript off, copies the key shown once, uses it
// against /api/v1/orgs/:slug/usage, sees the usage page reflect it, and revokes it. axe checks both pages.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { signUpAndIn } from './accounts';
import { baseUrl, describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const id = randomBytes(4).toString('hex');
const owner = { name: 'Kim Keys', email: `keys-${id}@example.com`, password: 'keys-password-123' };
const slug = `keys-${id}`;
let outbox: ReturnType<typeof openOutbox> = null;

async function signUpWithOrganization(page: Page) {
  await signUpAndIn(page, owner, outbox);
  await visit(page, '/orgs/new');
  await page.getByLabel('Name').fill(`Keys ${id}`);
  await page.getByLabel('Address').fill(slug);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.waitForURL(`**/o/${slug}`);
}

const api = (path: string, key: string, init: RequestInit = {}) =>
  fetch(`${baseUrl()}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
  });

describeBrowser('API keys and usage', () => {
  const browser = useBrowser();
  outbox = openOutbox();
  let page: Page;
  let key = '';

  it('without JavaScript: create a key (errors next to fields), shown once', async () => {
    page = await browser.newPage({ javaScriptEnabled: false });
    page.setDefaultTimeout(10_000);
    await signUpWithOrganization(page);
    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'API keys' })
      .click();
    await page.waitForURL(`**/o/${slug}/api-keys`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('API keys');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Create API key' }).click();
    await expect(page.locator('#create-api-key-name-error').textContent()).resolves.toContain('Enter a name');
    await expect(page.locator('#create-api-key-scopes-error').textContent()).resolves.toContain(
      'Choose at least one scope',
    );

    await page.getByLabel('Name').fill('E2E exporter');
    await page.getByRole('checkbox', { name: /usage:read/ }).check();
    await page.getByRole('checkbox', { name: /usage:write/ }).check();
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create API key' }).click();
    key = await page.getByLabel('Your new API key').inputValue();
    expect(key).toMatch(/^sk_[a-z0-9]{8}_[A-Za-z0-9_-]+$/);
    const prefix = key.slice(0, 11);
    await expect(page.locator(`[data-api-key="${prefix}"]`).textContent()).resolves.toContain('Active');
    await expectAccessible(page);

    // Shown once: the list never has it again.
    await visit(page, `/o/${slug}/api-keys`);
    await expect(page.content()).resolves.not.toContain(key);
  });

  it('the key sends usage and reads the summary through the JSON API', async () => {
    expect(key, 'no key from the previous step').not.toBe('');
    const sent = await api(`/api/v1/orgs/${slug}/usage`, key, {
      method: 'POST',
      body: JSON.stringify({
        events: [
          { eventType: 'report.export', quantity: 3, idempotencyKey: 'e2e-1' },
          { eventType: 'report.export', quantity: 3, idempotencyKey: 'e2e-1' },
        ],
      }),
    });
    expect(sent.status).toBe(200);
    await expect(sent.json()).resolves.toEqual({ accepted: 1, duplicates: 1 });

    const invalid = await api(`/api/v1/orgs/${slug}/usage`, key, {
      method: 'POST',
      body: JSON.stringify({ events: [{ eventType: 'x', quantity: 0 }] }),
    });
    expect(invalid.status).toBe(400);
    await expect(invalid.json()).resolves.toMatchObject({ error: { code: 'validation_failed' } });

    const summary = await api(`/api/v1/orgs/${slug}/usage`, key);
    expect(summary.status).toBe(200);
    const body = (await summary.json()) as { totals: { eventType: string; quantity: number }[] };
    expect(body.totals).toEqual([
      { eventType: 'api.call', quantity: 3, events: 3 },
      { eventType: 'report.export', quantity: 3, events: 1 },
    ]);
  });

  it('the usage page shows the totals, the API calls against the plan and the days', async () => {
    await visit(page, `/o/${slug}/usage`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Usage');
    await expect(page.locator('[data-event-type="report.export"]').textContent()).resolves.toContain('3');
    await expect(page.locator('[data-event-type="api.call"]').textContent()).resolves.toContain('3');
    await expect(page.locator('#api-calls-text').textContent()).resolves.toMatch(
      /3\s*of 1,000 API calls used/,
    );
    const today = new Date().toISOString().slice(0, 10);
    await expect(
      page.locator(`figure[data-chart="bar"] tr[data-category="${today}"]`).textContent(),
    ).resolves.toContain('3');
    await expectAccessible(page);
  });

  it('with JavaScript: the form validates in place and the new key appears without a reload', async () => {
    const js = await browser.newPage();
    js.setDefaultTimeout(10_000);
    await visit(js, `/login?redirectTo=${encodeURIComponent(`/o/${slug}/api-keys`)}`);
    await js.getByLabel('Email').fill(owner.email);
    await js.getByLabel('Password').fill(owner.password);
    await js.getByRole('button', { name: 'Sign in' }).click();
    await js.waitForURL(`**/o/${slug}/api-keys`);
    await js.getByLabel('Name').fill('Browser key');
    await js.getByRole('button', { name: 'Create API key' }).click();
    await expect(js.locator('#create-api-key-scopes-error').textContent()).resolves.toContain(
      'Choose at least one scope',
    );
    await js.getByRole('checkbox', { name: /usage:read/ }).check();
    await js.getByRole('button', { name: 'Create API key' }).click();
    const second = await js.getByLabel('Your new API key').inputValue();
    expect(second).toMatch(/^sk_/);
    expect(second).not.toBe(key);
    await expectAccessible(js);
  });

  it('revoking the key stops it at once', async () => {
    await visit(page, `/o/${slug}/api-keys`);
    await page.getByRole('button', { name: /^Revoke E2E exporter/ }).click();
    // Without JavaScript the first POST asks; nothing is revoked until the question is answered.
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Revoke the API key E2E exporter?',
    );
    expect((await api(`/api/v1/orgs/${slug}/usage`, key)).status).toBe(200);
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.waitForURL(`**/o/${slug}/api-keys`);
    await expect(page.locator(`[data-api-key="${key.slice(0, 11)}"]`).textContent()).resolves.toContain(
      'Revoked',
    );
    const refused = await api(`/api/v1/orgs/${slug}/usage`, key);
    expect(refused.status).toBe(401);
    await expect(refused.json()).resolves.toMatchObject({ error: { code: 'unauthorized' } });
  });
});
