// Passkeys (WebAuthn, @simplewebauthn/server): register several per user, sign in with one as a first
// factor that counts as two (possession + user verification), and re-authenticate with one (sudo mode).
// The relying party is the app's configured origin (APP_URL): its origin is the only one accepted and its
// host is the RP ID, so a response made for another site or another origin is refused. Every ceremony's
// challenge is stored (webauthn_challenges), lives CHALLENGE_TTL_MS and is consumed by one conditional
// UPDATE, so a replayed response finds nothing to match.
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { and, asc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { env } from '~/env.server';
import { NotFound, TooManyRequests, Unauthorized, ValidationFailed } from '~/lib/errors';
import { hitAll } from '~/lib/rate-limit.server';
import type { Database } from '~db/client.server';
import { users, webauthnChallenges, webauthnCredentials } from '~db/schema';
import { deleteRecoveryCodes } from './recovery-codes.server';
import {
  afterFactorChange,
  finishSecondStep,
  notifyNewDevice,
  userHasSecondFactor,
} from './second-factor.server';
import { type AuthContext, requestContext } from './sessions.server';
import { throttleTwoFactor } from './totp.server';

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const PASSKEY_NAME_MAX = 64;
export const MAX_PASSKEYS = 20;
/** Ceremonies started or finished per network (signed out) and per user, per 15 minutes. */
export const PASSKEY_IP_LIMIT = 60;
export const PASSKEY_USER_LIMIT = 30;
const WINDOW_MINUTES = 15;

export const PASSKEY_REFUSED = 'That passkey could not be used to sign in.';
export const PASSKEY_EXPIRED = 'The passkey request expired or was already used. Try again.';

type Purpose = 'registration' | 'authentication' | 'reauthentication';

/** The relying party: the app's public origin and its host name (WebAuthn's RP ID). */
export function relyingParty() {
  const url = new URL(env().APP_URL);
  return { id: url.hostname, origin: url.origin, name: 'SaaS Platform' };
}

// ---- the responses browsers send (the shape only; the library checks the rest) -----------------------

const b64url = z
  .string()
  .min(1)
  .max(8_192)
  .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

const credentialBase = {
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const registrationResponseSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: b64url,
    transports: z.array(z.string().max(32)).max(10).optional(),
    authenticatorData: b64url.optional(),
    publicKey: b64url.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
});

export const authenticationResponseSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional(),
  }),
});

/** A response posted as a form field (JSON text): parsed, or a 400 that says what went wrong. */
export function parseCredentialJson<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, raw: unknown): T {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 32_000)
    throw new ValidationFailed('The passkey response is missing.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationFailed('The passkey response is not valid.');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new ValidationFailed('The passkey response is not valid.');
  return result.data;
}

export const passkeyNameSchema = z
  .string({ required_error: 'Give the passkey a name' })
  .trim()
  .min(1, 'Give the passkey a name')
  .max(PASSKEY_NAME_MAX, `At most ${PASSKEY_NAME_MAX} characters`);

// ---- challenges -------------------------------------------------------------------------------------

async function throttle(db: Database, keys: string[], limit: (key: string) => number) {
  const exceeded = await hitAll(
    db,
    keys.map((key) => ({ key, limit: limit(key), windowMinutes: WINDOW_MINUTES })),
  );
  if (exceeded)
    throw new TooManyRequests(
      `Too many passkey attempts. Try again in ${Math.ceil(exceeded.retryAfterSeconds / 60)} minute(s).`,
      exceeded.retryAfterSeconds,
      exceeded.rule.limit,
    );
}

const throttleKeys = (ip: string | null | undefined, userId: string | null) => [
  ...(ip ? [`passkey-ip:${ip}`] : []),
  ...(userId ? [`passkey-user:${userId}`] : []),
];
const limitOf = (key: string) => (key.startsWith('passkey-ip:') ? PASSKEY_IP_LIMIT : PASSKEY_USER_LIMIT);

async function storeChallenge(db: Database, purpose: Purpose, userId: string | null, challenge: string) {
  // Expired challenges are worthless: clear them as new ones are made (indexed on expires_at).
  await db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, new Date()));
  await db.insert(webauthnChallenges).values({
    purpose,
    userId,
    challenge,
    expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
  });
}

