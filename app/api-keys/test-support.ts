// Factories and request helpers for the API key and usage tests.
import { createId } from '@paralleldrive/cuid2';
import { SignJWT } from 'jose';
import { sha256Hex } from '~/auth/tokens.server';
import { getDb } from '~/db.server';
import { secret } from '~/env.server';
import { setLimits } from '~/orgs/test-support';
import type { Database } from '~db/client.server';
import { refreshTokens } from '~db/schema';

/** A Bearer request to the JSON API (no cookie). */
export function apiRequest(
  path: string,
  token: string | null,
  options: { method?: string; json?: unknown; body?: string } = {},
): Request {
  const headers = new Headers({ 'user-agent': 'vitest-api', 'x-forwarded-for': '198.51.100.9' });
  if (token) headers.set('authorization', `Bearer ${token}`);
  let body: string | undefined = options.body;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (body !== undefined) headers.set('content-type', 'application/json');
  return new Request(new URL(path, 'http://localhost:3000'), {
    method: options.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    body,
  });
}

/** A valid access token for the user, as POST /api/v1/auth/token would issue it. */
export async function accessTokenFor(userId: string): Promise<string> {
  // Access tokens die with their refresh family (ADR 0009): give this one a live family in the app's database.
  const fam = createId();
  await (await getDb()).insert(refreshTokens).values({
    userId,
    tokenHash: sha256Hex(createId()),
    familyId: fam,
    expiresAt: new Date(Date.now() + 24 * 60 * 60 * 1000),
  });
  return new SignJWT({ fam })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setJti(createId())
    .setIssuer('saas-platform')
    .setAudience('saas-platform-api')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(new TextEncoder().encode(secret('JWT_SECRET')));
}

/** Puts the organization on a custom plan allowing `apiCalls` API calls per month. */
export function setApiCallLimit(db: Database, organizationId: string, apiCalls: number | null) {
  return setLimits(db, organizationId, { api_calls_per_month: apiCalls });
}
