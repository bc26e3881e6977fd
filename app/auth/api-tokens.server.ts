// JSON API tokens (seed 001): a 15-minute JWT access token (jose, HS256, with a jti) and a refresh token
// stored as SHA-256 in refresh_tokens. Refresh rotates the token inside its family with
// `UPDATE … WHERE rotated_at IS NULL RETURNING`, so of two concurrent refreshes exactly one wins; presenting
// an already rotated token is treated as theft and revokes the whole family. Logout puts the access
// token's jti hash in token_blacklist until it would have expired anyway.
import { createId } from '@paralleldrive/cuid2';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { secret } from '~/env.server';
import { Unauthorized } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';
import { refreshTokens, tokenBlacklist, users } from '~db/schema';
import { signIn } from './accounts.server';
import { assertApiSecondFactor } from './second-factor.server';
import { generateToken, sha256Hex } from './tokens.server';
import { apiTokenRequestSchema } from './validation';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const ISSUER = 'saas-platform';
const AUDIENCE = 'saas-platform-api';

type Context = Omit<Actor, 'type' | 'userId'>;

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

function key(): Uint8Array {
  return new TextEncoder().encode(secret('JWT_SECRET'));
}

async function signAccessToken(userId: string, familyId: string): Promise<string> {
  return new SignJWT({ fam: familyId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setJti(createId())
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key());
}

async function insertRefreshToken(
  tx: Database,
  userId: string,
  familyId: string,
  parentId: string | null,
  context: Context,
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const expiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_MS);
  await tx.insert(refreshTokens).values({
    userId,
    tokenHash: sha256Hex(token),
    familyId,
    parentId,
    expiresAt,
    deviceInfo: context.userAgent?.slice(0, 512) ?? null,
    ipAddress: context.ipAddress ?? null,
    lastUsedAt: new Date(),
  });
  return { token, expiresAt };
}

async function pair(
  userId: string,
  familyId: string,
  refresh: { token: string; expiresAt: Date },
): Promise<TokenPair> {
  return {
    accessToken: await signAccessToken(userId, familyId),
    tokenType: 'Bearer',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: refresh.token,
    refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
  };
}

/**
 * POST /api/v1/auth/token: email + password (throttled like the sign-in form) → a new token family. With
 * TOTP on, `otp` (a current code) is required too: 401 mfa_required without it (ADR 0019).
 */
export async function issueApiTokens(
  db: Database,
  input: { email: string; password: string; otp?: string },
  context: Context = {},
) {
  const { otp, ...credentials } = apiTokenRequestSchema.parse(input);
  const user = await signIn(db, credentials, context, { method: 'api_token' });
  await assertApiSecondFactor(db, user.id, otp, context);
  const familyId = createId();
  const refresh = await db.transaction((tx) => insertRefreshToken(tx, user.id, familyId, null, context));
  return pair(user.id, familyId, refresh);
}

const INVALID_REFRESH = 'The refresh token is invalid, expired or revoked. Sign in again.';

/** POST /api/v1/auth/refresh: rotates the refresh token; reuse of a rotated one revokes its whole family. */
export async function refreshApiTokens(
  db: Database,
  refreshToken: string,
  context: Context = {},
): Promise<TokenPair> {
  const hash = sha256Hex(refreshToken);
  const now = new Date().toISOString();
  const rotated = await db.transaction(async (tx) => {
    const [row] = rowsOf<{ id: string; user_id: string; family_id: string }>(
      await tx.execute(sql`
        UPDATE refresh_tokens SET rotated_at = ${now}, last_used_at = ${now}
        WHERE token_hash = ${hash} AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ${now}
        RETURNING id, user_id, family_id`),
    );
    if (!row) return null;
    const [user] = await tx
      .select({ status: users.status, deletedAt: users.deletedAt })
      .from(users)
      .where(eq(users.id, row.user_id));
    if (!user || user.deletedAt || user.status !== 'ACTIVE') return null;
    const next = await insertRefreshToken(tx, row.user_id, row.family_id, row.id, context);
    return { userId: row.user_id, familyId: row.family_id, next };
  });
  if (rotated) return pair(rotated.userId, rotated.familyId, rotated.next);

  // Not rotatable: if it was a real token already rotated, someone replayed it. Revoke the family (its own commit).
  const [known] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
  if (known?.rotatedAt && !known.revokedAt) {
    await db.transaction(async (tx) => {
      const revoked = await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(refreshTokens.familyId, known.familyId), isNull(refreshTokens.revokedAt)))
        .returning({ id: refreshTokens.id });
      await recordAudit(
        tx,
        { ...context, type: 'USER', userId: known.userId },
        {
          action: 'api_token.reuse_detected',
          entityType: 'refresh_token_family',
          entityId: known.familyId,
          metadata: { revoked: revoked.length },
        },
      );
    });
  }
  throw new Unauthorized(INVALID_REFRESH);
}

