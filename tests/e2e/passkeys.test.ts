// Passkeys in a real browser (issue 15 §2): Chromium's virtual authenticator (CDP WebAuthn: ctap2,
// internal, resident key, user verification) registers a passkey on /settings/security/passkeys, the
// person signs out, signs in with it on /login, and confirms a sudo action with it on /reauthenticate; a
// password sign-in of a passkey-only user is asked for the passkey as its second step.
// Without JavaScript the pages say passkeys need it and the password still signs in.
//
// WebAuthn refuses IP addresses as relying party IDs, so this file runs its own app instance whose
// APP_URL is http://localhost:<port> (the RP ID is APP_URL's host), on a clone of the test template.
import { type ChildProcess, spawn } from 'node:child_process';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { sha256Hex } from '~/auth/tokens.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { sessions, webauthnCredentials } from '~db/schema';
import { cloneTemplate, databaseUrl, dropDatabase, ensureTemplate, postgresReachable } from '../support/pg';
import { describeBrowser, expectAccessible, useBrowser } from './fixtures';
import { freePort, SHARED_SECRETS, waitForReady } from './instances';

let app: { url: string; child: ChildProcess; output: () => string } | undefined;
let conn: Connection | undefined;
let dbName: string | undefined;
// Like the other browser files that read the database: PostgreSQL only (the e2e app's database tells).
const onPostgres = Boolean(inject('e2eDatabaseUrl'));

