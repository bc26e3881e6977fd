// TOTP in the browser (issue 15): set up an authenticator app on /settings/security (the code computed
// here from the key the page shows), keep the recovery codes, sign out, sign in with a code on the second
// step, sign out, sign in with a recovery code; the session list says how. Once with JavaScript and once
// without; axe on every page, and the security page at 360 px.
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import type { Page } from 'playwright-core';
import { expect, inject, it } from 'vitest';
import { signUpAndIn } from './accounts';
import { describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const outbox = openOutbox();

/** Codes of the key, never one of a step already used (the server refuses a replay). */
function authenticator(manualKey: string) {
  const key = decodeBase32IgnorePadding(manualKey.replace(/\s+/g, '').toUpperCase());
  let lastStep = -1;
  return () => {
    const step = Math.max(Math.floor(Date.now() / 30_000), lastStep + 1);
    lastStep = step;
    return generateHOTP(key, BigInt(step), 6);
  };
}

/** Clicks a submit button and waits for the POST's answer (a document without JavaScript, a fetch with it). */
async function submit(page: Page, button: string) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
}

async function signOut(page: Page) {
  await submit(page, 'Sign out');
  await page.waitForURL((url) => url.pathname === '/');
}

async function signInWithPassword(
  page: Page,
  email: string,
  password: string,
  redirectTo = '/settings/sessions',
) {
  await visit(page, `/login?${new URLSearchParams({ redirectTo })}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await submit(page, 'Sign in');
  await page.waitForURL((url) => url.pathname === '/login/two-factor');
}

const describeTwoFactor = (name: string, fn: () => void) =>
  inject('e2eDatabaseUrl')
    ? describeBrowser(name, fn)
    : describeBrowser(`${name} (skipped: e2e database is not PostgreSQL)`, () =>
        it.skip('needs PostgreSQL', () => {}),
      );

describeTwoFactor('two-step verification in the browser', () => {
  const browser = useBrowser();

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`set up TOTP → sign out → sign in with a code → sign in with a recovery code, ${mode}`, async () => {
      const who = {
        name: 'Grace Hopper',
        email: `e2e-2fa-${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now()}@example.com`,
        password: 'e2e-password-123',
      };
      const page = await browser.newPage({ javaScriptEnabled });
      await signUpAndIn(page, who, outbox);

      await visit(page, '/settings/security');
      await expect(page.getByRole('heading', { name: 'Security' })).toBeTruthy();
      await expect(page.locator('[data-totp-status]').textContent()).resolves.toBe('Off');
      await expectAccessible(page);
      await submit(page, 'Set up authenticator app');
      const manualKey = (await page.locator('[data-totp-key]').textContent()) ?? '';
      expect(manualKey).toMatch(/^[A-Z2-7 ]{20,}$/);
      expect(await page.getByRole('img', { name: 'QR code of your authenticator key' }).count()).toBe(1);
      await expectAccessible(page);
      const nextCode = authenticator(manualKey);

      // A wrong code is refused next to the field; the right one turns TOTP on and shows the codes once.
      await page.getByLabel('Code from the app').fill('000000');
      await submit(page, 'Turn on');
      await page.getByText('That code is not right').first().waitFor();
      await page.getByLabel('Code from the app').fill(nextCode());
      await submit(page, 'Turn on');
      await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
      const codes = await page.locator('[data-recovery-codes] li').allTextContents();
      expect(codes).toHaveLength(10);
      await expect(page.locator('[data-totp-status]').textContent()).resolves.toBe('On');
      await expectAccessible(page);
      // Reloading never shows the codes again.
      await visit(page, '/settings/security');
      expect(await page.locator('[data-recovery-codes]').count()).toBe(0);
      await page.getByText('10 of 10 recovery codes left.').waitFor();

      // Sign out, then in again: the password leads to the second step, which nothing else gets past.
      await signOut(page);
      await signInWithPassword(page, who.email, who.password);
      await expectAccessible(page);
      const blocked = await page.goto('/settings/profile');
      expect(new URL(page.url()).pathname).toBe('/login/two-factor');
      expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/settings/profile');
      expect(blocked?.status()).toBe(200);
      await page.getByLabel('Authentication code').fill('123456');
      await submit(page, 'Verify');
      await page.getByText('That code is not right').first().waitFor();
      await page.getByLabel('Authentication code').fill(nextCode());
      await submit(page, 'Verify');
      // The step continues where the person was going.
      await page.waitForURL((url) => url.pathname === '/settings/profile');
      await visit(page, '/settings/sessions');
      await page.getByText('Password + TOTP').first().waitFor();

      // And with a recovery code, which then is spent.
      await signOut(page);
      await signInWithPassword(page, who.email, who.password);
      await page.getByLabel('Authentication code').fill(codes[0] ?? '');
      await submit(page, 'Verify');
      await page.waitForURL((url) => url.pathname === '/settings/sessions');
      await page.getByText('You signed in with a recovery code; 9 left.').first().waitFor();
      await page.getByText('Password + recovery code').first().waitFor();
      await expectAccessible(page);

      await signOut(page);
      await signInWithPassword(page, who.email, who.password);
      await page.getByLabel('Authentication code').fill(codes[0] ?? '');
      await submit(page, 'Verify');
      await page.getByText('That code is not right').first().waitFor();
      expect(new URL(page.url()).pathname).toBe('/login/two-factor');
      // "Cancel and sign out" ends the partial session.
      await submit(page, 'Cancel and sign out');
      await page.waitForURL((url) => url.pathname === '/');
      await page.goto('/settings/profile');
      expect(new URL(page.url()).pathname).toBe('/login');
    }, 120_000);
  }

  it('the security page fits a 360 px phone', async () => {
    const who = {
      name: 'Phone Person',
      email: `e2e-2fa-phone-${Date.now()}@example.com`,
      password: 'e2e-password-123',
    };
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await signUpAndIn(page, who, outbox);
    await visit(page, '/settings/security');
    await submit(page, 'Set up authenticator app');
    await page.locator('[data-totp-key]').waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await expectAccessible(page);
    // The session list, with its "Signed in with" column, scrolls inside its table, not sideways.
    await visit(page, '/settings/sessions');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await expectAccessible(page);
  }, 60_000);
});
