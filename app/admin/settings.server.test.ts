// System settings take effect (PostgreSQL): the typed reader falls back to the default for a missing or
// mistyped row; closed sign-ups refuse new accounts by email and by OAuth (invitations still work, existing
// users still sign in) and open again; maintenance mode shows in the root loader for signed-in users; the
// billing defaults reach new billing accounts and finalized invoices, an account's own grace period wins.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_UPS_CLOSED } from '~/auth/accounts.server';
import { type OAuthProfile, signInWithOAuth } from '~/auth/oauth.server';
import { call, makeRequest, outcome, uniqueEmail } from '~/auth/test-helpers.server';
import { resetEnvCache } from '~/env.server';
import { billingRun } from '~/invoicing/billing-run.server';
import { addService } from '~/invoicing/staff.server';
import { platformAdmin } from '~/invoicing/test-support';
import { inviteMember } from '~/orgs/invitations.server';
import { cookieFor, createOrg, type TestUser, uid } from '~/orgs/test-support';
import { loader as rootLoader } from '~/root';
import { action as signupAction, loader as signupLoader } from '~/routes/signup';
import { rowsOf } from '~db/client.server';
import { accounts, billingAccounts, invoices, systemSettings, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { getPage, runRoute } from '../../tests/support/routes';
import {
  readSetting,
  readSettings,
  readSettingsCached,
  SETTINGS_CACHE_MS,
  type SettingKey,
  updateSetting,
} from './settings.server';

const t = useAppTestDatabase();

// Leave emails queued instead of delivering them in the background.
const previousDelivery = process.env.EMAIL_DELIVERY;
beforeAll(() => {
  process.env.EMAIL_DELIVERY = 'cron';
  resetEnvCache();
});
afterAll(() => {
  if (previousDelivery === undefined) delete process.env.EMAIL_DELIVERY;
  else process.env.EMAIL_DELIVERY = previousDelivery;
  resetEnvCache();
});

let admin: TestUser;
const set = async (key: SettingKey, value: unknown) => {
  admin ??= await platformAdmin(t.db);
  return updateSetting(t.db, admin.actor, { key, value });
};

const userByEmail = async (email: string) =>
  (await t.db.select().from(users).where(eq(users.email, email)))[0];

const signupPost = (email: string, redirectTo = '') =>
  makeRequest('/signup', {
    form: { name: 'Sam Newcomer', email, password: 'a-long-password', redirectTo },
    ip: `198.51.100.${Math.floor(Math.random() * 200) + 1}`,
  });

const profile = (email: string, emailVerified = true): OAuthProfile => ({
  providerId: 'github',
  accountId: `gh-${uid()}`,
  email,
  emailVerified,
  name: 'Octo Cat',
  image: null,
});

async function invite(email: string) {
  const { organization, owner } = await createOrg(t.db);
  return inviteMember(t.db, owner.actor, { organizationId: organization.id, email, role: 'MEMBER' });
}

describe('readSettings', () => {
  it('reads several keys in one go, typed, with the default for a missing or mistyped row', async () => {
    await t.db.execute(
      sql`INSERT INTO system_settings (key, value) VALUES ('support.email', '"help@acme.test"'::jsonb),
            ('billing.invoice_due_days', '"thirty"'::jsonb)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    const values = await readSettings(t.db, ['support.email', 'billing.invoice_due_days', 'platform.name']);
    expect(values).toEqual({
      'support.email': 'help@acme.test',
      'billing.invoice_due_days': 14,
      'platform.name': 'SaaS Platform',
    });
    const open: boolean = await readSetting(t.db, 'signups.enabled');
    expect(open).toBe(true);
    await t.db.delete(systemSettings).where(eq(systemSettings.key, 'billing.invoice_due_days'));
  });

  it('keeps the cached values for SETTINGS_CACHE_MS; a change through updateSetting shows at once', async () => {
    const now = Date.now() + 3_600_000; // A clock of its own, past any earlier cached read.
    expect((await readSettingsCached(t.db, now))['platform.name']).toBe('SaaS Platform');
    await t.db.execute(
      sql`INSERT INTO system_settings (key, value) VALUES ('platform.name', '"Acme Cloud"'::jsonb)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    expect((await readSettingsCached(t.db, now + 1_000))['platform.name']).toBe('SaaS Platform');
    expect((await readSettingsCached(t.db, now + SETTINGS_CACHE_MS))['platform.name']).toBe('Acme Cloud');
    await set('platform.name', 'Acme Cloud 2');
    expect((await readSettingsCached(t.db, now + SETTINGS_CACHE_MS + 1))['platform.name']).toBe(
      'Acme Cloud 2',
    );
    await set('platform.name', 'SaaS Platform');
  });
});

describe('signups.enabled', () => {
  it('closed: the page shows the notice, email sign-up is refused (403, message), nothing is created', async () => {
    await set('signups.enabled', false);
    const page = await outcome(await call(signupLoader, makeRequest('/signup')));
    expect(page.data).toMatchObject({ signUps: 'closed', closedMessage: SIGN_UPS_CLOSED });

    const email = uniqueEmail('closed');
    const refused = await outcome(await call(signupAction, signupPost(email)));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.data)).toContain('Sign-ups are closed');
    expect(await userByEmail(email)).toBeUndefined();
  });

  it('closed: a first OAuth sign-in is refused, an existing OAuth user still signs in', async () => {
    await set('signups.enabled', true);
    const existing = profile(uniqueEmail('existing'));
    const { user } = await signInWithOAuth(t.db, existing);
    await set('signups.enabled', false);

    const newcomer = profile(uniqueEmail('newcomer'));
    await expect(signInWithOAuth(t.db, newcomer)).rejects.toMatchObject({
      status: 403,
      message: SIGN_UPS_CLOSED,
    });
    expect(await userByEmail(newcomer.email as string)).toBeUndefined();
    await expect(signInWithOAuth(t.db, existing)).resolves.toMatchObject({
      outcome: 'signed_in',
      user: { id: user.id },
    });
  });

  it('closed: an invited address may still sign up, by email or by OAuth with a verified address', async () => {
    await set('signups.enabled', false);
    const invitedEmail = uniqueEmail('invited');
    const { token } = await invite(invitedEmail);
    const page = await outcome(
      await call(signupLoader, makeRequest(`/signup?redirectTo=/invitations/${token}`)),
    );
    expect(page.data).toMatchObject({ signUps: 'invited' });
    const signedUp = await outcome(
      await call(signupAction, signupPost(invitedEmail, `/invitations/${token}`)),
    );
    expect(signedUp.status).toBe(302);
    expect(await userByEmail(invitedEmail)).toBeDefined();

    const oauthInvited = uniqueEmail('oauth-invited');
    await invite(oauthInvited);
    // An address the provider did not verify proves nothing about the invitation.
    await expect(signInWithOAuth(t.db, profile(oauthInvited, false))).rejects.toMatchObject({ status: 403 });
    await expect(signInWithOAuth(t.db, profile(oauthInvited))).resolves.toMatchObject({ outcome: 'created' });
  });

  it('open again: email sign-up and a first OAuth sign-in create accounts', async () => {
    await set('signups.enabled', false);
    await set('signups.enabled', true);
    expect((await outcome(await call(signupLoader, makeRequest('/signup')))).data).toMatchObject({
      signUps: 'open',
    });
    const email = uniqueEmail('reopened');
    expect((await outcome(await call(signupAction, signupPost(email)))).status).toBe(302);
    const created = await userByEmail(email);
    expect(created).toBeDefined();
    const [credential] = await t.db.select().from(accounts).where(eq(accounts.userId, created!.id));
    expect(credential?.providerId).toBe('credential');
    await expect(signInWithOAuth(t.db, profile(uniqueEmail('oauth-open')))).resolves.toMatchObject({
      outcome: 'created',
    });
  });
});

