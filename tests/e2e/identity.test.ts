// Identity in the browser (issue 4): sign up → verify via the outbox link → sign in elsewhere → revoke the
// first session → sign out, once with JavaScript and once without; axe on every page visited.
// The link is read from the e2e database's email_logs (template_data.link, AES-256-GCM under the e2e
// EMAIL_PAYLOAD_KEY); the server must run with EMAIL_DELIVERY=cron so the row is still QUEUED.
import type { Page } from 'playwright-core';
import { expect, inject, it } from 'vitest';
import { baseUrl, describeBrowser, expectAccessible, useBrowser, visit } from './fixtures';
import { openOutbox } from './outbox';

const databaseUrl = inject('e2eDatabaseUrl');
const outbox = openOutbox();

async function outboxLink(to: string, template: string): Promise<string> {
  if (!outbox) throw new Error('e2e database not available');
  return outbox.link(to, template);
}

/** Clicks a submit button and waits for the POST's answer (a document without JavaScript, a fetch with it). */
async function submit(page: Page, button: string) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: button }).click(),
  ]);
  await page.waitForLoadState('load');
}

/** Fails unless the text shows up (the enhanced form renders after its fetch). */
const shows = (page: Page, text: string) =>
  page.getByText(text).first().waitFor({ state: 'visible', timeout: 10_000 });

const describeIdentity = (name: string, fn: () => void) =>
  databaseUrl
    ? describeBrowser(name, fn)
    : describeBrowser(`${name} (skipped: e2e database is not PostgreSQL)`, () =>
        it.skip('needs PostgreSQL', () => {}),
      );