export interface AccessClaims {
  userId: string;
  jti: string;
  familyId: string | null;
  expiresAt: Date;
}

/**
 * Verifies a Bearer access token: signature, expiry, issuer/audience, blacklist, an active user (SPEC §6),
 * a live refresh family and no later revocation of the user's tokens (ADR 0009).
 */
export async function verifyAccessToken(db: Database, token: string): Promise<AccessClaims> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key(), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired)
      throw new Unauthorized('The access token has expired. Refresh it.');
    throw new Unauthorized('The access token is invalid.');
  }
  if (
    !payload.sub ||
    !payload.jti ||
    typeof payload.exp !== 'number' ||
    typeof payload.iat !== 'number' ||
    typeof payload.fam !== 'string'
  )
    throw new Unauthorized('The access token is invalid.');
  // One statement, three index lookups (users' key, token_blacklist's token_hash, refresh_tokens'
  // family_id): the user, whether the jti is blacklisted, and whether its refresh family still lives.
  // A revoked family or a reset password (tokens_valid_after) refuses the token at once, not in 15 min.
  const [row] = rowsOf<{
    status: string;
    deleted_at: unknown;
    valid_after_seconds: number | string | null;
    listed: boolean;
    family_live: boolean;
  }>(
    await db.execute(sql`
      SELECT u.status, u.deleted_at,
        floor(extract(epoch FROM u.tokens_valid_after)) AS valid_after_seconds,
        EXISTS (SELECT 1 FROM token_blacklist b WHERE b.token_hash = ${sha256Hex(payload.jti)}) AS listed,
        EXISTS (
          SELECT 1 FROM refresh_tokens r
          WHERE r.family_id = ${payload.fam} AND r.user_id = u.id AND r.revoked_at IS NULL
        ) AS family_live
      FROM users u WHERE u.id = ${payload.sub}`),
  );
  if (!row || row.deleted_at || row.status !== 'ACTIVE')
    throw new Unauthorized('This account cannot use the API.');
  // iat has whole seconds: a token of the very second of the revocation is refused by its family instead.
  const revokedBefore = row.valid_after_seconds === null ? null : Number(row.valid_after_seconds);
  if (row.listed || !row.family_live || (revokedBefore !== null && payload.iat < revokedBefore))
    throw new Unauthorized('The access token has been revoked.');
  return {
    userId: payload.sub,
    jti: payload.jti,
    familyId: payload.fam,
    expiresAt: new Date(payload.exp * 1000),
  };
}

/** Reads and verifies `Authorization: Bearer <jwt>`; every failure is Unauthorized (401 JSON). */
export async function requireApiUser(db: Database, request: Request): Promise<AccessClaims> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new Unauthorized('Send an access token: Authorization: Bearer <token>.');
  return verifyAccessToken(db, match[1]);
}

/**
 * POST /api/v1/auth/logout: blacklists the access token's jti until its expiry and revokes its refresh
 * family (and the refresh token given in the body, if any, when it is the caller's).
 */
export async function revokeApiTokens(
  db: Database,
  claims: AccessClaims,
  refreshToken: string | undefined,
  context: Context = {},
) {
  await db.transaction(async (tx) => {
    await tx
      .insert(tokenBlacklist)
      .values({
        tokenHash: sha256Hex(claims.jti),
        expiresAt: claims.expiresAt,
        userId: claims.userId,
        reason: 'logout',
        revokedBy: claims.userId,
      })
      .onConflictDoNothing({ target: tokenBlacklist.tokenHash });
    const now = new Date();
    if (claims.familyId) {
      await tx
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(
          and(
            eq(refreshTokens.familyId, claims.familyId),
            eq(refreshTokens.userId, claims.userId),
            isNull(refreshTokens.revokedAt),
          ),
        );
    }
    if (refreshToken) {
      await tx
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(
          and(
            eq(refreshTokens.tokenHash, sha256Hex(refreshToken)),
            eq(refreshTokens.userId, claims.userId),
            isNull(refreshTokens.revokedAt),
          ),
        );
    }
    await recordAudit(
      tx,
      { ...context, type: 'USER', userId: claims.userId },
      {
        action: 'user.signed_out',
        entityType: 'api_token',
        entityId: claims.jti,
        metadata: { method: 'api_token' },
      },
    );
  });
}
