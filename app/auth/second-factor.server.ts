// The second factor (issue 15, docs/decisions/0019): TOTP enrollment and removal, recovery codes, the
// two-step sign-in (a partial session that can only finish the step), and what follows any factor change
// (other sessions and API tokens revoked, an email, an audit row). Passkeys (B) build on afterFactorChange
// and userHasSecondFactor.
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { type Actor, clientIp, recordAudit } from '~/audit/audit.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, DomainError, NotFound, Unauthorized, ValidationFailed } from '~/lib/errors';
import { authorize, ORGANIZATION_NOT_FOUND } from '~/orgs/access.server';
import { type Database, rowsOf } from '~db/client.server';
import { auditLogs, organizationMembers, organizations, sessions, totpCredentials, users } from '~db/schema';
import {
  consumeRecoveryCode,
  deleteRecoveryCodes,
  normalizeRecoveryCode,
  remainingRecoveryCodes,
  replaceRecoveryCodes,
} from './recovery-codes.server';
import { revokeAllAccess } from './revocation.server';
import { secondFactorExists } from './second-factor-sql.server';
import {
  type AuthContext,
  createUserSession,
  requestContext,
  type SecondFactorKind,
  type SignInMethod,
  TWO_FACTOR_PATH,
} from './sessions.server';
import {
  clearTwoFactorAttempts,
  consumeTotpCode,
  decryptTotpKey,
  encryptTotpKey,
  findTotpCredential,
  generateTotpKey,
  manualEntryKey,
  normalizeTotpCode,
  throttleTwoFactor,
  totpKeyUri,
  totpQrSvg,
} from './totp.server';
import { describeUserAgent } from './user-agent';

export { verifyUserTotp } from './totp.server';

type UserActor = Actor & { userId: string };

export const WRONG_CODE = 'That code is not right, has expired or was already used. Try the current code.';
export const WRONG_CODE_OR_RECOVERY =
  'That code is not right, has expired or was already used. Enter the current code from your app or an unused recovery code.';

/** A confirmed TOTP app or (with passkeys, migration 0019) a passkey. */
export async function userHasSecondFactor(db: Database, userId: string): Promise<boolean> {
  const rows = rowsOf<{ has: boolean }>(await db.execute(sql`SELECT ${secondFactorExists(userId)} AS has`));
  return Boolean(rows[0]?.has);
}

/** What kind of factor changed, for the audit sentence and the email. */
export type FactorKind = 'totp' | 'recovery_codes' | 'passkey';

const FACTOR_LABEL: Record<FactorKind, string> = {
  totp: 'an authenticator app',
  recovery_codes: 'recovery codes',
  passkey: 'a passkey',
};

/**
 * After a factor was added or removed (ASVS 7.4.3): every other session, every refresh token family and
 * every access JWT of the user is revoked; the user gets an email; the audit row is written. Run it inside
 * the transaction of the change. `keepSessionId`: the session that made the change stays signed in.
 */
export async function afterFactorChange(
  tx: Database,
  actor: UserActor,
  change: { kind: FactorKind; added: boolean; keepSessionId?: string | null; name?: string | null },
): Promise<{ sessionsRevoked: number; refreshTokensRevoked: number }> {
  const revoked = await revokeAllAccess(tx, actor.userId, change.keepSessionId ?? null);
  const [user] = await tx
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, actor.userId));
  if (user) {
    await queueEmail(tx, {
      to: user.email,
      template: 'second-factor-changed',
      data: {
        name: user.name,
        factor: FACTOR_LABEL[change.kind],
        factorName: change.name ?? null,
        added: change.added,
        device: describeUserAgent(actor.userAgent ?? null),
        ipAddress: actor.ipAddress ?? null,
        securityUrl: new URL('/settings/security', env().APP_URL).toString(),
      },
      entityType: 'user',
      entityId: actor.userId,
    });
  }
  await recordAudit(tx, actor, {
    action: change.added ? 'second_factor.added' : 'second_factor.removed',
    entityType: 'user',
    entityId: actor.userId,
    metadata: { kind: change.kind, name: change.name ?? undefined, ...revoked },
  });
  return revoked;
}

// ---------------------------------------------------------------------------------------------------
// The security page

