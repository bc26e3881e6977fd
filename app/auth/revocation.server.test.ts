// Issue 8 §3: access JWTs die with their refresh family or a password reset at once (not 15 minutes
// later), one used reset link ends the others, and the throttles have per-network and per-account
// ceilings with Retry-After (forms) and RateLimit-* (API) headers.
import { desc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { apiRequest } from '~/api-keys/test-support';
import { decryptLink } from '~/email/outbox.server';
import { createOrg } from '~/orgs/test-support';
import { loader as usageLoader } from '~/routes/api.v1.orgs.$slug.usage';
import { emailLogs, users } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { action as tokenAction } from '../routes/api.v1.auth.token';
import { action as forgotAction } from '../routes/forgot-password';
import { action as loginAction } from '../routes/login';
import { action as signupAction } from '../routes/signup';
import {
  EMAIL_REQUEST_IP_LIMIT,
  isResetTokenUsable,
  requestPasswordReset,
  resetPassword,
  SIGN_IN_ACCOUNT_LIMIT,
  SIGN_IN_IP_LIMIT,
  SIGN_UP_IP_LIMIT,
  signIn,
} from './accounts.server';
import { issueApiTokens, refreshApiTokens, revokeApiTokens, verifyAccessToken } from './api-tokens.server';
import { call, createPasswordUser, makeRequest, outcome, uniqueEmail } from './test-helpers.server';

const t = useAppTestDatabase();

/** Puts `count` attempts on `key` in the current minute, as earlier requests would have. */
async function alreadyCounted(key: string, count: number) {
  const bucket = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  await t.db.execute(sql`
    INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${bucket}, ${count})
    ON CONFLICT (key, window_start) DO UPDATE SET count = ${count}`);
}

async function resetLinks(email: string) {
  const rows = await t.db
    .select()
    .from(emailLogs)
    .where(eq(emailLogs.to, email))
    .orderBy(desc(emailLogs.createdAt));
  return rows
    .filter((r) => r.template === 'reset-password')
    .map((r) => new URL(decryptLink(r.templateData) ?? 'http://x/').searchParams.get('token') ?? '');
}

describe('access JWTs are refused at once', () => {
  it('when their refresh family is revoked (reuse detected), though still unexpired', async () => {
    const user = await createPasswordUser(t.db);
    const first = await issueApiTokens(t.db, user);
    const second = await refreshApiTokens(t.db, first.refreshToken);
    await expect(verifyAccessToken(t.db, second.accessToken)).resolves.toMatchObject({ userId: user.id });
    // Replaying the rotated token revokes the family: both access tokens of it stop working now.
    await expect(refreshApiTokens(t.db, first.refreshToken)).rejects.toMatchObject({ status: 401 });
    await expect(verifyAccessToken(t.db, second.accessToken)).rejects.toMatchObject({
      status: 401,
      message: 'The access token has been revoked.',
    });
    await expect(verifyAccessToken(t.db, first.accessToken)).rejects.toMatchObject({ status: 401 });
  });

  it('when another token of the family signs out, while other families live on', async () => {
    const user = await createPasswordUser(t.db);
    const phone = await issueApiTokens(t.db, user);
    const rotated = await refreshApiTokens(t.db, phone.refreshToken);
    const laptop = await issueApiTokens(t.db, user);
    await revokeApiTokens(t.db, await verifyAccessToken(t.db, rotated.accessToken), undefined);
    await expect(verifyAccessToken(t.db, phone.accessToken)).rejects.toMatchObject({ status: 401 });
    await expect(verifyAccessToken(t.db, laptop.accessToken)).resolves.toMatchObject({ userId: user.id });
  });

  it('after a password reset', async () => {
    const user = await createPasswordUser(t.db);
    const tokens = await issueApiTokens(t.db, user);
    await requestPasswordReset(t.db, user.email);
    const [token] = await resetLinks(user.email);
    await resetPassword(t.db, token ?? '', 'a-brand-new-password');
    await expect(verifyAccessToken(t.db, tokens.accessToken)).rejects.toMatchObject({ status: 401 });
    const [row] = await t.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.tokensValidAfter).not.toBeNull();
    // Signing in again with the new password gives tokens that work.
    const fresh = await issueApiTokens(t.db, { email: user.email, password: 'a-brand-new-password' });
    await expect(verifyAccessToken(t.db, fresh.accessToken)).resolves.toMatchObject({ userId: user.id });
  });

  it('when issued before the user’s tokens_valid_after, even with a live family', async () => {
    const user = await createPasswordUser(t.db);
    const tokens = await issueApiTokens(t.db, user);
    await t.db
      .update(users)
      .set({ tokensValidAfter: new Date(Date.now() + 5_000) })
      .where(eq(users.id, user.id));
    await expect(verifyAccessToken(t.db, tokens.accessToken)).rejects.toMatchObject({ status: 401 });
  });
});