/** The challenge the browser signed, as clientDataJSON carries it (checked again by the library). */
function challengeOf(clientDataJSON: string): string {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    if (typeof data.challenge === 'string' && data.challenge.length > 0 && data.challenge.length <= 512)
      return data.challenge;
  } catch {}
  throw new ValidationFailed('The passkey response is not valid.');
}

/**
 * Consumes the stored challenge (single use, unexpired, this purpose and user) in one UPDATE, so two
 * concurrent submissions of one response cannot both pass. Throws when there is none.
 */
async function consumeChallenge(
  db: Database,
  purpose: Purpose,
  userId: string | null,
  clientDataJSON: string,
): Promise<string> {
  const challenge = challengeOf(clientDataJSON);
  const [row] = await db
    .update(webauthnChallenges)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(webauthnChallenges.challenge, challenge),
        eq(webauthnChallenges.purpose, purpose),
        userId ? eq(webauthnChallenges.userId, userId) : isNull(webauthnChallenges.userId),
        isNull(webauthnChallenges.usedAt),
        gt(webauthnChallenges.expiresAt, new Date()),
      ),
    )
    .returning({ challenge: webauthnChallenges.challenge });
  if (!row) throw new Unauthorized(PASSKEY_EXPIRED);
  return row.challenge;
}

// ---- listing -----------------------------------------------------------------------------------------

export interface PasskeyItem {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  backedUp: boolean;
}

export async function listPasskeys(db: Database, userId: string): Promise<PasskeyItem[]> {
  return db
    .select({
      id: webauthnCredentials.id,
      name: webauthnCredentials.name,
      createdAt: webauthnCredentials.createdAt,
      lastUsedAt: webauthnCredentials.lastUsedAt,
      backedUp: webauthnCredentials.backedUp,
    })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId))
    .orderBy(asc(webauthnCredentials.createdAt), asc(webauthnCredentials.id));
}

export async function countPasskeys(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId));
  return row?.n ?? 0;
}

async function credentialsOf(db: Database, userId: string) {
  return db
    .select({ credentialId: webauthnCredentials.credentialId, transports: webauthnCredentials.transports })
    .from(webauthnCredentials)
    .where(eq(webauthnCredentials.userId, userId));
}

// ---- registration ------------------------------------------------------------------------------------

type UserActor = Actor & { userId: string };

/** Options for navigator.credentials.create(): a discoverable passkey with user verification. */
export async function startPasskeyRegistration(
  db: Database,
  actor: UserActor,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  await throttle(db, throttleKeys(null, actor.userId), limitOf);
  const [user] = await db
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.id, actor.userId), isNull(users.deletedAt)));
  if (!user) throw new NotFound('User not found');
  const existing = await credentialsOf(db, actor.userId);
  if (existing.length >= MAX_PASSKEYS)
    throw new ValidationFailed(
      `You have ${MAX_PASSKEYS} passkeys, the most an account may have. Remove one first.`,
    );
  const rp = relyingParty();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    // The user handle the passkey returns at sign-in: our user id (not personal data).
    userID: new TextEncoder().encode(actor.userId),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(db, 'registration', actor.userId, options.challenge);
  return options;
}

/**
 * Verifies the browser's answer to startPasskeyRegistration and stores the passkey; in the same transaction
 * the factor change has its consequences (afterFactorChange: every session but `currentSessionId` and every
 * API token ends, an email, the audit row).
 */
export async function finishPasskeyRegistration(
  db: Database,
  actor: UserActor,
  currentSessionId: string | null,
  input: { name: string; response: RegistrationResponseJSON },
) {
  const name = passkeyNameSchema.parse(input.name);
  await throttle(db, throttleKeys(null, actor.userId), limitOf);
  const expectedChallenge = await consumeChallenge(
    db,
    'registration',
    actor.userId,
    input.response.response.clientDataJSON,
  );
  const rp = relyingParty();
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch {
    throw new Unauthorized('That passkey could not be added: your browser’s answer did not check out.');
  }
  if (!verification.verified) throw new Unauthorized('That passkey could not be added.');
  const { credential, credentialBackedUp } = verification.registrationInfo;
  return db.transaction(async (tx) => {
    const [taken] = await tx
      .select({ id: webauthnCredentials.id })
      .from(webauthnCredentials)
      .where(eq(webauthnCredentials.credentialId, credential.id));
    if (taken) throw new ValidationFailed('That passkey is already registered.');
    const [row] = await tx
      .insert(webauthnCredentials)
      .values({
        userId: actor.userId,
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: (credential.transports ?? []).slice(0, 10),
        backedUp: credentialBackedUp,
        name,
      })
      .returning({ id: webauthnCredentials.id, name: webauthnCredentials.name });
    if (!row) throw new Error('passkey insert returned nothing');
    const revoked = await afterFactorChange(tx, actor, {
      kind: 'passkey',
      added: true,
      keepSessionId: currentSessionId,
      name,
    });
    return { ...row, sessionsRevoked: revoked.sessionsRevoked };
  });
}

