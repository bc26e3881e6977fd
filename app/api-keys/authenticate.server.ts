// Who is calling /api/v1/orgs/:slug/… (SPEC §2, §7). Either an API key (`Bearer sk_…`: active, unexpired,
// of that organization, with the scope, and its creator still an ACTIVE member: the key acts as them) or a
// JWT access token (its user must be a member, and the matrix is checked with the scope's action). Then
// the hourly rate limit, counted in PostgreSQL (rate_limits), and one `api.call` usage event (SPEC §4).
import { and, eq, sql } from 'drizzle-orm';
import type { Actor } from '~/audit/audit.server';
import { verifyAccessToken } from '~/auth/api-tokens.server';
import { hasConfirmedTotp, TwoFactorRequired } from '~/auth/second-factor.server';
import { requestContext } from '~/auth/sessions.server';
import { getDb } from '~/db.server';
import { Forbidden, NotFound, PaymentRequired, TooManyRequests, Unauthorized } from '~/lib/errors';
import { apiError } from '~/lib/http.server';
import { hit, peek } from '~/lib/rate-limit.server';
import { authorize, ORGANIZATION_NOT_FOUND, type OrganizationRef } from '~/orgs/access.server';
import { can, type MemberRole, PERMISSIONS, ROLE_LABELS } from '~/orgs/permissions';
import type { Database } from '~db/client.server';
import { apiKeys, billingAccounts, organizationMembers, organizations, usageEvents, users } from '~db/schema';
import { API_KEY_PATTERN, hashApiKey, looksLikeApiKey } from './api-keys.server';
import { API_SCOPES, type ApiScope, DEFAULT_RATE_LIMIT, SCOPE_ACTIONS } from './scopes';

/** Requests per hour of a JWT-authenticated user (keys carry their own `rate_limit`). */
export const JWT_RATE_LIMIT = DEFAULT_RATE_LIMIT;
const WINDOW_MINUTES = 60;
const LAST_USED_RESOLUTION_MS = 60_000;
export const API_CALL_EVENT = 'api.call';

export interface ApiContext {
  organization: OrganizationRef;
  /** API_KEY (acting as its creator) or USER (JWT). */
  actor: Actor & { userId: string };
  via: 'api_key' | 'jwt';
  apiKeyId: string | null;
  rateLimit: { limit: number; remaining: number };
  /** What the api.call event records about the request. */
  call: { method: string; path: string };
}

function bearer(request: Request): string {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw new Unauthorized('Send an API key or an access token: Authorization: Bearer <token>.');
  }
  return match[1];
}

async function authenticateKey(
  db: Database,
  request: Request,
  token: string,
  slug: string,
  scope: ApiScope,
): Promise<Omit<ApiContext, 'rateLimit' | 'call'> & { limit: number; lastUsedAt?: Date | null }> {
  if (!API_KEY_PATTERN.test(token)) throw new Unauthorized('The API key is invalid.');
  const [key] = await db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      scopes: apiKeys.scopes,
      isActive: apiKeys.isActive,
      expiresAt: apiKeys.expiresAt,
      rateLimit: apiKeys.rateLimit,
      organization: { id: organizations.id, name: organizations.name, slug: organizations.slug },
      memberId: organizationMembers.id,
      memberRole: organizationMembers.role,
      lastUsedAt: apiKeys.lastUsedAt,
      userStatus: users.status,
      userDeletedAt: users.deletedAt,
      billingStatus: billingAccounts.status,
    })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, apiKeys.organizationId))
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(
      organizationMembers,
      and(
        eq(organizationMembers.organizationId, apiKeys.organizationId),
        eq(organizationMembers.userId, apiKeys.userId),
      ),
    )
    .where(eq(apiKeys.keyHash, hashApiKey(token)));
  if (!key) throw new Unauthorized('The API key is invalid.');
  if (!key.isActive) throw new Unauthorized('This API key has been revoked.');
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) {
    throw new Unauthorized('This API key has expired.');
  }
  // A key of another organization learns nothing about this one (SPEC §7).
  if (key.organization.slug !== slug) throw new NotFound(ORGANIZATION_NOT_FOUND);
  // Removal deactivates the creator's keys; this also covers a suspended or deleted creator.
  if (!key.memberId || key.userDeletedAt || key.userStatus !== 'ACTIVE') {
    throw new Unauthorized('The member who created this API key is no longer active in the organization.');
  }
  if (!key.scopes.includes(scope)) {
    throw new Forbidden(`This API key does not have the ${scope} scope.`);
  }
  if (key.billingStatus === 'SUSPENDED') {
    throw new PaymentRequired(
      `${key.organization.name} is suspended for non-payment: pay the overdue invoices on its billing page to use the API again.`,
    );
  }
  // The key acts as its creator: their role today, not the one they had when they made it, decides.
  const role = key.memberRole as MemberRole;
  const denied = (['api-keys:manage', SCOPE_ACTIONS[scope]] as const).find((a) => !can(role, a));
  if (denied) {
    throw new Forbidden(
      `The member who created this API key is now ${ROLE_LABELS[role]}, a role that may not ${PERMISSIONS[denied].description}.`,
    );
  }
  return {
    lastUsedAt: key.lastUsedAt,
    organization: key.organization,
    actor: { type: 'API_KEY', userId: key.userId, apiKeyId: key.id, ...requestContext(request) },
    via: 'api_key',
    apiKeyId: key.id,
    limit: key.rateLimit,
  };
}