export interface SecurityOverview {
  totp: 'off' | 'enrolling' | 'on';
  totpEnabledAt: Date | null;
  recoveryCodesLeft: number;
  /** While enrolling: what the app needs. */
  enrollment: { manualKey: string; qrSvg: string; uri: string } | null;
  /** How many passkeys the user has (recovery codes stand in for them too). */
  passkeys: number;
  /** Organizations of the user that require a second factor. */
  requiredBy: { name: string; slug: string }[];
}

export async function securityOverview(
  db: Database,
  user: { id: string; email: string },
): Promise<SecurityOverview> {
  const credential = await findTotpCredential(db, user.id);
  const requiredBy = await db
    .select({ name: organizations.name, slug: organizations.slug })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(and(eq(organizationMembers.userId, user.id), eq(organizations.requireTwoFactor, true)))
    .orderBy(organizations.name);
  let enrollment: SecurityOverview['enrollment'] = null;
  if (credential && !credential.confirmedAt) {
    const key = decryptTotpKey(credential.encryptedSecret);
    const uri = totpKeyUri(user.email, key);
    enrollment = { manualKey: manualEntryKey(key), uri, qrSvg: await totpQrSvg(uri) };
  }
  // The same counts the second-step page reads (one statement).
  const factors = await secondStepOptions(db, user.id);
  return {
    totp: !credential ? 'off' : credential.confirmedAt ? 'on' : 'enrolling',
    totpEnabledAt: credential?.confirmedAt ?? null,
    recoveryCodesLeft: factors.totp || factors.passkeys > 0 ? factors.recoveryCodesLeft : 0,
    passkeys: factors.passkeys,
    enrollment,
    requiredBy,
  };
}

/**
 * Recovery codes for an account whose second factor is passkeys only: since a passkey owes the second
 * step of a password sign-in, a lost device would otherwise lock the person out. Ten new codes (the old
 * ones stop working), shown once; a factor change like any other (other sessions revoked, an email, an
 * audit row). The page asks for a recent re-authentication first (sudo mode). With an authenticator app,
 * its own form (a current code) makes them.
 */
export async function createPasskeyRecoveryCodes(
  db: Database,
  actor: UserActor,
  currentSessionId: string | null,
): Promise<{ recoveryCodes: string[] }> {
  return db.transaction(async (tx) => {
    const factors = await secondStepOptions(tx, actor.userId);
    if (factors.totp)
      throw new Conflict('Use the authenticator app section: new codes there need a current code.');
    if (factors.passkeys === 0)
      throw new Conflict('Add a passkey or an authenticator app first: recovery codes stand in for one.');
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.userId);
    await afterFactorChange(tx, actor, {
      kind: 'recovery_codes',
      added: true,
      keepSessionId: currentSessionId,
    });
    return { recoveryCodes };
  });
}

/** Starts (or restarts) enrolling an authenticator app: a new secret, unconfirmed until a first code. */
export async function startTotpEnrollment(db: Database, actor: UserActor): Promise<void> {
  await db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ confirmedAt: totpCredentials.confirmedAt })
      .from(totpCredentials)
      .where(eq(totpCredentials.userId, actor.userId))
      .for('update');
    if (existing?.confirmedAt) throw new Conflict('An authenticator app is already on. Turn it off first.');
    const encryptedSecret = encryptTotpKey(generateTotpKey());
    await tx
      .insert(totpCredentials)
      .values({ userId: actor.userId, encryptedSecret })
      .onConflictDoUpdate({
        target: totpCredentials.userId,
        set: { encryptedSecret, lastUsedStep: null, confirmedAt: null },
      });
    await recordAudit(tx, actor, {
      action: 'second_factor.totp_enrollment_started',
      entityType: 'user',
      entityId: actor.userId,
    });
  });
}

/** Abandons an enrollment in progress (the "Cancel" of the set-up). */
export async function cancelTotpEnrollment(db: Database, actor: UserActor): Promise<void> {
  await db.transaction(async (tx) => {
    const deleted = await tx
      .delete(totpCredentials)
      .where(and(eq(totpCredentials.userId, actor.userId), sql`${totpCredentials.confirmedAt} IS NULL`))
      .returning({ id: totpCredentials.id });
    if (deleted.length === 0) throw new NotFound('There is no set-up in progress.');
    await recordAudit(tx, actor, {
      action: 'second_factor.totp_enrollment_canceled',
      entityType: 'user',
      entityId: actor.userId,
    });
  });
}

