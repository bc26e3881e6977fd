// The platform admin area in a browser (issue 14): a member opens a ticket, SUPPORT answers it from the
// staff queue (marked new until opened), the member sees the reply marked as new; an ADMIN issues a credit
// and records a manual payment on the staff billing page, then views the product as the member (a banner on
// every page, read-only) and ends it with one click. axe checks each admin page; the queue works without
// JavaScript.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, expect, inject, it } from 'vitest';
import { signUpAndIn } from './accounts';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const databaseUrl = inject('e2eDatabaseUrl');
const id = randomBytes(4).toString('hex');
const member = {
  name: 'Mia Member',
  email: `admin-member-${id}@example.com`,
  password: 'member-password-123',
};
const supporter = {
  name: 'Sid Support',
  email: `admin-support-${id}@example.com`,
  password: 'support-password-123',
};
const boss = { name: 'Ada Admin', email: `admin-admin-${id}@example.com`, password: 'admin-password-1234' };
const slug = `adm-${id}`;

const flash = (page: Page) => page.getByRole('status').first();

const describeAdmin = (name: string, fn: () => void) =>
  databaseUrl
    ? describeBrowser(name, fn)
    : describeBrowser(`${name} (skipped: e2e database is not PostgreSQL)`, () =>
        it.skip('needs PostgreSQL', () => {}),
      );

