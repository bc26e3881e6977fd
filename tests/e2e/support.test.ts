// A member asks for help in the browser: with JavaScript off they open a ticket (a missing subject is an
// error next to the field, the description is kept), land on its page, reply and see the thread, then
// close it with JavaScript on. axe checks the list and the ticket page.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { signUpAndIn } from './accounts';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const id = randomBytes(4).toString('hex');
const member = { name: 'Sam Support', email: `support-${id}@example.com`, password: 'support-password-123' };
const slug = `help-${id}`;

/** The flash message shown after a redirect (root's FlashBanner). */
const flash = (page: Page) => page.getByRole('status').first();

describeBrowser('support tickets', () => {
  const browser = useBrowser();
  const outbox = openOutbox();
  const newPage = async (options: { javaScriptEnabled?: boolean } = {}) => {
    const page = await browser.newPage(options);
    page.setDefaultTimeout(10_000);
    return page;
  };
  let ticketPath = '';

  it('without JavaScript: open a ticket (errors next to fields), reply, see the thread', async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await signUpAndIn(page, member, outbox);
    await visit(page, '/orgs/new');
    await page.getByLabel('Name').fill(`Help ${id}`);
    await page.getByLabel('Address').fill(slug);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(`**/o/${slug}`);

    await page
      .getByRole('navigation', { name: 'Organization' })
      .getByRole('link', { name: 'Support' })
      .click();
    await page.waitForURL(`**/o/${slug}/support`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Support');
    await expect(page.locator('main').textContent()).resolves.toContain('No tickets yet.');
    await expectAccessible(page);

    // No subject: the error shows next to the field and the description is kept.
    await page.getByLabel('Description').fill('Exports stop at 10,000 rows.');
    await page.getByLabel('Priority').selectOption('HIGH');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await expect(page.locator('#open-ticket-subject-error').textContent()).resolves.toContain(
      'Enter a subject',
    );
    await expect(page.getByLabel('Description').inputValue()).resolves.toBe('Exports stop at 10,000 rows.');
    await expectAccessible(page);

    await page.getByLabel('Subject').fill('CSV export is cut off');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.waitForURL(new RegExp(`/o/${slug}/support/[a-z0-9]+$`));
    ticketPath = new URL(page.url()).pathname;
    await expect(flash(page).textContent()).resolves.toContain('Ticket opened');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'CSV export is cut off',
    );
    await expect(page.locator('main').textContent()).resolves.toContain('High priority');

    // An empty reply is refused next to the field; a real one joins the thread.
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.locator('#reply-message-error').textContent()).resolves.toContain('Write a message');
    await page.getByLabel('Message').fill('It happens in every browser.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.waitForURL(`**${ticketPath}`);
    await expect(flash(page).textContent()).resolves.toContain('Reply sent');
    const thread = page.getByRole('region', { name: 'Conversation' });
    await expect(thread.textContent()).resolves.toContain('Exports stop at 10,000 rows.');
    await expect(thread.textContent()).resolves.toContain('It happens in every browser.');
    await expectAccessible(page);

    await visit(page, `/o/${slug}/support`);
    await expect(page.getByRole('link', { name: 'CSV export is cut off' }).count()).resolves.toBe(1);
  });

  it('with JavaScript: the opener closes the ticket; replies end', async () => {
    expect(ticketPath, 'no ticket from the first step').not.toBe('');
    const page = await newPage();
    await visit(page, `/login?redirectTo=${encodeURIComponent(ticketPath)}`);
    await page.getByLabel('Email').fill(member.email);
    await page.getByLabel('Password').fill(member.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**${ticketPath}`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await expect(page.locator('main').getByText('This ticket is closed.').textContent()).resolves.toContain(
      'This ticket is closed.',
    );
    await expect(page.locator('[data-status]').first().getAttribute('data-status')).resolves.toBe('CLOSED');
    await expect(page.getByRole('button', { name: 'Send reply' }).count()).resolves.toBe(0);
    await expectAccessible(page);
  });
});