/**
 * Confirms the enrollment with a first code from the app: TOTP is on, ten recovery codes are made (returned
 * in plain text, to show once), every other session and token is revoked, and the current session counts
 * as having passed TOTP.
 */
export async function confirmTotpEnrollment(
  db: Database,
  actor: UserActor,
  currentSessionId: string,
  rawCode: string,
): Promise<{ recoveryCodes: string[] }> {
  const code = normalizeTotpCode(rawCode);
  if (!code) throw new ValidationFailed(WRONG_CODE, { code: ['Enter the 6-digit code from your app'] });
  await throttleTwoFactor(db, actor.userId);
  return db.transaction(async (tx) => {
    const spent = await consumeTotpCode(tx, actor.userId, code, { confirmed: false });
    if (!spent) {
      const credential = await findTotpCredential(tx, actor.userId);
      if (!credential)
        throw new NotFound('Start the set-up again: there is no authenticator app to confirm.');
      if (credential.confirmedAt) throw new Conflict('Your authenticator app is already on.');
      throw new ValidationFailed(WRONG_CODE, { code: [WRONG_CODE] });
    }
    await tx
      .update(totpCredentials)
      .set({ confirmedAt: new Date() })
      .where(eq(totpCredentials.id, spent.credential.id));
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.userId);
    await tx
      .update(sessions)
      .set({ secondFactor: 'totp', reauthenticatedAt: new Date() })
      .where(and(eq(sessions.id, currentSessionId), eq(sessions.userId, actor.userId)));
    await afterFactorChange(tx, actor, { kind: 'totp', added: true, keepSessionId: currentSessionId });
    await clearTwoFactorAttempts(tx, actor.userId);
    return { recoveryCodes };
  });
}

/** Spends a TOTP code or a recovery code of the user; which one, or null when wrong. Callers throttle first. */
async function consumeEitherCode(
  db: Database,
  userId: string,
  raw: string,
): Promise<'totp' | 'recovery_code' | null> {
  if (normalizeTotpCode(raw)) return (await consumeTotpCode(db, userId, raw)) ? 'totp' : null;
  if (normalizeRecoveryCode(raw))
    return (await consumeRecoveryCode(db, userId, raw)) ? 'recovery_code' : null;
  return null;
}

/** A new set of recovery codes (the old ones stop working); needs a current code from the app. */
export async function regenerateRecoveryCodes(
  db: Database,
  actor: UserActor,
  rawCode: string,
): Promise<{ recoveryCodes: string[] }> {
  const credential = await findTotpCredential(db, actor.userId);
  if (!credential?.confirmedAt) throw new Conflict('Turn on an authenticator app first.');
  if (!normalizeTotpCode(rawCode))
    throw new ValidationFailed(WRONG_CODE, { code: ['Enter the 6-digit code from your app'] });
  await throttleTwoFactor(db, actor.userId);
  return db.transaction(async (tx) => {
    if (!(await consumeTotpCode(tx, actor.userId, rawCode)))
      throw new ValidationFailed(WRONG_CODE, { code: [WRONG_CODE] });
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.userId);
    await recordAudit(tx, actor, {
      action: 'second_factor.recovery_codes_regenerated',
      entityType: 'user',
      entityId: actor.userId,
    });
    await clearTwoFactorAttempts(tx, actor.userId);
    return { recoveryCodes };
  });
}