/** Removes one of the actor's passkeys (a factor change); another user's (or an unknown) id is "not found". */
export async function removePasskey(
  db: Database,
  actor: UserActor,
  currentSessionId: string | null,
  passkeyId: string,
) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(webauthnCredentials)
      .where(and(eq(webauthnCredentials.id, passkeyId), eq(webauthnCredentials.userId, actor.userId)))
      .returning({ id: webauthnCredentials.id, name: webauthnCredentials.name });
    if (!row) throw new NotFound('That passkey does not exist or was already removed.');
    // The last factor gone: its recovery codes go with it (as when the authenticator app is turned off).
    if (!(await userHasSecondFactor(tx, actor.userId))) await deleteRecoveryCodes(tx, actor.userId);
    const revoked = await afterFactorChange(tx, actor, {
      kind: 'passkey',
      added: false,
      keepSessionId: currentSessionId,
      name: row.name,
    });
    return { ...row, sessionsRevoked: revoked.sessionsRevoked };
  });
}

// ---- authentication (sign-in and re-authentication) ----------------------------------------------------

/** Options for navigator.credentials.get() at sign-in: any of the user's discoverable passkeys. */
export async function startPasskeySignIn(
  db: Database,
  context: { ipAddress?: string | null } = {},
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  await throttle(db, throttleKeys(context.ipAddress, null), limitOf);
  const options = await generateAuthenticationOptions({
    rpID: relyingParty().id,
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(db, 'authentication', null, options.challenge);
  return options;
}

/** Options for re-authentication: only the signed-in user's own passkeys are offered. */
export async function startPasskeyReauthentication(
  db: Database,
  userId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  await throttle(db, throttleKeys(null, userId), limitOf);
  const mine = await credentialsOf(db, userId);
  if (mine.length === 0) throw new ValidationFailed('You have no passkey yet.');
  const options = await generateAuthenticationOptions({
    rpID: relyingParty().id,
    userVerification: 'required',
    allowCredentials: mine.map((c) => ({ id: c.credentialId, transports: c.transports })),
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(db, 'reauthentication', userId, options.challenge);
  return options;
}

/**
 * Checks an assertion against the stored passkey it names: the challenge (consumed), origin, RP ID,
 * signature, user verification and counter. `expectedUserId` (re-authentication) refuses another user's
 * passkey; at sign-in the passkey names its user, and a user handle naming someone else is refused.
 */
async function verifyAssertion(
  db: Database,
  purpose: 'authentication' | 'reauthentication',
  response: AuthenticationResponseJSON,
  expectedUserId: string | null,
) {
  const expectedChallenge = await consumeChallenge(
    db,
    purpose,
    expectedUserId,
    response.response.clientDataJSON,
  );
  const [stored] = await db
    .select({
      id: webauthnCredentials.id,
      userId: webauthnCredentials.userId,
      credentialId: webauthnCredentials.credentialId,
      publicKey: webauthnCredentials.publicKey,
      counter: webauthnCredentials.counter,
      transports: webauthnCredentials.transports,
      user: users,
    })
    .from(webauthnCredentials)
    .innerJoin(users, eq(users.id, webauthnCredentials.userId))
    .where(eq(webauthnCredentials.credentialId, response.id));
  if (!stored || stored.user.deletedAt || stored.user.status !== 'ACTIVE')
    throw new Unauthorized(PASSKEY_REFUSED);
  if (expectedUserId && stored.userId !== expectedUserId)
    throw new Unauthorized('That passkey belongs to another account.');
  if (response.response.userHandle !== undefined) {
    const handle = Buffer.from(response.response.userHandle, 'base64url').toString('utf8');
    if (handle !== stored.userId) throw new Unauthorized(PASSKEY_REFUSED);
  }
  const rp = relyingParty();
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: stored.credentialId,
        publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
        counter: stored.counter,
        transports: stored.transports as never,
      },
    });
  } catch {
    throw new Unauthorized(PASSKEY_REFUSED);
  }
  if (!verification.verified) throw new Unauthorized(PASSKEY_REFUSED);
  const [used] = await db
    .update(webauthnCredentials)
    .set({ counter: verification.authenticationInfo.newCounter, lastUsedAt: new Date() })
    // The counter only rises (a cloned authenticator replaying an old count loses the race here too).
    .where(
      and(
        eq(webauthnCredentials.id, stored.id),
        sql`(${webauthnCredentials.counter} = 0 OR ${webauthnCredentials.counter} < ${verification.authenticationInfo.newCounter})`,
      ),
    )
    .returning({ id: webauthnCredentials.id });
  if (!used) throw new Unauthorized(PASSKEY_REFUSED);
  return { user: stored.user, passkeyId: stored.id };
}

