// Email + password identity: sign-up, sign-in (throttled), email verification, password reset and change.
import { and, eq, gt, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import { readSetting } from '~/admin/settings.server';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed } from '~/lib/errors';
import { giveBack, hit, hitAll, type LimitRule, peek, reset } from '~/lib/rate-limit.server';
import { type Database, isUniqueViolation } from '~db/client.server';
import { accounts, invitations, users, verifications } from '~db/schema';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.server';
import { safeRedirectPath } from './redirect';
import { revokeAllAccess, voidOutstandingLinks } from './revocation.server';
import { generateToken, sha256Hex } from './tokens.server';
import { emailSchema, newPasswordSchema, passwordSchema, signInSchema, signUpSchema } from './validation';

export const INVALID_CREDENTIALS = 'Invalid email or password';
// Throttles (docs/decisions/0009, after the Copenhagen Book): a guesser on one address from one network,
// one network spraying many addresses, and many networks on one address each meet their own ceiling.
export const SIGN_IN_LIMIT = 5;
export const SIGN_IN_WINDOW_MINUTES = 15;
export const SIGN_IN_IP_LIMIT = 50;
export const SIGN_IN_IP_WINDOW_MINUTES = 15;
export const SIGN_IN_ACCOUNT_LIMIT = 20;
export const SIGN_IN_ACCOUNT_WINDOW_MINUTES = 60;
/** Sign-ups per network per hour. */
export const SIGN_UP_IP_LIMIT = 10;
export const SIGN_UP_IP_WINDOW_MINUTES = 60;
/** Emailed links (password reset, verification) asked for by signed-out visitors, per network. */
export const EMAIL_REQUEST_IP_LIMIT = 10;
export const EMAIL_REQUEST_IP_WINDOW_MINUTES = 15;
export const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;
export const RESET_TTL_MS = 60 * 60 * 1000;

type VerificationPurpose = 'EMAIL_VERIFICATION' | 'PASSWORD_RESET';

/** Creates a single-use token for `email`, stores its hash, and returns the raw token for the link. */
async function issueVerification(tx: Database, email: string, purpose: VerificationPurpose): Promise<string> {
  const token = generateToken();
  const ttl = purpose === 'EMAIL_VERIFICATION' ? VERIFY_TTL_MS : RESET_TTL_MS;
  await tx.insert(verifications).values({
    identifier: email,
    purpose,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(Date.now() + ttl),
  });
  return token;
}

/** A link carrying `token`; a verification link may carry where to go afterwards (already made safe). */
function link(path: string, token: string, redirectTo?: string | null): string {
  const url = new URL(path, env().APP_URL);
  url.searchParams.set('token', token);
  const next = safeRedirectPath(redirectTo, '');
  if (next) url.searchParams.set('redirectTo', next);
  return url.toString();
}

type Context = Omit<Actor, 'type' | 'userId'>;

/** Counts one attempt against `rules` and refuses (429 with the wait) when any is over its limit. */
async function throttle(db: Database, rules: LimitRule[], message: (minutes: number) => string) {
  const exceeded = await hitAll(db, rules);
  if (exceeded) {
    throw new TooManyRequests(
      message(Math.ceil(exceeded.retryAfterSeconds / 60)),
      exceeded.retryAfterSeconds,
      exceeded.rule.limit,
    );
  }
}

/** Per-network rules only apply when the network is known (requests always have one; domain tests may not). */
const perIp = (
  ip: string | null | undefined,
  rule: Omit<LimitRule, 'key'> & { prefix: string },
): LimitRule[] =>
  ip ? [{ key: `${rule.prefix}:${ip}`, limit: rule.limit, windowMinutes: rule.windowMinutes }] : [];

export type SignUpInput = z.infer<typeof signUpSchema>;

export const SIGN_UPS_CLOSED =
  'Sign-ups are closed for now, so no new account can be created. If you were invited to an organization, open the link in your invitation email and sign up with the invited address. Already have an account? Sign in.';