/** Turns TOTP off; needs a current code or an unused recovery code. Recovery codes go with it. */
export async function disableTotp(
  db: Database,
  actor: UserActor,
  currentSessionId: string,
  rawCode: string,
): Promise<void> {
  const credential = await findTotpCredential(db, actor.userId);
  if (!credential?.confirmedAt) throw new Conflict('Your authenticator app is already off.');
  if (!normalizeTotpCode(rawCode) && !normalizeRecoveryCode(rawCode))
    throw new ValidationFailed(WRONG_CODE_OR_RECOVERY, {
      code: ['Enter the 6-digit code from your app or a recovery code'],
    });
  // Counted outside the transaction: a wrong code rolls the transaction back, not the count.
  await throttleTwoFactor(db, actor.userId);
  await db.transaction(async (tx) => {
    const used = await consumeEitherCode(tx, actor.userId, rawCode);
    if (!used) throw new ValidationFailed(WRONG_CODE_OR_RECOVERY, { code: [WRONG_CODE_OR_RECOVERY] });
    await tx.delete(totpCredentials).where(eq(totpCredentials.userId, actor.userId));
    await deleteRecoveryCodes(tx, actor.userId);
    await afterFactorChange(tx, actor, { kind: 'totp', added: false, keepSessionId: currentSessionId });
    await clearTwoFactorAttempts(tx, actor.userId);
  });
}

// ---------------------------------------------------------------------------------------------------
// Signing in

/** 401 mfa_required: the password was right, the account has TOTP, and no code came with it. */
export class MfaRequired extends DomainError {
  override readonly status = 401;
  override readonly code = 'mfa_required';
}

/** 403 two_factor_required: the organization requires a second factor the member has not set up. */
export class TwoFactorRequired extends DomainError {
  override readonly status = 403;
  override readonly code = 'two_factor_required';
}

/** 401 invalid_otp: a code came, and it is wrong, expired or already used. */
export class InvalidOtp extends DomainError {
  override readonly status = 401;
  override readonly code = 'invalid_otp';
}

/**
 * The API token endpoint's second factor: a user with TOTP sends `otp` with the password. Every live token
 * family of a user with TOTP was therefore issued after a code (a factor change revokes every family), which
 * is what the organizations' 2FA rule relies on for JWTs (authenticate.server.ts).
 */
export async function assertApiSecondFactor(
  db: Database,
  userId: string,
  otp: string | undefined,
  context: Omit<Actor, 'type' | 'userId'> = {},
): Promise<void> {
  if (!(await hasConfirmedTotp(db, userId))) return;
  if (!otp) {
    throw new MfaRequired(
      'This account has two-step verification on: send `otp`, the current 6-digit code of its authenticator app.',
    );
  }
  await throttleTwoFactor(db, userId);
  if (!(await consumeTotpCode(db, userId, otp))) {
    await recordAudit(
      db,
      { ...context, type: 'USER', userId },
      {
        action: 'user.two_factor_failed',
        entityType: 'user',
        entityId: userId,
        metadata: { method: 'api_token' },
      },
    );
    throw new InvalidOtp('The code is not right, has expired or was already used. Send the current code.');
  }
  await clearTwoFactorAttempts(db, userId);
  await recordAudit(
    db,
    { ...context, type: 'USER', userId },
    {
      action: 'user.two_factor_verified',
      entityType: 'user',
      entityId: userId,
      metadata: { method: 'api_token', secondFactor: 'totp' },
    },
  );
}

/** The second step's address, carrying where to go afterwards (already made safe). */
export function twoFactorStepPath(redirectTo: string): string {
  return redirectTo === '/orgs'
    ? TWO_FACTOR_PATH
    : `${TWO_FACTOR_PATH}?${new URLSearchParams({ redirectTo })}`;
}

/**
 * A confirmed TOTP app. The JSON API's second factor (`otp`) and its JWT rule for organizations that require
 * 2FA read this, not needsSecondStep: a passkey cannot be presented to the token endpoint.
 */
export async function hasConfirmedTotp(db: Database, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: totpCredentials.id })
    .from(totpCredentials)
    .where(and(eq(totpCredentials.userId, userId), isNotNull(totpCredentials.confirmedAt)));
  return Boolean(row);
}

/**
 * Whether the user owes a second step after the first factor (password or OAuth): a confirmed TOTP app or
 * a passkey — the same factors that count for an organization's "require 2FA" (secondFactorExists).
 */
export async function needsSecondStep(db: Database, userId: string): Promise<boolean> {
  return userHasSecondFactor(db, userId);
}

/** What the second-step page offers the partial session's user. */
export interface SecondStepOptions {
  totp: boolean;
  recoveryCodesLeft: number;
  passkeys: number;
}

