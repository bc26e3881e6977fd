// Sudo mode and email change in the browser (issue 15 §4, §5), once with JavaScript and once without: a
// stale proof sends /settings/password through /reauthenticate (a wrong password is refused next to the
// field), the password brings you back; then the email changes through the link sent to the new address
// (the old one keeps signing in until then) and the new address signs in. axe on every page visited.

import type { Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, expect, inject, it } from 'vitest';
import { sha256Hex } from '~/auth/tokens.server';
import { signUpAndIn } from './accounts';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const outbox = openOutbox();
const databaseUrl = inject('e2eDatabaseUrl');
const sql = databaseUrl ? postgres(databaseUrl, { max: 1, onnotice: () => {} }) : null;
afterAll(async () => {
  await sql?.end({ timeout: 1 });
});

async function submit(page: Page, button: string) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
}

/** Makes the page's session's last proof of identity 20 minutes old. */
async function makeStale(page: Page) {
  const cookie = (await page.context().cookies()).find((c) => c.name.endsWith('session'));
  if (!cookie || !sql) throw new Error('no session or database');
  const id = sha256Hex(decodeURIComponent(cookie.value));
  await sql`UPDATE sessions SET reauthenticated_at = now() - interval '20 minutes' WHERE id = ${id}`;
}

const describeSudo = (name: string, fn: () => void) =>
  databaseUrl
    ? describeBrowser(name, fn)
    : describeBrowser(`${name} (skipped: e2e database is not PostgreSQL)`, () =>
        it.skip('needs PostgreSQL', () => {}),
      );

describeSudo('sudo mode and email change in the browser', () => {
  const browser = useBrowser();

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`a stale proof asks again before the password page; the email changes through its link, ${mode}`, async () => {
      const stamp = `${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now()}`;
      const who = { name: 'Sudo Person', email: `sudo-${stamp}@example.com`, password: 'sudo-password-123' };
      const page = await browser.newPage({ javaScriptEnabled });
      await signUpAndIn(page, who, outbox);

      await makeStale(page);
      await page.goto('/settings/password');
      await page.waitForURL((url) => url.pathname === '/reauthenticate');
      expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/settings/password');
      await expectAccessible(page);
      await page.getByLabel('Your password').fill('not-my-password');
      await submit(page, 'Confirm with password');
      await page.getByText('That password is not right.').first().waitFor();
      await page.getByLabel('Your password').fill(who.password);
      await submit(page, 'Confirm with password');
      await page.waitForURL((url) => url.pathname === '/settings/password');
      await page.getByText('Thanks, that was you. Go ahead.').waitFor();

      // Email change: a link to the new address; the old one signs in until it is opened.
      const next = `moved-${stamp}@example.com`;
      await visit(page, '/settings/email');
      await expectAccessible(page);
      await page.getByLabel('New email address').fill(next);
      await submit(page, 'Send the confirmation link');
      await page.getByTestId('pending-email-change').waitFor();
      await expect(page.getByTestId('current-email').textContent()).resolves.toBe(who.email);
      if (!outbox) throw new Error('no outbox');
      const link = await outbox.link(next, 'email-change-verify');
      await page.goto(new URL(link).pathname + new URL(link).search);
      await expectAccessible(page);
      await submit(page, 'Confirm new address');
      await page.waitForURL((url) => url.pathname === '/settings/email');
      await page.getByText(`Your sign-in email is now ${next}.`).first().waitFor();
      await expect(page.getByTestId('current-email').textContent()).resolves.toBe(next);

      // The new address signs in; the link is spent.
      await submit(page, 'Sign out');
      await visit(page, '/login');
      await page.getByLabel('Email').fill(next);
      await page.getByLabel('Password').fill(who.password);
      await submit(page, 'Sign in');
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      const reused = await page.goto(new URL(link).pathname + new URL(link).search);
      expect(reused?.status()).toBe(400);
      await page.getByText('This link is invalid, expired or already used.').waitFor();
    });
  }
});