/**
 * Whether a new account may be created for `email` (the system setting `signups.enabled`). Closed
 * sign-ups still let an address with a pending, unexpired invitation sign up: an organization asked for
 * that person, and closing sign-ups is meant to stop strangers, not to break invitations. The address
 * is only proven by the emailed verification link (password) or the provider (OAuth, verified addresses
 * only), as for any sign-up. Trade-off: while closed, the answer tells whether an address has a pending
 * invitation somewhere, not which organization; the token is not required so an invitee who opens
 * /signup directly is not turned away.
 */
export async function signUpsOpenFor(db: Database, email: string | null): Promise<boolean> {
  if (await readSetting(db, 'signups.enabled')) return true;
  if (!email) return false;
  const [invited] = await db
    .select({ id: invitations.id })
    .from(invitations)
    .where(
      and(
        eq(invitations.email, email),
        eq(invitations.status, 'PENDING'),
        gt(invitations.expiresAt, new Date()),
      ),
    )
    .limit(1);
  return Boolean(invited);
}

export const SIGN_UP_ANSWER = (email: string) =>
  `Check your email: we sent a message to ${email}. Open the link in it to finish signing up.`;

/**
 * Creates the user, its credential account and a verification email, in one transaction. The answer is
 * the same whether or not the address already has an account (no enumeration): an existing owner gets a
 * notice by email instead, and nothing else changes. `user` is null then. Throttled per network.
 */
export async function signUp(
  db: Database,
  input: SignUpInput,
  context: Context = {},
  options: { redirectTo?: string | null } = {},
): Promise<{ user: typeof users.$inferSelect | null; emailIds: string[] }> {
  const { name, email, password } = signUpSchema.parse(input);
  // Refused alike for a new and a registered address, so a closed sign-up tells nothing about accounts.
  if (!(await signUpsOpenFor(db, email))) throw new Forbidden(SIGN_UPS_CLOSED);
  await throttle(
    db,
    perIp(context.ipAddress, {
      prefix: 'signup-ip',
      limit: SIGN_UP_IP_LIMIT,
      windowMinutes: SIGN_UP_IP_WINDOW_MINUTES,
    }),
    (minutes) => `Too many sign-ups from your network. Try again in ${minutes} minute(s).`,
  );
  // Hashed either way, so the time taken does not tell whether the address is registered.
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: users.id, name: users.name })
        .from(users)
        .where(eq(users.email, email));
      if (existing) {
        if (!(await underEmailLimit(tx, 'ACCOUNT_EXISTS', email))) return { user: null, emailIds: [] };
        const emailId = await queueEmail(tx, {
          to: email,
          template: 'account-exists',
          data: {
            name: existing.name,
            signInUrl: new URL('/login', env().APP_URL).toString(),
            resetUrl: new URL('/forgot-password', env().APP_URL).toString(),
          },
          entityType: 'user',
          entityId: existing.id,
        });
        await recordAudit(
          tx,
          { ...context, type: 'USER', userId: existing.id },
          { action: 'user.sign_up_existing', entityType: 'user', entityId: existing.id },
        );
        return { user: null, emailIds: [emailId] };
      }
      const [user] = await tx.insert(users).values({ email, name }).returning();
      if (!user) throw new Error('user insert returned nothing');
      await tx
        .insert(accounts)
        .values({ userId: user.id, providerId: 'credential', accountId: user.id, password: passwordHash });
      const token = await issueVerification(tx, email, 'EMAIL_VERIFICATION');
      const emailId = await queueEmail(tx, {
        to: email,
        template: 'verify-email',
        data: { name },
        link: link('/verify-email', token, options.redirectTo),
        entityType: 'user',
        entityId: user.id,
      });
      await recordAudit(
        tx,
        { ...context, type: 'USER', userId: user.id },
        {
          action: 'user.signed_up',
          entityType: 'user',
          entityId: user.id,
          newValues: { email, name },
        },
      );
      return { user, emailIds: [emailId] };
    });
  } catch (err) {
    // Two sign-ups racing for one new address: the loser's answer is the same "check your email".
    if (isUniqueViolation(err)) return { user: null, emailIds: [] };
    throw err;
  }
}

export function signInThrottleKey(email: string, ip: string | null | undefined): string {
  return `login:${email}:${ip ?? 'unknown'}`;
}