beforeAll(async () => {
  if (!onPostgres || !(await postgresReachable())) return;
  dbName = await cloneTemplate(await ensureTemplate());
  const url = databaseUrl(dbName);
  conn = connectPostgres(url, { max: 2 });
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      ...SHARED_SECRETS,
      NODE_ENV: 'production',
      PORT: String(port),
      APP_URL: `http://localhost:${port}`,
      DATABASE_URL: url,
      MIGRATE_ON_START: 'false',
      EMAIL_DELIVERY: 'cron',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  try {
    await waitForReady(`http://127.0.0.1:${port}`, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  app = { url: `http://localhost:${port}`, child, output: () => output };
}, 120_000);

afterAll(async () => {
  if (app) {
    const exited = new Promise((r) => app?.child.once('exit', r));
    app.child.kill('SIGTERM');
    const timer = setTimeout(() => app?.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await conn?.close();
  if (dbName) await dropDatabase(dbName);
}, 30_000);

const at = (path: string) => `${app?.url}${path}`;
const db = () => {
  if (!conn) throw new Error('no database');
  return conn.db;
};

/** A platform authenticator with user verification, attached to this page (and its navigations). */
async function addVirtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function signInWithPassword(page: Page, email: string, password: string) {
  await page.goto(at('/login'));
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

async function currentSessionId(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name.endsWith('session'));
  if (!cookie) throw new Error('no session cookie');
  return sha256Hex(decodeURIComponent(cookie.value));
}

const describePasskeys = (name: string, fn: () => void) =>
  onPostgres
    ? describeBrowser(name, fn)
    : describeBrowser(`${name} (skipped: e2e database is not PostgreSQL)`, () =>
        it.skip('needs PostgreSQL', () => {}),
      );

describePasskeys('passkeys in the browser', () => {
  const browser = useBrowser();

  it('register a passkey, sign out, sign in with it, confirm a sudo action with it', async () => {
    const user = await createPasswordUser(db(), { name: 'Pat Passkey' });
    const page = await browser.newPage();
    const { cdp, authenticatorId } = await addVirtualAuthenticator(page);

    // Register (a fresh sign-in counts as a recent proof: no detour through /reauthenticate).
    await signInWithPassword(page, user.email, user.password);
    await page.goto(at('/settings/security/passkeys'));
    await expect(page.getByRole('heading', { level: 1, name: 'Passkeys' }).isVisible()).resolves.toBe(true);
    await page.getByText('You have no passkey yet.').waitFor();
    await expectAccessible(page);
    await page.getByLabel('Name').fill('E2E laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('[data-passkey="E2E laptop"]').waitFor({ timeout: 15_000 });
    await page.getByText('The passkey “E2E laptop” was added.').waitFor();
    await expect(page.locator('[data-passkey="E2E laptop"]').textContent()).resolves.toContain('never used');
    await expectAccessible(page);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    const stored = await db()
      .select()
      .from(webauthnCredentials)
      .where(eq(webauthnCredentials.userId, user.id));
    expect(stored).toMatchObject([
      {
        name: 'E2E laptop',
        credentialId: Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url'),
      },
    ]);

    // Sign out, then sign in with the passkey alone.
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(at('/login'));
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/orgs'), { timeout: 15_000 });
    const [session] = await db()
      .select()
      .from(sessions)
      .where(eq(sessions.id, await currentSessionId(page)));
    expect(session).toMatchObject({ userId: user.id, signInMethod: 'passkey', secondFactor: 'passkey' });
    await page.goto(at('/settings/security/passkeys'));
    await expect(page.locator('[data-passkey="E2E laptop"]').textContent()).resolves.toContain('last used');

    // A stale proof: the password page sends us to confirm; the passkey confirms and brings us back.
    await db()
      .update(sessions)
      .set({ reauthenticatedAt: new Date(Date.now() - 20 * 60_000) })
      .where(eq(sessions.id, await currentSessionId(page)));
    await page.goto(at('/settings/password'));
    await page.waitForURL((url) => url.pathname === '/reauthenticate');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Confirm with a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/password', { timeout: 15_000 });
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/password/i);

    // At 360 px the page still fits.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(at('/settings/security/passkeys'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('a password sign-in of a passkey-only user is asked for the passkey and passes with it', async () => {
    const user = await createPasswordUser(db(), { name: 'Second Step' });
    const page = await browser.newPage();
    await addVirtualAuthenticator(page);
    await signInWithPassword(page, user.email, user.password);
    await page.goto(at('/settings/security/passkeys'));
    await page.getByLabel('Name').fill('Step laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('[data-passkey="Step laptop"]').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL((url) => url.pathname === '/');

    // The password alone is no longer a whole sign-in: the second step asks for the passkey.
    const typePassword = async (p: Page) => {
      await p.goto(at('/login'));
      await p.getByLabel('Email').fill(user.email);
      await p.getByLabel('Password').fill(user.password);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.waitForURL((url) => url.pathname === '/login/two-factor');
    };
    await typePassword(page);
    const partial = await currentSessionId(page);
    await expect(page.getByLabel('Authentication code').count()).resolves.toBe(0);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/orgs'), { timeout: 15_000 });
    const complete = await currentSessionId(page);
    expect(complete).not.toBe(partial);
    const [session] = await db().select().from(sessions).where(eq(sessions.id, complete));
    expect(session).toMatchObject({
      userId: user.id,
      signInMethod: 'password',
      secondFactor: 'passkey',
      twoFactorPending: false,
    });

    // Without JavaScript the step says what to do instead (no TOTP, no recovery codes here).
    const noScript = await browser.newPage({ javaScriptEnabled: false });
    await typePassword(noScript);
    await expect(noScript.getByTestId('passkeys-need-javascript').textContent()).resolves.toContain(
      'Turn JavaScript on',
    );
    await expect(noScript.getByRole('button', { name: 'Use a passkey' }).count()).resolves.toBe(0);
    await expectAccessible(noScript);
  });

  it('without JavaScript: the pages say passkeys need it, and the password still signs in', async () => {
    const user = await createPasswordUser(db(), { name: 'No Script' });
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.goto(at('/login'));
    await expect(page.getByTestId('passkeys-need-javascript').textContent()).resolves.toContain(
      'needs JavaScript',
    );
    await expect(page.getByRole('button', { name: 'Use a passkey' }).count()).resolves.toBe(0);
    await expectAccessible(page);
    await signInWithPassword(page, user.email, user.password);
    await page.goto(at('/settings/security/passkeys'));
    await expect(page.getByTestId('passkeys-need-javascript').textContent()).resolves.toContain(
      'needs JavaScript',
    );
    await expectAccessible(page);
  });
});