export async function secondStepOptions(db: Database, userId: string): Promise<SecondStepOptions> {
  const rows = rowsOf<{ totp: boolean; recovery: number | string; passkeys: number | string }>(
    await db.execute(sql`
      SELECT
        EXISTS (SELECT 1 FROM totp_credentials WHERE user_id = ${userId} AND confirmed_at IS NOT NULL) AS totp,
        (SELECT count(*) FROM recovery_codes WHERE user_id = ${userId} AND used_at IS NULL) AS recovery,
        (SELECT count(*) FROM webauthn_credentials WHERE user_id = ${userId}) AS passkeys`),
  );
  const row = rows[0];
  return {
    totp: Boolean(row?.totp),
    recoveryCodesLeft: Number(row?.recovery ?? 0),
    passkeys: Number(row?.passkeys ?? 0),
  };
}

/**
 * The session after a first factor: a complete one, or, when the user has TOTP or a passkey, a partial one that can only
 * finish the second step (TWO_FACTOR_PENDING_MINUTES). Returns the Set-Cookie and whether a step is owed.
 */
export async function startSignedInSession(
  db: Database,
  request: Request,
  userId: string,
  options: { signInMethod: SignInMethod; activeOrganizationId?: string | null },
): Promise<{ cookie: string; twoFactorPending: boolean }> {
  const pending = await needsSecondStep(db, userId);
  const cookie = await createUserSession(db, userId, request, options.activeOrganizationId ?? null, {
    signInMethod: options.signInMethod,
    twoFactorPending: pending,
  });
  return { cookie, twoFactorPending: pending };
}

/**
 * The second step: the partial session's user types a code from the app or a recovery code. Right: the
 * partial session ends and a new, complete session (a new token, ASVS 7.2.4) is returned. Wrong: counted
 * (throttled per user), audited, refused with the same message for every kind of wrong.
 */
export async function completeTwoFactorSignIn(
  db: Database,
  request: Request,
  pending: AuthContext,
  rawCode: string,
): Promise<{ cookie: string; secondFactor: SecondFactorKind; recoveryCodesLeft: number | null }> {
  const userId = pending.user.id;
  const actor: UserActor = { type: 'USER', userId, ...requestContext(request) };
  await throttleTwoFactor(db, userId);
  const used = await consumeEitherCode(db, userId, rawCode);
  if (!used) {
    await recordAudit(db, actor, {
      action: 'user.two_factor_failed',
      entityType: 'user',
      entityId: userId,
      metadata: { method: pending.session.signInMethod },
    });
    throw new Unauthorized(WRONG_CODE_OR_RECOVERY, { code: [WRONG_CODE_OR_RECOVERY] });
  }
  const recoveryCodesLeft = used === 'recovery_code' ? await remainingRecoveryCodes(db, userId) : null;
  const cookie = await finishSecondStep(db, request, pending, used, { recoveryCodesLeft });
  return { cookie, secondFactor: used, recoveryCodesLeft };
}

/**
 * A second factor was proven for the partial session (a code here, a passkey in passkeys.server.ts): the
 * attempts are cleared, the partial session is deleted and a complete one with a fresh id (ASVS 7.2.4) is
 * created, a new device is emailed, and 'user.two_factor_verified' is audited. Returns the Set-Cookie.
 */
export async function finishSecondStep(
  db: Database,
  request: Request,
  pending: AuthContext,
  secondFactor: SecondFactorKind,
  metadata: Record<string, unknown> = {},
): Promise<string> {
  const userId = pending.user.id;
  const actor: UserActor = { type: 'USER', userId, ...requestContext(request) };
  await clearTwoFactorAttempts(db, userId);
  // The partial session is spent: the complete one gets a fresh id.
  await db.delete(sessions).where(eq(sessions.id, pending.session.id));
  const cookie = await createUserSession(db, userId, request, pending.session.activeOrganizationId, {
    signInMethod: pending.session.signInMethod as SignInMethod,
    secondFactor,
  });
  await db.transaction(async (tx) => {
    await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, userId));
    // Before this sign-in's own audit row, which is what the next sign-in from here will find.
    await notifyNewDevice(tx, userId, request);
    await recordAudit(tx, actor, {
      action: 'user.two_factor_verified',
      entityType: 'user',
      entityId: userId,
      metadata: { method: pending.session.signInMethod, secondFactor, ...metadata },
    });
  });
  return cookie;
}