async function authenticateJwt(
  db: Database,
  request: Request,
  token: string,
  slug: string,
  scope: ApiScope,
): Promise<Omit<ApiContext, 'rateLimit' | 'call'> & { limit: number }> {
  const claims = await verifyAccessToken(db, token);
  const [organization] = await db
    .select({ id: organizations.id, requireTwoFactor: organizations.requireTwoFactor })
    .from(organizations)
    .where(eq(organizations.slug, slug));
  if (!organization) throw new NotFound(ORGANIZATION_NOT_FOUND);
  const actor = { type: 'USER' as const, userId: claims.userId, apiKeyId: null, ...requestContext(request) };
  // Non-member → 404, role without the scope's action → 403 with the matrix's explanation.
  const authorized = await authorize(db, actor, organization.id, SCOPE_ACTIONS[scope]);
  // The organization requires a second factor (issue 15): only tokens of a login with a TOTP code. Every
  // live token of a user with TOTP is one (ADR 0019); API keys are the organization's, not a login's.
  if (organization.requireTwoFactor && !(await hasConfirmedTotp(db, claims.userId))) {
    throw new TwoFactorRequired(
      `${authorized.organization.name} requires two-step verification: turn on an authenticator app, then get a token with \`otp\`.`,
    );
  }
  return {
    organization: authorized.organization,
    actor,
    via: 'jwt',
    apiKeyId: null,
    limit: JWT_RATE_LIMIT,
  };
}

/** Takes one request out of `key`'s hourly allowance, or refuses (429) without counting it. */
export async function consumeRateLimit(db: Database, key: string, limit: number, now = Date.now()) {
  await hit(db, key, now);
  const state = await peek(db, key, limit + 1, WINDOW_MINUTES, now);
  if (state.count <= limit) return { limit, remaining: limit - state.count };
  // Over the limit: give the hit back, so a client retrying while refused does not extend its wait.
  const bucket = new Date(Math.floor(now / 60_000) * 60_000).toISOString();
  await db.execute(sql`
    WITH gone AS (
      DELETE FROM rate_limits WHERE key = ${key} AND window_start = ${bucket} AND count = 1 RETURNING 1
    )
    UPDATE rate_limits SET count = count - 1
    WHERE key = ${key} AND window_start = ${bucket} AND count > 1 AND NOT EXISTS (SELECT 1 FROM gone)`);
  const wait = await peek(db, key, limit, WINDOW_MINUTES, now);
  const retryAfter = Math.max(1, wait.retryAfterSeconds);
  throw new TooManyRequests(
    `Rate limit of ${limit} requests per hour reached. Retry in ${retryAfter} seconds.`,
    retryAfter,
    limit,
  );
}

/**
 * Authenticates `Authorization: Bearer …` for `/api/v1/orgs/:slug/…` with `scope`, enforces the hourly
 * rate limit and, unless `recordCall: false` (ingestion records it itself, under the plan-limit lock),
 * records the request's `api.call` usage event. Throws Unauthorized (401), Forbidden (403), NotFound
 * (404) or TooManyRequests (429); app/lib/http.server.ts apiError maps them to JSON.
 */
export async function authenticateApiRequest(
  db: Database,
  request: Request,
  slug: string | undefined,
  requiredScope: ApiScope,
  options: { recordCall?: boolean } = {},
): Promise<ApiContext> {
  if (!API_SCOPES.includes(requiredScope)) throw new Error(`unknown scope ${requiredScope}`);
  const token = bearer(request);
  if (!slug) throw new NotFound(ORGANIZATION_NOT_FOUND);
  const who: Awaited<ReturnType<typeof authenticateKey>> = looksLikeApiKey(token)
    ? await authenticateKey(db, request, token, slug, requiredScope)
    : await authenticateJwt(db, request, token, slug, requiredScope);
  const rateKey = who.apiKeyId ? `api_key:${who.apiKeyId}` : `user:${who.actor.userId}`;
  const rateLimit = await consumeRateLimit(db, rateKey, who.limit);
  // last_used_at at most once a minute: every request writing it would make reads writes (issue 9).
  if (who.apiKeyId && (!who.lastUsedAt || Date.now() - who.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS)) {
    await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, who.apiKeyId));
  }
  const url = new URL(request.url);
  const { limit: _limit, lastUsedAt: _lastUsedAt, ...rest } = who;
  const context: ApiContext = { ...rest, rateLimit, call: { method: request.method, path: url.pathname } };
  if (options.recordCall !== false) await recordApiCall(db, context);
  return context;
}

/** The request's one `api.call` usage event (SPEC §4). */
export async function recordApiCall(db: Database, context: ApiContext): Promise<void> {
  await db.insert(usageEvents).values({
    organizationId: context.organization.id,
    apiKeyId: context.apiKeyId,
    eventType: API_CALL_EVENT,
    quantity: 1,
    eventData: apiCallEventData(context),
  });
}

/** What an api.call event records about its request (also written by usage ingestion's own insert). */
export function apiCallEventData(context: ApiContext) {
  return { method: context.call.method, path: context.call.path, via: context.via };
}

/** Rate-limit headers for a successful answer. */
export function rateLimitHeaders(context: ApiContext): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(context.rateLimit.limit),
    'X-RateLimit-Remaining': String(context.rateLimit.remaining),
  };
}

/**
 * The frame of every organization API handler: authenticate (API key or JWT, scope, rate limit, usage),
 * run the handler, and answer a client error as the JSON error of SPEC §7 (a bug stays a 500).
 */
export async function withApiContext(
  request: Request,
  slug: string | undefined,
  scope: ApiScope,
  handler: (db: Database, context: ApiContext) => Promise<Response>,
): Promise<Response> {
  try {
    const db = await getDb();
    return await handler(db, await authenticateApiRequest(db, request, slug, scope));
  } catch (err) {
    return apiError(err);
  }
}
