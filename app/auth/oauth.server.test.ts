// OAuth with Arctic (issue 4 §5): the full round trip against a fake GitHub/Google HTTP server started here,
// with state (and PKCE for Google) in a short-lived cookie, linking only on a provider-verified email.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/env.server';
import { accounts, auditLogs, refreshTokens, sessions, users } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { loader as startLoader } from '../routes/auth.$provider';
import { loader as callbackLoader } from '../routes/auth.$provider.callback';
import { loader as loginLoader } from '../routes/login';
import { action as accountsAction } from '../routes/settings.accounts';
import { signIn } from './accounts.server';
import { issueApiTokens, refreshApiTokens, verifyAccessToken } from './api-tokens.server';
import { createUserSession, getAuth, SESSION_COOKIE } from './sessions.server';
import {
  bindAppDatabase,
  call,
  cookieFrom,
  createPasswordUser,
  makeRequest,
  outcome,
  setCookieLine,
  uniqueEmail,
} from './test-helpers.server';

const t = useTestDatabase();

interface FakeProfile {
  id: string;
  email: string | null;
  verified: boolean;
  name?: string;
}

/** A fake GitHub + Google: token endpoints (checking client credentials and the PKCE verifier) and profile APIs. */
function fakeProvider() {
  const codes = new Map<
    string,
    { provider: 'github' | 'google'; profile: FakeProfile; challenge: string | null }
  >();
  const tokens = new Map<string, FakeProfile>();
  const seen: { path: string; body: URLSearchParams; authorization: string | null }[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString());
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    seen.push({ path: url.pathname, body, authorization: req.headers.authorization ?? null });
    if (req.method === 'POST' && (url.pathname === '/github/token' || url.pathname === '/google/token')) {
      const provider = url.pathname.startsWith('/github') ? 'github' : 'google';
      const expected = `Basic ${Buffer.from(`${provider}-client:${provider}-secret`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(401, { error: 'invalid_client' });
      const grant = codes.get(body.get('code') ?? '');
      if (!grant || grant.provider !== provider) return send(400, { error: 'invalid_grant' });
      if (grant.challenge) {
        const verifier = body.get('code_verifier') ?? '';
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (computed !== grant.challenge)
          return send(400, { error: 'invalid_grant', error_description: 'PKCE mismatch' });
      }
      codes.delete(body.get('code') ?? '');
      const accessToken = randomBytes(12).toString('hex');
      tokens.set(accessToken, grant.profile);
      return send(200, { access_token: accessToken, token_type: 'bearer', expires_in: 3600 });
    }
    const profile = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!profile) return send(401, { message: 'Bad credentials' });
    if (url.pathname === '/github/api/user') {
      return send(200, {
        id: Number(profile.id),
        login: `login${profile.id}`,
        name: profile.name ?? null,
        email: null,
        avatar_url: 'https://avatars.example/u.png',
      });
    }
    if (url.pathname === '/github/api/user/emails') {
      return send(
        200,
        profile.email ? [{ email: profile.email, primary: true, verified: profile.verified }] : [],
      );
    }
    if (url.pathname === '/google/userinfo') {
      return send(200, {
        sub: profile.id,
        email: profile.email,
        email_verified: profile.verified,
        name: profile.name,
        picture: 'https://lh3.example/p.png',
      });
    }
    send(404, { error: 'not found' });
  });
  return {
    server,
    seen,
    issueCode(provider: 'github' | 'google', profile: FakeProfile, challenge: string | null) {
      const code = randomBytes(8).toString('hex');
      codes.set(code, { provider, profile, challenge });
      return code;
    },
  };
}

const fake = fakeProvider();
let previousEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  const vars = {
    GITHUB_CLIENT_ID: 'github-client',
    GITHUB_CLIENT_SECRET: 'github-secret',
    GITHUB_AUTHORIZE_URL: `${base}/github/authorize`,
    GITHUB_TOKEN_URL: `${base}/github/token`,
    GITHUB_API_URL: `${base}/github/api`,
    GOOGLE_CLIENT_ID: 'google-client',
    GOOGLE_CLIENT_SECRET: 'google-secret',
    GOOGLE_AUTHORIZE_URL: `${base}/google/authorize`,
    GOOGLE_TOKEN_URL: `${base}/google/token`,
    GOOGLE_USERINFO_URL: `${base}/google/userinfo`,
  };
  previousEnv = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  resetEnvCache();
  bindAppDatabase(t.db, t.driver);
});

afterAll(async () => {
  for (const [k, v] of Object.entries(previousEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
  await new Promise<void>((resolve) => fake.server.close(() => resolve()));
});

let nextId = 1000;
const profile = (overrides: Partial<FakeProfile> = {}): FakeProfile => ({
  id: String(++nextId),
  email: uniqueEmail('oauth'),
  verified: true,
  name: 'Octo Cat',
  ...overrides,
});

/** Start → (user consents at the fake provider) → callback, as a browser would with its cookies. */
async function roundTrip(
  provider: 'github' | 'google',
  who: FakeProfile,
  options: { cookie?: string; state?: string } = {},
) {
  const start = await outcome(
    await call(
      startLoader,
      makeRequest(`/auth/${provider}?redirectTo=/settings/profile`, { cookie: options.cookie }),
      { provider },
    ),
  );
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location') ?? '');
  const oauthCookie = cookieFrom(start.headers, 'oauth');
  const code = fake.issueCode(provider, who, authorize.searchParams.get('code_challenge'));
  const state = options.state ?? authorize.searchParams.get('state') ?? '';
  const cookie = [options.cookie, oauthCookie].filter(Boolean).join('; ');
  const callback = await outcome(
    await call(
      callbackLoader,
      makeRequest(`/auth/${provider}/callback?code=${code}&state=${encodeURIComponent(state)}`, { cookie }),
      { provider },
    ),
  );
  return { start, authorize, callback, session: cookieFrom(callback.headers, SESSION_COOKIE) };
}

describe('starting the round trip', () => {
  it('GitHub: redirects to the configured authorize URL with client id, redirect URI, scopes and state in a short-lived HttpOnly cookie', async () => {
    const { start, authorize } = await roundTrip('github', profile());
    expect(authorize.pathname).toBe('/github/authorize');
    expect(authorize.searchParams.get('client_id')).toBe('github-client');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://localhost:3000/auth/github/callback');
    expect(authorize.searchParams.get('scope')).toContain('user:email');
    expect(authorize.searchParams.get('state')?.length).toBeGreaterThan(20);
    expect(authorize.searchParams.get('code_challenge')).toBeNull();
    const line = setCookieLine(start.headers, 'oauth') ?? '';
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).toMatch(/Max-Age=600/);
  });

  it('Google: uses PKCE (S256), and the token endpoint receives the matching verifier', async () => {
    const who = profile();
    const { authorize, callback, session } = await roundTrip('google', who);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(callback.status).toBe(302);
    expect(session).not.toBeNull();
    const tokenCall = fake.seen.filter((s) => s.path === '/google/token').at(-1);
    expect(tokenCall?.body.get('code_verifier')).toBeTruthy();
  });

  it('an unknown or unconfigured provider is a 404', async () => {
    const res = await outcome(await call(startLoader, makeRequest('/auth/myspace'), { provider: 'myspace' }));
    expect(res.status).toBe(404);
  });

  it('the sign-in page offers the configured providers', async () => {
    const res = await outcome(await call(loginLoader, makeRequest('/login')));
    expect((res.data as { providers: { id: string }[] }).providers.map((p) => p.id)).toEqual([
      'github',
      'google',
    ]);
  });
});

describe('the callback', () => {
  it('creates a user for a new provider account, with a verified email, and signs them in with a fresh session', async () => {
    const who = profile();
    const { callback, session } = await roundTrip('github', who);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/settings/profile');
    expect(setCookieLine(callback.headers, 'oauth')).toMatch(/Max-Age=0/);
    const auth = await getAuth(makeRequest('/', { cookie: session }), t.db);
    expect(auth?.user.email).toBe(who.email);
    expect(auth?.user.emailVerifiedAt).not.toBeNull();
    const rows = await t.db
      .select()
      .from(accounts)
      .where(eq(accounts.userId, auth?.user.id ?? ''));
    expect(rows.map((r) => [r.providerId, r.accountId])).toEqual([['github', who.id]]);
    expect(rows[0]?.password).toBeNull();
  });

  it('signs the same provider account in again as the same user, each time with a new session', async () => {
    const who = profile();
    const a = await roundTrip('github', who);
    const b = await roundTrip('github', who);
    expect(a.session).not.toBe(b.session);
    const ua = await getAuth(makeRequest('/', { cookie: a.session }), t.db);
    const ub = await getAuth(makeRequest('/', { cookie: b.session }), t.db);
    expect(ua?.user.id).toBe(ub?.user.id);
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, ub?.user.id ?? ''), eq(auditLogs.action, 'user.signed_in')));
    expect(audit.map((r) => (r.metadata as { method: string }).method)).toEqual(['github', 'github']);
  });

  it('refuses a wrong state or a missing cookie: back to /login, no session, no user', async () => {
    const who = profile();
    const wrong = await roundTrip('github', who, { state: 'forged-state-value' });
    expect(wrong.callback.status).toBe(302);
    expect(wrong.callback.headers.get('location')).toBe('/login');
    expect(wrong.session).toBeNull();
    const noCookie = await outcome(
      await call(callbackLoader, makeRequest(`/auth/github/callback?code=x&state=y`), { provider: 'github' }),
    );
    expect(noCookie.headers.get('location')).toBe('/login');
    expect(cookieFrom(noCookie.headers, SESSION_COOKIE)).toBeNull();
    expect(
      await t.db
        .select()
        .from(users)
        .where(eq(users.email, who.email ?? '')),
    ).toHaveLength(0);
  });

  it('a state cookie from one provider cannot complete another', async () => {
    const start = await outcome(await call(startLoader, makeRequest('/auth/github'), { provider: 'github' }));
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state');
    const code = fake.issueCode('google', profile(), null);
    const res = await outcome(
      await call(
        callbackLoader,
        makeRequest(`/auth/google/callback?code=${code}&state=${state}`, {
          cookie: cookieFrom(start.headers, 'oauth'),
        }),
        {
          provider: 'google',
        },
      ),
    );
    expect(res.headers.get('location')).toBe('/login');
    expect(cookieFrom(res.headers, SESSION_COOKIE)).toBeNull();
  });

  it('links to an existing user when the provider verified the email', async () => {
    const user = await createPasswordUser(t.db);
    const { callback, session } = await roundTrip('github', profile({ email: user.email, verified: true }));
    expect(callback.status).toBe(302);
    expect((await getAuth(makeRequest('/', { cookie: session }), t.db))?.user.id).toBe(user.id);
    const providers = (await t.db.select().from(accounts).where(eq(accounts.userId, user.id)))
      .map((a) => a.providerId)
      .sort();
    expect(providers).toEqual(['credential', 'github']);
  });

  it('does not link on an unverified email: refused with an explanation, nothing changed', async () => {
    const user = await createPasswordUser(t.db);
    const { callback, session } = await roundTrip('google', profile({ email: user.email, verified: false }));
    expect(callback.headers.get('location')).toBe('/login');
    expect(session).toBeNull();
    expect(setCookieLine(callback.headers, '__flash')).not.toBeNull();
    const providers = (await t.db.select().from(accounts).where(eq(accounts.userId, user.id))).map(
      (a) => a.providerId,
    );
    expect(providers).toEqual(['credential']);
  });

  it('creates an unverified user when the provider did not verify a new email', async () => {
    const who = profile({ verified: false });
    const { session } = await roundTrip('github', who);
    const auth = await getAuth(makeRequest('/', { cookie: session }), t.db);
    expect(auth?.user.email).toBe(who.email);
    expect(auth?.user.emailVerifiedAt).toBeNull();
  });

  it('a signed-in user connects a provider to their own account (no new session)', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/'))).split(';')[0] as string;
    const before = (await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).length;
    const { callback } = await roundTrip('google', profile({ email: uniqueEmail('other') }), { cookie });
    expect(callback.headers.get('location')).toBe('/settings/accounts');
    expect((await t.db.select().from(sessions).where(eq(sessions.userId, user.id))).length).toBe(before);
    const providers = (await t.db.select().from(accounts).where(eq(accounts.userId, user.id)))
      .map((a) => a.providerId)
      .sort();
    expect(providers).toEqual(['credential', 'google']);
  });

  it('a provider account already connected to someone else cannot be connected again', async () => {
    const who = profile();
    await roundTrip('github', who);
    const user = await createPasswordUser(t.db);
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/'))).split(';')[0] as string;
    const { callback } = await roundTrip('github', who, { cookie });
    expect(callback.headers.get('location')).toBe('/settings/accounts');
    expect(
      (await t.db.select().from(accounts).where(eq(accounts.userId, user.id))).map((a) => a.providerId),
    ).toEqual(['credential']);
  });
});

describe('account pre-hijacking (issue 8): an unverified account meets the verified owner of its address', () => {
  it('GitHub with the verified address takes the account over: the squatter’s password, sessions, tokens and providers stop working at once', async () => {
    // The squatter signs up with the victim's address and a password of their own, never verifies it,
    // keeps a browser session and an API token pair, and connects their own GitHub account.
    const squatter = await createPasswordUser(t.db, { verified: false, password: 'squatter-password' });
    const squatterCookie = (await createUserSession(t.db, squatter.id, makeRequest('/'))).split(
      ';',
    )[0] as string;
    const tokens = await issueApiTokens(t.db, { email: squatter.email, password: squatter.password });
    await t.db
      .insert(accounts)
      .values({ userId: squatter.id, providerId: 'google', accountId: 'squatter-google' });

    // The real owner signs in with GitHub, which verified the address.
    const { callback, session } = await roundTrip(
      'github',
      profile({ email: squatter.email, verified: true, name: 'Real Owner' }),
    );
    expect(callback.status).toBe(302);
    const owner = await getAuth(makeRequest('/', { cookie: session }), t.db);
    expect(owner?.user.id).toBe(squatter.id);
    expect(owner?.user.emailVerifiedAt).not.toBeNull();
    expect(owner?.user.name).toBe('Real Owner');

    // Only the owner's GitHub remains: no password, no squatter provider.
    const providers = (await t.db.select().from(accounts).where(eq(accounts.userId, squatter.id))).map(
      (a) => a.providerId,
    );
    expect(providers).toEqual(['github']);
    await expect(
      signIn(t.db, { email: squatter.email, password: 'squatter-password' }),
    ).rejects.toMatchObject({ status: 401 });
    // The squatter's session, refresh token and still-unexpired access token are all refused.
    expect(await getAuth(makeRequest('/', { cookie: squatterCookie }), t.db)).toBeNull();
    await expect(refreshApiTokens(t.db, tokens.refreshToken)).rejects.toMatchObject({ status: 401 });
    await expect(verifyAccessToken(t.db, tokens.accessToken)).rejects.toMatchObject({ status: 401 });
    const live = await t.db.select().from(refreshTokens).where(eq(refreshTokens.userId, squatter.id));
    expect(live.every((r) => r.revokedAt !== null)).toBe(true);
    // Only the owner's new session is left, and the takeover is in the audit log.
    expect((await t.db.select().from(sessions).where(eq(sessions.userId, squatter.id))).length).toBe(1);
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(
        and(eq(auditLogs.entityId, squatter.id), eq(auditLogs.action, 'user.unverified_account_claimed')),
      );
    expect(audit?.metadata).toMatchObject({
      providerId: 'github',
      removedAccounts: expect.arrayContaining(['credential', 'google']),
      sessionsRevoked: 1,
    });
  });

  it('a verified account is linked as before: its password keeps working', async () => {
    const user = await createPasswordUser(t.db, { password: 'owner-password' });
    await roundTrip('github', profile({ email: user.email, verified: true }));
    await expect(signIn(t.db, { email: user.email, password: 'owner-password' })).resolves.toMatchObject({
      id: user.id,
    });
  });
});

describe('OAuth start and redirectTo (issue 8: open redirect)', () => {
  it.each([
    '/.//evil.example',
    '//evil.example',
    '/\\evil.example',
    'https://evil.example',
    '/%2F%2Fevil.example',
  ])('a hostile redirectTo %j at the start ends on /orgs after the callback', async (redirectTo) => {
    const start = await outcome(
      await call(startLoader, makeRequest(`/auth/github?${new URLSearchParams({ redirectTo })}`), {
        provider: 'github',
      }),
    );
    const authorize = new URL(start.headers.get('location') ?? '');
    const code = fake.issueCode('github', profile(), null);
    const state = authorize.searchParams.get('state') ?? '';
    const callback = await outcome(
      await call(
        callbackLoader,
        makeRequest(`/auth/github/callback?code=${code}&state=${encodeURIComponent(state)}`, {
          cookie: cookieFrom(start.headers, 'oauth'),
        }),
        { provider: 'github' },
      ),
    );
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/orgs');
  });
});

describe('unlinking (/settings/accounts)', () => {
  const unlink = (cookie: string, providerId: string) =>
    call(
      accountsAction,
      makeRequest('/settings/accounts', { cookie, form: { intent: 'unlink', providerId } }),
    ).then(outcome);

  it('refuses to remove the only way to sign in, then allows it once another method exists', async () => {
    const who = profile();
    const { session } = await roundTrip('github', who);
    const cookie = session as string;
    const refused = await unlink(cookie, 'github');
    expect(refused.status).toBe(409);
    expect((refused.data as { error: string }).error).toMatch(/Set a password or connect another account/);

    await roundTrip('google', profile(), { cookie });
    const ok = await unlink(cookie, 'github');
    expect(ok.status).toBe(302);
    const userId = (await getAuth(makeRequest('/', { cookie }), t.db))?.user.id ?? '';
    expect(
      (await t.db.select().from(accounts).where(eq(accounts.userId, userId))).map((a) => a.providerId),
    ).toEqual(['google']);
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, userId), eq(auditLogs.action, 'account.unlinked')));
    expect(audit).toHaveLength(1);
  });

  it('a user with a password may unlink a provider; bad input is a 400; an unconnected provider is a 404', async () => {
    const user = await createPasswordUser(t.db);
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/'))).split(';')[0] as string;
    await roundTrip('github', profile(), { cookie });
    expect((await unlink(cookie, 'google')).status).toBe(404);
    expect((await unlink(cookie, 'credential')).status).toBe(400);
    expect((await unlink(cookie, 'github')).status).toBe(302);
  });
});