/**
 * "New sign-in to your account" when a user with a second factor signs in from a device (user agent) that
 * never completed a sign-in before. Reads the audit log of completed sign-ins, so no extra table. Passkey
 * sign-ins (B) call it too.
 */
export async function notifyNewDevice(tx: Database, userId: string, request: Request): Promise<boolean> {
  const userAgent = request.headers.get('user-agent')?.slice(0, 512) ?? null;
  const [seen] = await tx
    .select({ id: auditLogs.id })
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.userId, userId),
        sql`${auditLogs.action} IN ('user.two_factor_verified', 'user.signed_in_with_passkey')`,
        userAgent === null ? sql`${auditLogs.userAgent} IS NULL` : eq(auditLogs.userAgent, userAgent),
      ),
    )
    .limit(1);
  if (seen) return false;
  const [user] = await tx
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) return false;
  await queueEmail(tx, {
    to: user.email,
    template: 'new-sign-in',
    data: {
      name: user.name,
      device: describeUserAgent(userAgent),
      userAgent,
      ipAddress: clientIp(request),
      at: new Date().toISOString(),
      securityUrl: new URL('/settings/sessions', env().APP_URL).toString(),
    },
    entityType: 'user',
    entityId: userId,
  });
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Organizations that require a second factor

export interface TwoFactorPolicy {
  required: boolean;
  members: number;
  membersWithout: number;
}

/** The organization's rule and how many members have no second factor yet (settings page). */
export async function twoFactorPolicy(
  db: Database,
  actor: Actor,
  organizationId: string,
): Promise<TwoFactorPolicy> {
  await authorize(db, actor, organizationId, 'organization:edit');
  const [row] = rowsOf<{ required: boolean; members: number | string; without: number | string }>(
    await db.execute(sql`
      SELECT o.require_two_factor AS required, count(m.id) AS members,
        count(m.id) FILTER (WHERE NOT ${secondFactorExists(sql`m.user_id`)}) AS without
      FROM organizations o LEFT JOIN organization_members m ON m.organization_id = o.id
      WHERE o.id = ${organizationId}
      GROUP BY o.id`),
  );
  if (!row) throw new NotFound(ORGANIZATION_NOT_FOUND);
  return {
    required: Boolean(row.required),
    members: Number(row.members),
    membersWithout: Number(row.without),
  };
}

/**
 * OWNER and ADMIN turn the rule on or off. Turning it on needs a second factor of one's own (else the
 * very next page would send the actor to enroll); members without one are sent to enroll before any of
 * the organization's pages (requireMember), and their JWTs stop working for it (authenticate.server.ts).
 */
export async function setTwoFactorRequirement(
  db: Database,
  actor: UserActor,
  organizationId: string,
  required: boolean,
): Promise<{ changed: boolean }> {
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'organization:edit', { lock: true });
    const [before] = await tx
      .select({ requireTwoFactor: organizations.requireTwoFactor })
      .from(organizations)
      .where(eq(organizations.id, organizationId));
    if (!before) throw new NotFound(ORGANIZATION_NOT_FOUND);
    if (before.requireTwoFactor === required) return { changed: false };
    if (required && !(await userHasSecondFactor(tx, actor.userId))) {
      throw new Conflict(
        'Set up a second factor for your own account first (Security settings), then require it of everyone.',
      );
    }
    await tx
      .update(organizations)
      .set({ requireTwoFactor: required })
      .where(eq(organizations.id, organizationId));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'organization.two_factor_required',
      entityType: 'organization',
      entityId: organizationId,
      oldValues: { requireTwoFactor: before.requireTwoFactor },
      newValues: { requireTwoFactor: required },
    });
    return { changed: true };
  });
}

/** Which of these users have a second factor (the members page's column). */
export async function usersWithSecondFactor(db: Database, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, userIds), secondFactorExists(users.id)));
  return new Set(rows.map((r) => r.id));
}