/**
 * Checks email + password. At most SIGN_IN_LIMIT failures per email+IP per SIGN_IN_WINDOW_MINUTES,
 * counted in PostgreSQL; then TooManyRequests. The attempt is counted *before* the password is checked
 * (an atomic upsert), so concurrent guesses cannot slip past the limit; a success clears the count.
 * The failure message never says which part was wrong.
 */
export async function signIn(
  db: Database,
  input: { email: string; password: string },
  context: Omit<Actor, 'type' | 'userId'> = {},
  options: { method?: 'password' | 'api_token' } = {},
) {
  const { email, password } = signInSchema.parse(input);
  const key = signInThrottleKey(email, context.ipAddress);
  const ipKey = `login-ip:${context.ipAddress ?? 'unknown'}`;
  const accountKey = `login-account:${email}`;
  const now = Date.now();
  const exceeded = await hitAll(
    db,
    [
      { key, limit: SIGN_IN_LIMIT, windowMinutes: SIGN_IN_WINDOW_MINUTES },
      { key: ipKey, limit: SIGN_IN_IP_LIMIT, windowMinutes: SIGN_IN_IP_WINDOW_MINUTES },
      { key: accountKey, limit: SIGN_IN_ACCOUNT_LIMIT, windowMinutes: SIGN_IN_ACCOUNT_WINDOW_MINUTES },
    ],
    now,
  );
  if (exceeded) {
    throw new TooManyRequests(
      `${INVALID_CREDENTIALS}. Too many failed attempts: try again in ${Math.ceil(exceeded.retryAfterSeconds / 60)} minute(s).`,
      exceeded.retryAfterSeconds,
      exceeded.rule.limit,
    );
  }

  const [row] = await db
    .select({ user: users, passwordHash: accounts.password })
    .from(users)
    .leftJoin(accounts, and(eq(accounts.userId, users.id), eq(accounts.providerId, 'credential')))
    .where(and(eq(users.email, email), isNull(users.deletedAt)));
  // Verify against a dummy hash when there is no account, so timing does not reveal which emails exist.
  const ok = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!row?.passwordHash || !ok || row.user.status !== 'ACTIVE') {
    await recordAudit(
      db,
      { ...context, type: 'USER', userId: row?.user.id ?? null },
      {
        action: 'user.sign_in_failed',
        entityType: 'user',
        entityId: row?.user.id ?? null,
        metadata: { email, method: options.method ?? 'password' },
      },
    );
    throw new Unauthorized(INVALID_CREDENTIALS);
  }
  // A success is not a failure: clear this address+network and hand back the ceilings' hit.
  await reset(db, key);
  await giveBack(db, ipKey, now);
  await giveBack(db, accountKey, now);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, row.user.id));
    await recordAudit(
      tx,
      { ...context, type: 'USER', userId: row.user.id },
      {
        action: 'user.signed_in',
        entityType: 'user',
        entityId: row.user.id,
        metadata: { method: options.method ?? 'password' },
      },
    );
  });
  return row.user;
}

export const EMAIL_SEND_LIMIT = 5;
export const EMAIL_SEND_WINDOW_MINUTES = 60;

/** At most EMAIL_SEND_LIMIT verification/reset emails per address per hour (no mail bombing). */
async function underEmailLimit(
  db: Database,
  purpose: VerificationPurpose | 'ACCOUNT_EXISTS',
  email: string,
): Promise<boolean> {
  const key = `email:${purpose}:${email}`;
  const state = await peek(db, key, EMAIL_SEND_LIMIT, EMAIL_SEND_WINDOW_MINUTES);
  if (state.count >= EMAIL_SEND_LIMIT) return false;
  await hit(db, key);
  return true;
}

/** Finds a usable verification by raw token (unused, unexpired, right purpose). */
async function findVerification(tx: Database, token: string, purpose: VerificationPurpose) {
  const [row] = await tx
    .select()
    .from(verifications)
    .where(
      and(
        eq(verifications.tokenHash, sha256Hex(token)),
        eq(verifications.purpose, purpose),
        isNull(verifications.usedAt),
        gt(verifications.expiresAt, new Date()),
      ),
    )
    .for('update');
  return row;
}

export const LINK_INVALID = 'This link is invalid, expired or already used.';

