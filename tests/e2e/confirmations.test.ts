// Destructive actions ask first, with JavaScript off (a confirmation page: the first POST changes nothing)
// and on (a native dialog): removing a member, deleting a project, revoking an API key, switching plans.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, expect, inject, it } from 'vitest';
import { postForm, signUpAndIn } from './accounts';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const id = randomBytes(4).toString('hex');
const owner = { name: 'Carla Confirm', email: `confirm-${id}@example.com`, password: 'confirm-password-123' };
const slug = `confirm-${id}`;
const base = `/o/${slug}`;
const colleague = (n: number) => ({
  name: `Colleague ${n} ${id}`,
  email: `colleague-${n}-${id}@example.com`,
});

const flash = (page: Page) => page.getByRole('status').first();

describeBrowser('destructive actions ask first', () => {
  const browser = useBrowser();
  const outbox = openOutbox();
  const databaseUrl = inject('e2eDatabaseUrl');
  const sql = databaseUrl ? postgres(databaseUrl, { max: 1, onnotice: () => {} }) : null;
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
  });
  let owned: Page;

  /** Another context signed in as the owner, with JavaScript on or off. */
  async function ownerPage(javaScriptEnabled: boolean) {
    const page = await browser.newPage({ javaScriptEnabled, signedInAs: owned });
    page.setDefaultTimeout(10_000);
    return page;
  }

  it('an owner with two colleagues, two projects and two API keys', async ({ skip }) => {
    if (!sql) return skip('needs the e2e PostgreSQL database');
    owned = await browser.newPage();
    owned.setDefaultTimeout(10_000);
    await signUpAndIn(owned, owner, outbox);
    await postForm(owned, '/orgs/new', { name: `Confirm ${id}`, slug });
    for (const n of [1, 2]) {
      const [u] = await sql<{ id: string }[]>`
        INSERT INTO users (email, name) VALUES (${colleague(n).email}, ${colleague(n).name}) RETURNING id`;
      await sql`INSERT INTO organization_members (organization_id, user_id, role)
        SELECT id, ${u!.id}, 'MEMBER' FROM organizations WHERE slug = ${slug}`;
      await postForm(owned, `${base}/projects`, {
        intent: 'create',
        name: `Project ${n}`,
        slug: `project-${n}`,
      });
      await postForm(owned, `${base}/api-keys`, {
        intent: 'create',
        name: `Key ${n}`,
        scopes: 'usage:read',
        rateLimit: '1000',
      });
    }
  });

  it('without JavaScript: each first POST shows a confirmation page; Cancel keeps, confirming acts', async () => {
    expect(owned, 'setup did not run').toBeDefined();
    const page = await ownerPage(false);

    await visit(page, `${base}/projects`);
    await page.getByRole('button', { name: 'Delete Project 1' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Delete the project Project 1?',
    );
    await expect(page.locator('main').textContent()).resolves.toContain('It cannot be undone.');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`**${base}/projects`);
    await expect(page.locator('[data-project="project-1"]').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Delete Project 1' }).click();
    await page.getByRole('button', { name: 'Delete project' }).click();
    await page.waitForURL(`**${base}/projects`);
    await expect(flash(page).textContent()).resolves.toContain('Project Project 1 deleted');
    await expect(page.locator('[data-project="project-1"]').count()).resolves.toBe(0);

    await visit(page, `${base}/members`);
    await page.getByRole('button', { name: `Remove ${colleague(1).email}` }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      `Remove ${colleague(1).name}?`,
    );
    await page.getByRole('button', { name: 'Remove member' }).click();
    await page.waitForURL(`**${base}/members`);
    await expect(page.locator(`[data-member="${colleague(1).email}"]`).count()).resolves.toBe(0);

    await visit(page, `${base}/api-keys`);
    await page.getByRole('button', { name: /^Revoke Key 1/ }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Revoke the API key Key 1?',
    );
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.waitForURL(`**${base}/api-keys`);
    await expect(flash(page).textContent()).resolves.toContain('revoked');

    await visit(page, `${base}/billing`);
    await page.getByRole('button', { name: 'Switch to Professional' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Switch to Professional?',
    );
    await expect(page.locator('main').textContent()).resolves.toContain(
      'from Free to Professional ($29.00 / month)',
    );
    await expect(page.locator('#current-plan').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Switch to Professional' }).click();
    await page.waitForURL(`**${base}/billing`);
    await expect(page.locator('#current-plan').textContent()).resolves.toBe('Current plan: Professional');
  });

  it('with JavaScript: the button opens a dialog; Cancel closes it, confirming acts in place', async () => {
    expect(owned, 'setup did not run').toBeDefined();
    const page = await ownerPage(true);

    await visit(page, `${base}/projects`);
    await page.getByRole('button', { name: 'Delete Project 2' }).click();
    const ask = page.getByRole('dialog', { name: 'Delete the project Project 2?' });
    await ask.waitFor();
    await expectAccessible(page);
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'hidden' });
    await expect(page.locator('[data-project="project-2"]').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Delete Project 2' }).click();
    await ask.getByRole('button', { name: 'Delete project' }).click();
    await expect.poll(() => page.locator('[data-project="project-2"]').count()).toBe(0);
    await expect(flash(page).textContent()).resolves.toContain('Project Project 2 deleted');

    await visit(page, `${base}/members`);
    await page.getByRole('button', { name: `Remove ${colleague(2).email}` }).click();
    await page
      .getByRole('dialog', { name: `Remove ${colleague(2).name}?` })
      .getByRole('button', { name: 'Remove member' })
      .click();
    await expect.poll(() => page.locator(`[data-member="${colleague(2).email}"]`).count()).toBe(0);

    await visit(page, `${base}/api-keys`);
    await page.getByRole('button', { name: /^Revoke Key 2/ }).click();
    await page
      .getByRole('dialog', { name: 'Revoke the API key Key 2?' })
      .getByRole('button', { name: 'Revoke key' })
      .click();
    await expect.poll(() => page.locator('tr', { hasText: 'Key 2' }).textContent()).toContain('Revoked');

    await visit(page, `${base}/billing`);
    await page.getByRole('button', { name: 'Switch to Enterprise' }).click();
    const plan = page.getByRole('dialog', { name: 'Switch to Enterprise?' });
    await expect(plan.textContent()).resolves.toContain('from Professional to Enterprise ($290.00 / year)');
    await plan.getByRole('button', { name: 'Switch to Enterprise' }).click();
    await expect.poll(() => page.locator('#current-plan').textContent()).toBe('Current plan: Enterprise');
  });
});