/** Signs in with a passkey (first factor that counts as two). Audited like a password sign-in. */
export async function signInWithPasskey(
  db: Database,
  response: AuthenticationResponseJSON,
  context: Omit<Actor, 'type' | 'userId'> = {},
  /** The sign-in request: a device never seen before gets the "new sign-in" email (A's notifyNewDevice). */
  request?: Request,
) {
  await throttle(db, throttleKeys(context.ipAddress, null), limitOf);
  let result: Awaited<ReturnType<typeof verifyAssertion>>;
  try {
    result = await verifyAssertion(db, 'authentication', response, null);
  } catch (err) {
    await recordAudit(
      db,
      { ...context, type: 'USER', userId: null },
      {
        action: 'user.sign_in_failed',
        entityType: 'user',
        metadata: { method: 'passkey', reason: err instanceof Error ? err.message : 'error' },
      },
    );
    throw err;
  }
  const { user, passkeyId } = result;
  await db.transaction(async (tx) => {
    await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
    // Before this sign-in's own audit row, so the device check only sees earlier sign-ins.
    if (request) await notifyNewDevice(tx, user.id, request);
    await recordAudit(
      tx,
      { ...context, type: 'USER', userId: user.id },
      {
        action: 'user.signed_in_with_passkey',
        entityType: 'user',
        entityId: user.id,
        metadata: { method: 'passkey', passkeyId },
      },
    );
  });
  return user;
}

/** Re-authentication with one of the user's own passkeys; the caller records the fresh proof. */
export async function verifyPasskeyReauthentication(
  db: Database,
  userId: string,
  response: AuthenticationResponseJSON,
): Promise<{ passkeyId: string }> {
  await throttle(db, throttleKeys(null, userId), limitOf);
  const { passkeyId } = await verifyAssertion(db, 'reauthentication', response, userId);
  return { passkeyId };
}

// ---- the second step of a password or OAuth sign-in (docs/decisions/0019) ----------------------------

/**
 * Options for the partial session's passkey step: only that user's passkeys, a challenge bound to the user.
 * It shares re-authentication's ceremony and challenge purpose (both prove "this is the same user").
 */
export async function startPasskeySecondStep(
  db: Database,
  pending: AuthContext,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return startPasskeyReauthentication(db, pending.user.id);
}

/**
 * Completes the partial session with one of its user's passkeys, like a code does: counted against the same
 * per-user second-step throttle, audited when refused (another user's passkey included), and on success the
 * partial session is replaced by a complete one (second_factor 'passkey'). Returns the Set-Cookie.
 */
export async function completePasskeySecondStep(
  db: Database,
  request: Request,
  pending: AuthContext,
  response: AuthenticationResponseJSON,
): Promise<string> {
  const userId = pending.user.id;
  // Counted before the check and outside any transaction, like a code (throttleTwoFactor).
  await throttleTwoFactor(db, userId);
  let passkeyId: string;
  try {
    ({ passkeyId } = await verifyPasskeyReauthentication(db, userId, response));
  } catch (err) {
    await recordAudit(
      db,
      { type: 'USER', userId, ...requestContext(request) },
      {
        action: 'user.two_factor_failed',
        entityType: 'user',
        entityId: userId,
        metadata: { method: pending.session.signInMethod, secondFactor: 'passkey' },
      },
    );
    throw err;
  }
  return finishSecondStep(db, request, pending, 'passkey', { passkeyId });
}