/** Marks the email verified; the token is single use. */
export async function verifyEmail(db: Database, token: string, context: Omit<Actor, 'type' | 'userId'> = {}) {
  return db.transaction(async (tx) => {
    const v = await findVerification(tx, token, 'EMAIL_VERIFICATION');
    if (!v) throw new NotFound(LINK_INVALID);
    await voidOutstandingLinks(tx, v.identifier, 'EMAIL_VERIFICATION');
    const [user] = await tx
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(and(eq(users.email, v.identifier), isNull(users.deletedAt)))
      .returning();
    if (!user) throw new NotFound(LINK_INVALID);
    await recordAudit(
      tx,
      { ...context, type: 'USER', userId: user.id },
      {
        action: 'user.email_verified',
        entityType: 'user',
        entityId: user.id,
      },
    );
    return user;
  });
}

/** Sends a new verification link to a signed-in, unverified user. */
export async function resendVerification(
  db: Database,
  userId: string,
  options: { redirectTo?: string | null } = {},
) {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)));
  if (!user) throw new NotFound('User not found');
  if (user.emailVerifiedAt) throw new Conflict('Your email address is already verified.');
  if (!(await underEmailLimit(db, 'EMAIL_VERIFICATION', user.email))) {
    throw new TooManyRequests(
      'We already sent several links in the last hour. Check your inbox, or try again later.',
      3600,
    );
  }
  return db.transaction(async (tx) => {
    const token = await issueVerification(tx, user.email, 'EMAIL_VERIFICATION');
    const id = await queueEmail(tx, {
      to: user.email,
      template: 'verify-email',
      data: { name: user.name },
      link: link('/verify-email', token, options.redirectTo),
      entityType: 'user',
      entityId: user.id,
    });
    return { emailIds: [id] };
  });
}

/** Signed-out visitors asking for emailed links: at most EMAIL_REQUEST_IP_LIMIT per network per window. */
async function throttleEmailRequest(db: Database, context: Context) {
  await throttle(
    db,
    perIp(context.ipAddress, {
      prefix: 'email-request-ip',
      limit: EMAIL_REQUEST_IP_LIMIT,
      windowMinutes: EMAIL_REQUEST_IP_WINDOW_MINUTES,
    }),
    (minutes) => `Too many requests from your network. Try again in ${minutes} minute(s).`,
  );
}

/** A new verification link for an address typed by a signed-out visitor; answers the same whether or not it exists. */
export async function requestVerificationEmail(
  db: Database,
  rawEmail: string,
  context: Context = {},
  options: { redirectTo?: string | null } = {},
) {
  const email = emailSchema.parse(rawEmail);
  await throttleEmailRequest(db, context);
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.email, email), isNull(users.deletedAt), isNull(users.emailVerifiedAt)));
  if (!user || !(await underEmailLimit(db, 'EMAIL_VERIFICATION', email))) return { emailIds: [] as string[] };
  return db.transaction(async (tx) => {
    const token = await issueVerification(tx, email, 'EMAIL_VERIFICATION');
    const id = await queueEmail(tx, {
      to: email,
      template: 'verify-email',
      data: { name: user.name },
      link: link('/verify-email', token, options.redirectTo),
      entityType: 'user',
      entityId: user.id,
    });
    return { emailIds: [id] };
  });
}

/** Always answers the same, whether or not the email exists (no account enumeration). Throttled per network. */
export async function requestPasswordReset(db: Database, rawEmail: string, context: Context = {}) {
  const email = emailSchema.parse(rawEmail);
  await throttleEmailRequest(db, context);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.email, email), isNull(users.deletedAt), eq(users.status, 'ACTIVE')));
    if (!user || !(await underEmailLimit(tx, 'PASSWORD_RESET', email))) return { emailIds: [] as string[] };
    const token = await issueVerification(tx, email, 'PASSWORD_RESET');
    const id = await queueEmail(tx, {
      to: email,
      template: 'reset-password',
      link: link('/reset-password', token),
      entityType: 'user',
      entityId: user.id,
    });
    return { emailIds: [id] };
  });
}

/** Checks a reset link without using it (the reset page shows the form only for a good link). */
export async function isResetTokenUsable(db: Database, token: string): Promise<boolean> {
  return Boolean(await findVerification(db, token, 'PASSWORD_RESET'));
}

