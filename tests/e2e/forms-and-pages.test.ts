// What a first-time user hit (issue 8): forms still holding their values after a successful create, a
// module-limit error outliving the situation, a blank "Expires" select, titles without the organization,
// and the Enterprise card listing "Unlimited members" twice.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { postForm, signUpAndIn } from './accounts';
import { describeBrowser, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const id = randomBytes(4).toString('hex');
const owner = { name: 'Fiona Forms', email: `forms-${id}@example.com`, password: 'forms-password-123' };
const slug = `forms-${id}`;
const base = `/o/${slug}`;
const orgName = `Forms ${id}`;

/** Submits with JavaScript and waits for the page to settle on the flash of the redirect. */
async function submitAndSettle(page: Page, button: string, flashText: string) {
  await page.getByRole('button', { name: button }).click();
  await page.getByRole('status').filter({ hasText: flashText }).first().waitFor();
  await page.waitForLoadState('networkidle');
}

describeBrowser('forms and pages', () => {
  const browser = useBrowser();
  const outbox = openOutbox();
  let page: Page;

  it('with JavaScript, a successful create empties its form', async () => {
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await signUpAndIn(page, owner, outbox);
    await postForm(page, '/orgs/new', { name: orgName, slug });

    await visit(page, `${base}/projects`);
    await page.getByLabel('Name').fill('Website');
    await page.getByLabel('Slug').fill('website');
    await page.getByLabel('Description (optional)').fill('The new one');
    await submitAndSettle(page, 'Create project', 'Project Website created');
    await expect(page.locator('[data-project="website"]').count()).resolves.toBe(1);
    await expect(page.getByLabel('Name').inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Slug').inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Description (optional)').inputValue()).resolves.toBe('');

    await visit(page, `${base}/teams`);
    await page.getByLabel('Team name').fill('Support');
    await submitAndSettle(page, 'Create team', 'Team Support created');
    await expect(page.getByLabel('Team name').inputValue()).resolves.toBe('');

    await visit(page, `${base}/members`);
    await page.getByLabel('Email').fill(`someone-${id}@example.com`);
    await submitAndSettle(page, 'Send invitation', 'Invitation sent');
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe('');
  });

  it('after creating an API key the form is empty and "Expires" shows its default', async () => {
    await visit(page, `${base}/api-keys`);
    await page.getByLabel('Name').fill('Exporter');
    await page.getByRole('checkbox', { name: /usage:read/ }).check();
    await page.getByLabel('Expires').selectOption('30');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByLabel('Your new API key').waitFor();
    await expect.poll(() => page.getByLabel('Name').inputValue()).toBe('');
    const expires = page.getByLabel('Expires');
    await expect(expires.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent)).resolves.toBe(
      'Never',
    );
    await expect(page.getByRole('checkbox', { name: /usage:read/ }).isChecked()).resolves.toBe(false);
  });

  it('the module-limit error goes once the situation changed', async () => {
    await visit(page, `${base}/modules`);
    await page.getByRole('button', { name: 'Enable CRM' }).click();
    await expect.poll(() => page.locator('[data-module="crm"]').textContent()).toContain('Enabled');
    await page.getByRole('button', { name: 'Enable Inventory Management' }).click();
    const refusal = page.locator('[data-module="inventory"]').getByRole('alert');
    await expect.poll(() => refusal.textContent()).toContain('The Free plan allows 2 enabled modules');
    await page.getByRole('button', { name: 'Disable CRM' }).click();
    await expect.poll(() => page.locator('[data-module="crm"]').textContent()).toContain('Off');
    await expect.poll(() => refusal.count()).toBe(0);
  });

  it('organization pages name the organization in their title', async () => {
    for (const [path, title] of [
      ['', 'Dashboard'],
      ['/members', 'Members'],
      ['/api-keys', 'API keys'],
      ['/audit', 'Audit log'],
    ]) {
      await visit(page, `${base}${path}`);
      await expect(page.title()).resolves.toBe(`${title} · ${orgName} · SaaS Platform`);
    }
  });

  it('pricing lists each plan line once (Enterprise: “Unlimited members” once)', async () => {
    await visit(page, '/pricing');
    for (const plan of ['free', 'monthly', 'yearly']) {
      const lines = await page.locator(`[data-plan="${plan}"] ul li`).allTextContents();
      expect(new Set(lines).size, plan).toBe(lines.length);
    }
    const enterprise = await page.locator('[data-plan="yearly"] ul li').allTextContents();
    expect(enterprise.filter((l) => l === 'Unlimited members')).toHaveLength(1);
  });
});