describe('password reset links', () => {
  it('using one reset link makes every other outstanding one unusable', async () => {
    const user = await createPasswordUser(t.db);
    await requestPasswordReset(t.db, user.email);
    await requestPasswordReset(t.db, user.email);
    const [newer, older] = await resetLinks(user.email);
    expect(await isResetTokenUsable(t.db, older ?? '')).toBe(true);
    await resetPassword(t.db, newer ?? '', 'a-brand-new-password');
    expect(await isResetTokenUsable(t.db, older ?? '')).toBe(false);
    await expect(resetPassword(t.db, older ?? '', 'the-attackers-password')).rejects.toMatchObject({
      status: 404,
    });
    await expect(signIn(t.db, { email: user.email, password: 'a-brand-new-password' })).resolves.toBeTruthy();
  });
});

describe('throttle ceilings', () => {
  it(`one network trying many addresses meets the per-IP ceiling (${SIGN_IN_IP_LIMIT} per 15 min): 429 with Retry-After`, async () => {
    const ip = '198.51.100.10';
    await alreadyCounted(`login-ip:${ip}`, SIGN_IN_IP_LIMIT);
    const user = await createPasswordUser(t.db);
    const res = await outcome(
      await call(
        loginAction,
        makeRequest('/login', { ip, form: { email: user.email, password: user.password } }),
      ),
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.stringify(res.data)).toContain('Too many failed attempts');
    // Another network is not affected.
    const other = await outcome(
      await call(
        loginAction,
        makeRequest('/login', { ip: '198.51.100.11', form: { email: user.email, password: user.password } }),
      ),
    );
    expect(other.status).toBe(302);
  });

  it(`many networks on one account meet the per-account ceiling (${SIGN_IN_ACCOUNT_LIMIT} per hour)`, async () => {
    const user = await createPasswordUser(t.db);
    await alreadyCounted(`login-account:${user.email}`, SIGN_IN_ACCOUNT_LIMIT);
    await expect(signIn(t.db, user, { ipAddress: '198.51.100.20' })).rejects.toMatchObject({ status: 429 });
  });

  it('a successful sign-in does not count against the ceilings', async () => {
    const ip = '198.51.100.30';
    const user = await createPasswordUser(t.db);
    await alreadyCounted(`login-ip:${ip}`, SIGN_IN_IP_LIMIT - 1);
    for (let i = 0; i < 3; i++) await signIn(t.db, user, { ipAddress: ip });
    await expect(
      signIn(t.db, { email: user.email, password: 'wrong-password' }, { ipAddress: ip }),
    ).rejects.toMatchObject({ status: 401 });
    await expect(signIn(t.db, user, { ipAddress: ip })).rejects.toMatchObject({ status: 429 });
  });

  it('POST /api/v1/auth/token answers 429 with RateLimit-Limit, -Remaining, -Reset and Retry-After', async () => {
    const ip = '198.51.100.40';
    await alreadyCounted(`login-ip:${ip}`, SIGN_IN_IP_LIMIT);
    const user = await createPasswordUser(t.db);
    const res = await outcome(
      await call(
        tokenAction,
        makeRequest('/api/v1/auth/token', { ip, json: { email: user.email, password: user.password } }),
      ),
    );
    expect(res.status).toBe(429);
    expect(res.data).toMatchObject({ error: { code: 'rate_limited' } });
    expect(res.headers.get('ratelimit-limit')).toBe(String(SIGN_IN_IP_LIMIT));
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(res.headers.get('retry-after')).toBe(res.headers.get('ratelimit-reset'));
  });

  it('the API-key hourly limit answers 429 with RateLimit-* headers too', async () => {
    const { organization, owner } = await createOrg(t.db);
    const created = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Exporter',
      scopes: ['usage:read'],
      rateLimit: 1,
    });
    const get = () =>
      call(usageLoader, apiRequest(`/api/v1/orgs/${organization.slug}/usage`, created.key), {
        slug: organization.slug,
      }).then(outcome);
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-limit')).toBe('1');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  });

  it(`sign-up is throttled per network (${SIGN_UP_IP_LIMIT} per hour): 429 with Retry-After, no user created`, async () => {
    const ip = '198.51.100.50';
    await alreadyCounted(`signup-ip:${ip}`, SIGN_UP_IP_LIMIT);
    const email = uniqueEmail('throttled');
    const res = await outcome(
      await call(
        signupAction,
        makeRequest('/signup', { ip, form: { name: 'Tess', email, password: 'a-long-password' } }),
      ),
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await t.db.select().from(users).where(eq(users.email, email))).toEqual([]);
  });

  it(`forgot-password is throttled per network (${EMAIL_REQUEST_IP_LIMIT} per 15 min): 429 with Retry-After, no email`, async () => {
    const ip = '198.51.100.60';
    await alreadyCounted(`email-request-ip:${ip}`, EMAIL_REQUEST_IP_LIMIT);
    const user = await createPasswordUser(t.db);
    const res = await outcome(
      await call(forgotAction, makeRequest('/forgot-password', { ip, form: { email: user.email } })),
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await resetLinks(user.email)).toEqual([]);
  });
});