describeAdmin('platform admin area', () => {
  const browser = useBrowser();
  const outbox = openOutbox();
  const sql = databaseUrl ? postgres(databaseUrl, { max: 1, onnotice: () => {} }) : null;
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
  });
  const setRole = async (email: string, role: 'ADMIN' | 'SUPPORT') => {
    await sql!`UPDATE users SET role = ${role} WHERE email = ${email}`;
  };
  const newPage = async (javaScriptEnabled = true) => {
    const page = await browser.newPage({ javaScriptEnabled });
    page.setDefaultTimeout(10_000);
    return page;
  };

  it('a member opens a ticket, SUPPORT replies from the queue, the member sees the reply', async () => {
    const m = await newPage(false);
    await signUpAndIn(m, member, outbox);
    await visit(m, '/orgs/new');
    await m.getByLabel('Name').fill(`Admin test ${id}`);
    await m.getByLabel('Address').fill(slug);
    await m.getByRole('button', { name: 'Create organization' }).click();
    await m.waitForURL(`**/o/${slug}`);
    await visit(m, `/o/${slug}/support`);
    await m.getByLabel('Subject').fill('Invoice looks wrong');
    await m.getByLabel('Description').fill('The total is off by one cent.');
    await m.getByRole('button', { name: 'Open ticket' }).click();
    await m.waitForURL(new RegExp(`/o/${slug}/support/[a-z0-9]+$`));
    const ticketId = new URL(m.url()).pathname.split('/').pop()!;

    const s = await newPage(false);
    await signUpAndIn(s, supporter, outbox);
    await visit(s, '/admin', 404);
    await setRole(supporter.email, 'SUPPORT');
    await visit(s, '/admin/support?status=ACTIVE');
    const row = s.locator(`[data-ticket="${ticketId}"]`);
    await expect(row.textContent()).resolves.toContain('New');
    await expectAccessible(s);
    // SUPPORT may not change settings: the page says why, inside the admin navigation.
    await visit(s, '/admin/settings', 403);
    await expect(s.getByRole('alert').textContent()).resolves.toContain(
      'Support staff cannot change system settings',
    );
    await expect(s.getByRole('navigation', { name: 'Admin' }).count()).resolves.toBe(1);
    await visit(s, '/admin/support');
    await s.getByRole('link', { name: 'Invoice looks wrong' }).click();
    await s.waitForURL(`**/admin/support/${ticketId}`);
    await s.getByLabel('Internal note (staff only)').fill('Known rounding bug, see BUG-12');
    await s.getByRole('button', { name: 'Add note' }).click();
    await s.waitForURL(`**/admin/support/${ticketId}`);
    await s.getByLabel('Reply to the customer').fill('Thanks, we are fixing the rounding.');
    await s.getByRole('button', { name: 'Send reply' }).click();
    await s.waitForURL(`**/admin/support/${ticketId}`);
    await expect(flash(s).textContent()).resolves.toContain('Reply sent');
    await expectAccessible(s);

    await visit(m, `/o/${slug}/support`);
    await expect(m.locator('[data-unread]').first().textContent()).resolves.toContain('New reply');
    await m.getByRole('link', { name: 'Invoice looks wrong' }).click();
    await m.waitForURL(`**/o/${slug}/support/${ticketId}`);
    const main = await m.locator('main').textContent();
    expect(main).toContain('Thanks, we are fixing the rounding.');
    expect(main).not.toContain('BUG-12');
    await visit(m, `/o/${slug}/support`);
    await expect(m.locator('[data-unread]').count()).resolves.toBe(0);
  });

  it('an ADMIN issues a credit and records a payment, then views as the member and ends it', async () => {
    const a = await newPage(true);
    await signUpAndIn(a, boss, outbox);
    await setRole(boss.email, 'ADMIN');
    await visit(a, '/admin');
    await expect(a.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Overview');
    await expectAccessible(a);

    await visit(a, `/admin/organizations/${slug}`);
    await a.getByRole('link', { name: 'Billing, payments and credits' }).click();
    await a.waitForURL(`**/admin/organizations/${slug}/billing`);
    const credit = a.locator('form', { hasText: 'Issue a credit' });
    await credit.getByLabel('Amount ($)').fill('5.00');
    await credit.getByLabel('Reason').fill('Goodwill for the rounding bug');
    await credit.getByRole('button', { name: 'Issue credit' }).click();
    await a
      .getByText(/credit/i)
      .first()
      .waitFor();
    await a.waitForLoadState('load');
    const payment = a.locator('form', { hasText: 'Record a payment' });
    await payment.getByLabel('Amount ($)').fill('10.00');
    await payment.getByRole('button', { name: 'Record payment' }).click();
    await a.waitForLoadState('load');
    const [row] = await sql!<{ credits: number; payments: number; balance: number }[]>`
      SELECT (SELECT count(*)::int FROM credits c WHERE c.billing_account_id = b.id) AS credits,
             (SELECT count(*)::int FROM payments p WHERE p.billing_account_id = b.id AND p.status = 'PAID') AS payments,
             b.balance
        FROM billing_accounts b JOIN organizations o ON o.id = b.organization_id WHERE o.slug = ${slug}`;
    await expect
      .poll(async () => {
        const [r] = await sql!<{ n: number }[]>`
          SELECT count(*)::int AS n FROM payments p JOIN billing_accounts b ON b.id = p.billing_account_id
            JOIN organizations o ON o.id = b.organization_id WHERE o.slug = ${slug}`;
        return r?.n;
      })
      .toBe(1);
    expect(row?.credits).toBe(1);
    const audited = await sql!<{ action: string }[]>`
      SELECT a.action FROM audit_logs a JOIN users u ON u.id = a.user_id WHERE u.email = ${boss.email}`;
    expect(audited.map((r) => r.action)).toEqual(expect.arrayContaining(['credit.issued']));

    const [target] = await sql!<{ id: string }[]>`SELECT id FROM users WHERE email = ${member.email}`;
    await visit(a, `/admin/users/${target!.id}`);
    await expectAccessible(a);
    await a.getByRole('button', { name: 'View as this user (read-only)' }).click();
    const banner = a.getByRole('region', { name: 'Impersonation' });
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toContain(member.email);
    await visit(a, `/o/${slug}/support`);
    await expect(banner.isVisible()).resolves.toBe(true);
    await expectAccessible(a);
    await banner.getByRole('button', { name: 'End impersonation' }).click();
    await a.waitForURL(`**/admin/users/${target!.id}`);
    await a.getByRole('region', { name: 'Impersonation' }).waitFor({ state: 'detached' });
    await expect(flash(a).textContent()).resolves.toContain('You are yourself again');
    const ended = await sql!<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_logs WHERE action = 'user.impersonation_ended' AND entity_id = ${target!.id}`;
    expect(ended[0]?.n).toBe(1);
  });
});
