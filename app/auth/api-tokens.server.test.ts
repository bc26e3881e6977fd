// JSON API tokens (issue 4 §9, seed 001): JWT access tokens with a jti, hashed refresh tokens, rotation,
// reuse detection, blacklist on logout, and {"error": {"code", "message"}} answers.
import { eq } from 'drizzle-orm';
import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { secret } from '~/env.server';
import { auditLogs, refreshTokens, tokenBlacklist, users } from '~db/schema';
import { itConcurrent, useAppTestDatabase } from '../../tests/support/db';
import { action as logoutAction } from '../routes/api.v1.auth.logout';
import { action as refreshAction } from '../routes/api.v1.auth.refresh';
import { action as tokenAction, loader as tokenLoader } from '../routes/api.v1.auth.token';
import { ACCESS_TOKEN_TTL_SECONDS, refreshApiTokens, verifyAccessToken } from './api-tokens.server';
import { call, createPasswordUser, makeRequest, outcome } from './test-helpers.server';
import { sha256Hex } from './tokens.server';

const t = useAppTestDatabase();

interface Pair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

async function getTokens(email: string, password: string, ip = '203.0.113.50'): Promise<Pair> {
  const res = await outcome(
    await call(tokenAction, makeRequest('/api/v1/auth/token', { json: { email, password }, ip })),
  );
  expect(res.status).toBe(200);
  return res.data as Pair;
}

const refresh = (refreshToken: unknown) =>
  call(refreshAction, makeRequest('/api/v1/auth/refresh', { json: { refreshToken } })).then(outcome);

const logout = (accessToken: string, body?: unknown) =>
  call(
    logoutAction,
    makeRequest('/api/v1/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
      ...(body === undefined ? {} : { json: body }),
    }),
  ).then(outcome);