describe('maintenance.enabled', () => {
  it('the root loader carries the banner for signed-in users only, while it is on', async () => {
    const { owner } = await createOrg(t.db);
    const cookie = await cookieFor(t.db, owner.id);
    await set('maintenance.enabled', false);
    expect((await runRoute(rootLoader, getPage('/orgs', cookie), {})).data).toMatchObject({
      maintenance: null,
    });
    await set('support.email', 'ops@acme.test');
    await set('maintenance.enabled', true);
    expect((await runRoute(rootLoader, getPage('/orgs', cookie), {})).data).toMatchObject({
      maintenance: { supportEmail: 'ops@acme.test' },
    });
    expect((await runRoute(rootLoader, getPage('/'), {})).data).toMatchObject({ maintenance: null });
    await set('maintenance.enabled', false);
    expect((await runRoute(rootLoader, getPage('/orgs', cookie), {})).data).toMatchObject({
      maintenance: null,
    });
  });
});

describe('billing defaults', () => {
  const accountOf = async (organizationId: string) =>
    (await t.db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId)))[0]!;

  it('grace period: new accounts start with the setting; an account keeps its own value', async () => {
    const before = await createOrg(t.db);
    await set('billing.grace_period_days', 3);
    const after = await createOrg(t.db);
    expect((await accountOf(before.organization.id)).gracePeriodDays).toBe(14);
    expect((await accountOf(after.organization.id)).gracePeriodDays).toBe(3);
    await set('billing.grace_period_days', 14);
  });

  it('tax rate and due days: a finalized invoice carries the platform tax and net terms', async () => {
    await set('billing.tax_rate', 0.1);
    await set('billing.invoice_due_days', 30);
    const staff = await platformAdmin(t.db);
    const { organization } = await createOrg(t.db);
    await addService(t.db, staff.actor, {
      organizationId: organization.id,
      type: 'POS_TERMINAL',
      name: 'Till',
      monthlyFee: 2345,
    });
    await billingRun.run(t.db, { now: new Date() });
    const account = await accountOf(organization.id);
    const [invoice] = await t.db.select().from(invoices).where(eq(invoices.billingAccountId, account.id));
    expect(invoice).toMatchObject({ subtotal: 2345, tax: 235, total: 2580 });
    const [days] = rowsOf<{ d: number }>(
      await t.db.execute(
        sql`SELECT extract(epoch FROM due_at - issued_at) / 86400 AS d FROM invoices WHERE id = ${invoice!.id}`,
      ),
    );
    expect(Number(days?.d)).toBe(30);
    await set('billing.tax_rate', 0);
    await set('billing.invoice_due_days', 14);
  });
});