describeIdentity('identity in the browser', () => {
  const browser = useBrowser();

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`sign up → verify via the outbox link → sign in → revoke a session → sign out, ${mode}`, async () => {
      const email = `e2e-${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now()}@example.com`;
      const password = 'e2e-password-123';

      // Device A: sign up. (Server-side field errors are proven in app/auth/accounts.server.test.ts; in a
      // browser the zod constraints also become native HTML validation.)
      const a = await visit(await browser.newPage({ javaScriptEnabled }), '/signup');
      await expectAccessible(a);
      await a.getByLabel('Name').fill('E2E Person');
      await a.getByLabel('Email').fill(email);
      await a.getByLabel('Password').fill(password);
      await submit(a, 'Create account');
      await a.waitForURL((url) => !url.pathname.startsWith('/signup'));

      // Sign-up does not sign in (it answers the same for a registered address): verify with the link
      // from the outbox, which leads to sign-in, then sign in on A.
      const link = await outboxLink(email, 'verify-email');
      expect(new URL(link).origin).toBe(baseUrl());
      await a.goto(link);
      await a.waitForURL('**/login**');
      await shows(a, 'Your email address is confirmed. You can sign in now.');
      await expectAccessible(a);
      await a.getByLabel('Email').fill(email);
      await a.getByLabel('Password').fill(password);
      await submit(a, 'Sign in');
      await a.waitForURL((url) => !url.pathname.startsWith('/login'));
      await visit(a, '/settings/profile');
      await expect(a.getByTestId('email-status').textContent()).resolves.toBe('verified');
      await expectAccessible(a);

      // A used link is refused with a page offering a new one.
      const reused = await a.goto(link);
      expect(reused?.status()).toBe(400);
      await expect(a.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        'This link no longer works',
      );
      await expectAccessible(a);

      // Device B: a wrong password first (generic message), then sign in, landing on the sessions page.
      const b = await visit(
        await browser.newPage({ javaScriptEnabled }),
        '/login?redirectTo=/settings/sessions',
      );
      await expectAccessible(b);
      await b.getByLabel('Email').fill(email);
      await b.getByLabel('Password').fill('not-the-password');
      await submit(b, 'Sign in');
      await shows(b, 'Invalid email or password');
      await expect(b.getByLabel('Email').inputValue()).resolves.toBe(email);
      await b.getByLabel('Password').fill(password);
      await submit(b, 'Sign in');
      await b.waitForURL('**/settings/sessions');
      await b.locator('tr[data-session]').nth(1).waitFor();
      await expect(b.locator('tr[data-session]').count()).resolves.toBe(2);
      await expect(b.locator('tr[data-session="current"]').count()).resolves.toBe(1);
      await expectAccessible(b);

      // B revokes A's session.
      await submit(b, 'Sign out this session');
      await b.waitForURL('**/settings/sessions');
      await shows(b, 'was signed out');
      await expect(b.locator('tr[data-session]').count()).resolves.toBe(1);

      // A is signed out: its settings page sends it to sign in.
      await a.goto('/settings/profile');
      await a.waitForURL('**/login?redirectTo=%2Fsettings%2Fprofile');

      // B signs out from the header; its settings are then closed too.
      await submit(b, 'Sign out');
      await b.waitForURL(`${baseUrl()}/`);
      await b.getByRole('link', { name: 'Sign in' }).waitFor({ state: 'visible' });
      await b.goto('/settings/sessions');
      await b.waitForURL('**/login?redirectTo=%2Fsettings%2Fsessions');
    });
  }

  it('password reset through the outbox link, without JavaScript; every settings page passes axe', async () => {
    const email = `e2e-reset-${Date.now()}@example.com`;
    const page = await visit(await browser.newPage({ javaScriptEnabled: false }), '/signup');
    await page.getByLabel('Name').fill('Reset Person');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('first-password-1');
    await submit(page, 'Create account');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    // Sign-up does not sign in: confirm the address through the outbox link, then sign in.
    await page.goto(await outboxLink(email, 'verify-email'));
    await page.waitForURL('**/login**');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('first-password-1');
    await submit(page, 'Sign in');
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    for (const path of [
      '/settings/profile',
      '/settings/password',
      '/settings/accounts',
      '/settings/sessions',
      '/settings/delete-account',
      '/verify-email',
    ]) {
      await visit(page, path);
      await expectAccessible(page);
    }
    await submit(page, 'Sign out');
    await page.waitForURL(`${baseUrl()}/`);

    await visit(page, '/forgot-password');
    await expectAccessible(page);
    await page.getByLabel('Email').fill(email);
    await submit(page, 'Send reset link');
    await shows(page, 'If an account exists for that address');
    const link = await outboxLink(email, 'reset-password');
    await page.goto(link);
    await expectAccessible(page);
    await page.getByLabel('New password').fill('second-password-2');
    await submit(page, 'Set new password');
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('second-password-2');
    await submit(page, 'Sign in');
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));

    const bad = await page.goto('/reset-password?token=forged');
    expect(bad?.status()).toBe(400);
    await page.getByRole('link', { name: 'Send me a new link' }).waitFor({ state: 'visible' });
    await expectAccessible(page);
  });

  it('a cookie-carrying POST from a foreign origin gets 403', async () => {
    const res = await fetch(`${baseUrl()}/logout`, {
      method: 'POST',
      headers: {
        cookie: 'session=anything',
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
  });

  it('the JSON API: token, refresh, logout; a revoked token gets 401 JSON', async () => {
    // A verified account is not required for the API; sign up through the form endpoint's domain.
    const email = `e2e-api-${Date.now()}@example.com`;
    const page = await visit(await browser.newPage({ javaScriptEnabled: false }), '/signup');
    await page.getByLabel('Name').fill('Api Person');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('api-password-123');
    await submit(page, 'Create account');
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${baseUrl()}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const issued = await post('/api/v1/auth/token', { email, password: 'api-password-123' });
    expect(issued.status).toBe(200);
    const pair = (await issued.json()) as { accessToken: string; refreshToken: string };
    const rotated = await post('/api/v1/auth/refresh', { refreshToken: pair.refreshToken });
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { accessToken: string; refreshToken: string };
    expect((await post('/api/v1/auth/logout', {}, next.accessToken)).status).toBe(204);
    const again = await post('/api/v1/auth/logout', {}, next.accessToken);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({
      error: { code: 'unauthorized', message: expect.any(String) },
    });
  });
});