async function setPassword(tx: Database, userId: string, password: string) {
  const passwordHash = await hashPassword(password);
  const updated = await tx
    .update(accounts)
    .set({ password: passwordHash })
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, 'credential')))
    .returning({ id: accounts.id });
  // A user who signed up through OAuth gets a credential account on first password set.
  if (updated.length === 0) {
    await tx
      .insert(accounts)
      .values({ userId, providerId: 'credential', accountId: userId, password: passwordHash });
  }
}

/** Removes every OAuth provider account of the user (they were linked before the address was proven). */
async function removeUnprovenProviders(tx: Database, userId: string): Promise<number> {
  const removed = await tx
    .delete(accounts)
    .where(and(eq(accounts.userId, userId), ne(accounts.providerId, 'credential')))
    .returning({ id: accounts.id });
  return removed.length;
}

/** Sets a new password from a reset link and revokes every session, refresh and access token of the user. */
export async function resetPassword(
  db: Database,
  token: string,
  password: string,
  context: Omit<Actor, 'type' | 'userId'> = {},
) {
  const newPassword = newPasswordSchema.parse(password);
  return db.transaction(async (tx) => {
    const v = await findVerification(tx, token, 'PASSWORD_RESET');
    if (!v) throw new NotFound(LINK_INVALID);
    const [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.email, v.identifier), isNull(users.deletedAt)));
    if (!user) throw new NotFound(LINK_INVALID);
    // One reset link used ends every other one sent to the address.
    await voidOutstandingLinks(tx, v.identifier, 'PASSWORD_RESET');
    await setPassword(tx, user.id, newPassword);
    // Whoever could open the reset email owns the address: count it as verified. Any provider linked to
    // the account while it was unverified proved nothing about the address, so it goes (ADR 0009).
    const unlinked = user.emailVerifiedAt ? 0 : await removeUnprovenProviders(tx, user.id);
    if (!user.emailVerifiedAt)
      await tx.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
    // Sessions, refresh tokens and access JWTs, at once.
    const { sessionsRevoked: revoked } = await revokeAllAccess(tx, user.id);
    await recordAudit(
      tx,
      { ...context, type: 'USER', userId: user.id },
      {
        action: 'user.password_reset',
        entityType: 'user',
        entityId: user.id,
        metadata: { sessionsRevoked: revoked, providersUnlinked: unlinked },
      },
    );
    return user;
  });
}

export const changePasswordSchema = z.object({
  currentPassword: passwordSchema.optional(),
  newPassword: newPasswordSchema,
});

/** Whether the user can sign in with a password (OAuth-only users have none until they set one). */
export async function hasPassword(db: Database, userId: string): Promise<boolean> {
  const [account] = await db
    .select({ password: accounts.password })
    .from(accounts)
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, 'credential')));
  return Boolean(account?.password);
}

/**
 * Changes the password and revokes every other session. The current password is required when there is
 * one; a user who signed up through OAuth sets a first password without it.
 */
export async function changePassword(
  db: Database,
  actor: Actor & { userId: string },
  currentSessionId: string,
  input: z.infer<typeof changePasswordSchema>,
) {
  const { currentPassword, newPassword } = changePasswordSchema.parse(input);
  const [account] = await db
    .select({ password: accounts.password })
    .from(accounts)
    .where(and(eq(accounts.userId, actor.userId), eq(accounts.providerId, 'credential')));
  if (account?.password && !(currentPassword && (await verifyPassword(account.password, currentPassword)))) {
    throw new ValidationFailed('Your current password is not correct.', {
      currentPassword: ['Your current password is not correct'],
    });
  }
  return db.transaction(async (tx) => {
    await setPassword(tx, actor.userId, newPassword);
    // Every other session, and the API tokens (refresh and access) too: a changed password ends them.
    const { sessionsRevoked: revoked } = await revokeAllAccess(tx, actor.userId, currentSessionId);
    await recordAudit(tx, actor, {
      action: account?.password ? 'user.password_changed' : 'user.password_set',
      entityType: 'user',
      entityId: actor.userId,
      metadata: { sessionsRevoked: revoked },
    });
    return { sessionsRevoked: revoked };
  });
}
