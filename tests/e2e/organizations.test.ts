// Two people run an organization together in the browser: the owner signs up and creates it and
// invites with JavaScript off; the invitee signs up and accepts through the link from the outbox; the
// owner (JavaScript on) changes their role and removes them. axe checks every organization page (in
// JavaScript-enabled contexts: axe runs as a script in the page).
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { signUpAndIn } from './accounts';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const id = randomBytes(4).toString('hex');
const owner = { name: 'Olivia Owner', email: `owner-${id}@example.com`, password: 'owner-password-123' };
const invitee = {
  name: 'Ivan Invitee',
  email: `invitee-${id}@example.com`,
  password: 'invitee-password-123',
};
const orgName = `Acme ${id}`;
const slug = `acme-${id}`;
let outbox: ReturnType<typeof openOutbox> = null;

async function signUp(page: Page, who: typeof owner) {
  await signUpAndIn(page, who, outbox);
  // Someone without an organization is sent to create one.
  await visit(page, '/orgs');
  expect(new URL(page.url()).pathname).toBe('/orgs/new');
}

async function signIn(page: Page, who: typeof owner, redirectTo: string) {
  await visit(page, `/login?redirectTo=${encodeURIComponent(redirectTo)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** The flash message shown after a redirect (root's FlashBanner). */
const flash = (page: Page) => page.getByRole('status').first();

describeBrowser('organizations', () => {
  const browser = useBrowser();
  /** A fresh context; steps fail after 10 s with the locator named, well inside the 60 s test budget. */
  const newPage = async (options: { javaScriptEnabled?: boolean } = {}) => {
    const page = await browser.newPage(options);
    page.setDefaultTimeout(10_000);
    return page;
  };
  outbox = openOutbox();

  let invitationLink = '';

  it('without JavaScript: sign up, land on /orgs/new, create the organization, invite (errors next to fields)', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await signUp(page, owner);

    // A reserved address: the error shows next to the field, nothing is created.
    await page.getByLabel('Name').fill(orgName);
    await page.getByLabel('Address').fill('admin');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expect(page.locator('#create-organization-slug-error').textContent()).resolves.toContain(
      'This address is reserved',
    );

    // Empty address: the server makes it from the name.
    await page.getByLabel('Name').fill(orgName);
    await page.getByLabel('Address').fill('');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(`**/o/${slug}`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Dashboard');
    await expect(flash(page).textContent()).resolves.toContain('You are its owner');
    await expect(page.locator('main').textContent()).resolves.toContain('Visitor Management');

    await visit(page, `/o/${slug}/members`);
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect(page.locator('#invite-email-error').textContent()).resolves.toContain(
      'Enter a valid email address',
    );

    await page.getByLabel('Email').fill(invitee.email);
    await page.getByLabel('Role', { exact: true }).selectOption('MEMBER');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.waitForURL(`**/o/${slug}/members`);
    await expect(flash(page).textContent()).resolves.toContain(`Invitation sent to ${invitee.email}`);

    await visit(page, `/o/${slug}/invitations`);
    await expect(page.locator(`[data-invitation="${invitee.email}"]`).textContent()).resolves.toContain(
      'Pending',
    );
  });

  it('the invitation email is in the outbox with an encrypted link', async ({ skip }) => {
    if (!outbox) return skip('needs the e2e PostgreSQL database');
    invitationLink = await outbox.link(invitee.email, 'invitation');
    expect(invitationLink).toMatch(/\/invitations\/[A-Za-z0-9_-]+$/);
  });

  it('the invitee signs up and accepts through the link', async () => {
    expect(invitationLink, 'no invitation link from the outbox').not.toBe('');
    const page = await newPage();
    await signUp(page, invitee);
    await expectAccessible(page);
    await visit(page, new URL(invitationLink).pathname);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`Join ${orgName}`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL(`**/o/${slug}`);
    await expect(flash(page).textContent()).resolves.toContain(`Welcome to ${orgName}`);
    // A member may not see the audit log: 403 with an explanation.
    const denied = await visit(page, `/o/${slug}/audit`, 403);
    await expect(denied.locator('main').textContent()).resolves.toContain(
      'does not allow you to see the audit log',
    );
    // Accepting again is harmless.
    await visit(page, new URL(invitationLink).pathname);
    await expect(page.locator('main').textContent()).resolves.toContain('has been accepted');
  });

  it('with JavaScript: the owner changes the role, then removes the member; every page passes axe', async () => {
    const page = await newPage();
    await signIn(page, owner, `/o/${slug}/members`);
    expect(new URL(page.url()).pathname).toBe(`/o/${slug}/members`);
    const row = page.locator(`[data-member="${invitee.email}"]`);
    await row.getByLabel(`New role for ${invitee.email}`).selectOption('ADMIN');
    await row.getByRole('button', { name: 'Change role' }).click();
    await expect.poll(() => row.textContent()).toContain('Admin');
    await expect(flash(page).textContent()).resolves.toContain('is now Admin');
    await expectAccessible(page);

    // Modules: the Free plan allows 2; the third is refused with the limit named and a link to upgrade.
    await visit(page, `/o/${slug}/modules`);
    await page.getByRole('button', { name: 'Enable CRM' }).click();
    await expect.poll(() => page.locator('[data-module="crm"]').textContent()).toContain('Enabled');
    await page.getByRole('button', { name: 'Enable Inventory Management' }).click();
    const refusal = page.locator('[data-module="inventory"]').getByRole('alert');
    await expect.poll(() => refusal.textContent()).toContain('The Free plan allows 2 enabled modules');
    await expect(refusal.getByRole('link', { name: 'Upgrade the plan' }).getAttribute('href')).resolves.toBe(
      `/o/${slug}/billing`,
    );
    await expectAccessible(page);

    for (const path of [
      '',
      '/invitations',
      '/teams',
      '/projects',
      '/modules',
      '/audit',
      '/settings',
      '/billing',
    ]) {
      await visit(page, `/o/${slug}${path}`);
      await expectAccessible(page);
    }
    await visit(page, '/orgs');
    await expectAccessible(page);

    // A project: created from the list, then edited on its own page (not the list again).
    await visit(page, `/o/${slug}/projects`);
    await page.getByLabel('Name').fill('Website');
    await page.getByLabel('Slug').fill('website');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Edit Website' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit Website' }).waitFor();
    await expectAccessible(page);

    await visit(page, `/o/${slug}/audit`);
    await expect(page.locator('[data-audit-action="member.role_changed"]').count()).resolves.toBe(1);

    await visit(page, `/o/${slug}/members`);
    // Removal asks first: a native dialog with JavaScript.
    await page.getByRole('button', { name: `Remove ${invitee.email}` }).click();
    const question = page.getByRole('dialog', { name: `Remove ${invitee.name}?` });
    await expect(question.textContent()).resolves.toContain(`This will remove ${invitee.email}`);
    await question.getByRole('button', { name: 'Remove member' }).click();
    await expect.poll(() => page.locator(`[data-member="${invitee.email}"]`).count()).toBe(0);
    await expect(flash(page).textContent()).resolves.toContain('was removed');

    // The removed member no longer sees the organization: 404.
    const former = await newPage();
    await signIn(former, invitee, '/orgs');
    expect(new URL(former.url()).pathname).toBe('/orgs/new');
    await visit(former, `/o/${slug}`, 404);
  });
});