function expectJsonError(res: { status: number; data: unknown }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.data).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('POST /api/v1/auth/token', () => {
  it('answers a 15-minute HS256 JWT with a jti and a refresh token stored only as its SHA-256', async () => {
    const user = await createPasswordUser(t.db);
    const pair = await getTokens(user.email, user.password);
    expect(pair.tokenType).toBe('Bearer');
    expect(pair.expiresIn).toBe(ACCESS_TOKEN_TTL_SECONDS);
    const claims = decodeJwt(pair.accessToken);
    expect(claims.sub).toBe(user.id);
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(15 * 60);
    const rows = await t.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toBe(sha256Hex(pair.refreshToken));
    expect(rows[0]?.ipAddress).toBe('203.0.113.50');
    expect(JSON.stringify(rows)).not.toContain(pair.refreshToken);
    await expect(verifyAccessToken(t.db, pair.accessToken)).resolves.toMatchObject({ userId: user.id });
    const audit = await t.db.select().from(auditLogs).where(eq(auditLogs.userId, user.id));
    expect(audit.find((a) => a.action === 'user.signed_in')?.metadata).toMatchObject({ method: 'api_token' });
  });

  it('wrong credentials are a generic 401 JSON error; bad bodies are 400; GET is 405', async () => {
    const user = await createPasswordUser(t.db);
    const wrong = await outcome(
      await call(
        tokenAction,
        makeRequest('/api/v1/auth/token', {
          json: { email: user.email, password: 'nope' },
          ip: '203.0.113.51',
        }),
      ),
    );
    expectJsonError(wrong, 401, 'unauthorized');
    expect((wrong.data as { error: { message: string } }).error.message).toBe('Invalid email or password');
    for (const json of [
      '{not json',
      { email: 'x', password: 'y' },
      { email: user.email, password: 42 },
      [],
    ]) {
      const res = await outcome(await call(tokenAction, makeRequest('/api/v1/auth/token', { json })));
      expectJsonError(res, 400, 'validation_failed');
    }
    expectJsonError(await outcome(await tokenLoader()), 405, 'method_not_allowed');
  });

  it('is throttled like the sign-in form: 429 JSON with Retry-After', async () => {
    const user = await createPasswordUser(t.db);
    for (let i = 0; i < 5; i++) {
      await call(
        tokenAction,
        makeRequest('/api/v1/auth/token', {
          json: { email: user.email, password: 'bad' },
          ip: '203.0.113.52',
        }),
      );
    }
    const res = await outcome(
      await call(
        tokenAction,
        makeRequest('/api/v1/auth/token', {
          json: { email: user.email, password: user.password },
          ip: '203.0.113.52',
        }),
      ),
    );
    expectJsonError(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: a new pair, the old token marked rotated, the new one its child in the same family', async () => {
    const user = await createPasswordUser(t.db);
    const first = await getTokens(user.email, user.password);
    const res = await refresh(first.refreshToken);
    expect(res.status).toBe(200);
    const second = res.data as Pair;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.accessToken).jti).not.toBe(decodeJwt(first.accessToken).jti);
    const [old] = await t.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, sha256Hex(first.refreshToken)));
    const [next] = await t.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, sha256Hex(second.refreshToken)));
    expect(old?.rotatedAt).not.toBeNull();
    expect(next?.parentId).toBe(old?.id);
    expect(next?.familyId).toBe(old?.familyId);
    expect((await refresh(second.refreshToken)).status).toBe(200);
  });

  it('reuse of a rotated token revokes the whole family (the thief and the victim both lose it)', async () => {
    const user = await createPasswordUser(t.db);
    const first = await getTokens(user.email, user.password);
    const second = (await refresh(first.refreshToken)).data as Pair;
    const reuse = await refresh(first.refreshToken);
    expectJsonError(reuse, 401, 'unauthorized');
    const family = await t.db
      .select()
      .from(refreshTokens)
      .where(
        eq(
          refreshTokens.familyId,
          (
            await t.db
              .select()
              .from(refreshTokens)
              .where(eq(refreshTokens.tokenHash, sha256Hex(first.refreshToken)))
          )[0]?.familyId ?? '',
        ),
      );
    expect(family.length).toBe(2);
    expect(family.every((r) => r.revokedAt)).toBe(true);
    expectJsonError(await refresh(second.refreshToken), 401, 'unauthorized');
    const audit = await t.db.select().from(auditLogs).where(eq(auditLogs.userId, user.id));
    expect(audit.map((a) => a.action)).toContain('api_token.reuse_detected');
    // Another family of the same user is untouched.
    const other = await getTokens(user.email, user.password);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it('an unknown, expired or malformed refresh token is 401/400 JSON', async () => {
    const user = await createPasswordUser(t.db);
    expectJsonError(await refresh('made-up-token'), 401, 'unauthorized');
    expectJsonError(await refresh(''), 400, 'validation_failed');
    expectJsonError(await refresh(12345), 400, 'validation_failed');
    const pair = await getTokens(user.email, user.password);
    await t.db
      .update(refreshTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(refreshTokens.tokenHash, sha256Hex(pair.refreshToken)));
    expectJsonError(await refresh(pair.refreshToken), 401, 'unauthorized');
  });

  itConcurrent(
    'two concurrent refreshes with the same token: exactly one wins (UPDATE … WHERE rotated_at IS NULL)',
    async () => {
      const user = await createPasswordUser(t.db);
      const pair = await getTokens(user.email, user.password);
      const results = await Promise.allSettled([
        refreshApiTokens(t.db, pair.refreshToken),
        refreshApiTokens(t.db, pair.refreshToken),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    },
  );
});

describe('POST /api/v1/auth/logout and access token checks', () => {
  it('blacklists the jti hash until expiry and revokes the refresh family; the token then gets 401', async () => {
    const user = await createPasswordUser(t.db);
    const pair = await getTokens(user.email, user.password);
    const res = await logout(pair.accessToken, { refreshToken: pair.refreshToken });
    expect(res.status).toBe(204);
    const jti = decodeJwt(pair.accessToken).jti as string;
    const [row] = await t.db
      .select()
      .from(tokenBlacklist)
      .where(eq(tokenBlacklist.tokenHash, sha256Hex(jti)));
    expect(row).toMatchObject({ userId: user.id, reason: 'logout' });
    expect(row?.expiresAt.getTime()).toBe((decodeJwt(pair.accessToken).exp as number) * 1000);
    await expect(verifyAccessToken(t.db, pair.accessToken)).rejects.toMatchObject({ status: 401 });
    expectJsonError(await logout(pair.accessToken), 401, 'unauthorized');
    expectJsonError(await refresh(pair.refreshToken), 401, 'unauthorized');
    const audit = await t.db.select().from(auditLogs).where(eq(auditLogs.userId, user.id));
    expect(audit.map((a) => a.action)).toContain('user.signed_out');
  });

  it('logout without a body still revokes the family the access token belongs to', async () => {
    const user = await createPasswordUser(t.db);
    const pair = await getTokens(user.email, user.password);
    expect((await logout(pair.accessToken)).status).toBe(204);
    expectJsonError(await refresh(pair.refreshToken), 401, 'unauthorized');
  });

  it('expired, forged, missing, or deleted-user tokens get 401 JSON', async () => {
    const user = await createPasswordUser(t.db);
    const key = new TextEncoder().encode(secret('JWT_SECRET'));
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setJti('expired-jti')
      .setIssuer('saas-platform')
      .setAudience('saas-platform-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    expectJsonError(await logout(expired), 401, 'unauthorized');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setJti('forged')
      .setIssuer('saas-platform')
      .setAudience('saas-platform-api')
      .setExpirationTime('15m')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    expectJsonError(await logout(forged), 401, 'unauthorized');
    const none = await outcome(
      await call(logoutAction, makeRequest('/api/v1/auth/logout', { method: 'POST' })),
    );
    expectJsonError(none, 401, 'unauthorized');

    const pair = await getTokens(user.email, user.password);
    await t.db.update(users).set({ deletedAt: new Date(), status: 'INACTIVE' }).where(eq(users.id, user.id));
    expectJsonError(await logout(pair.accessToken), 401, 'unauthorized');
  });
});
