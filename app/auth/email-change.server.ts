// Changing the sign-in email (issue 15 §5). A request sends a single-use link to the new address and a
// notice to the old one; until the link is opened the old address stays the sign-in email. An address that
// already belongs to an account is never confirmed as taken to the requester: the answer is the same, the
// link is not sent, and the address's owner is told someone tried (as sign-up does). The link's owner
// proves the new address, so at confirmation a clash (a race) is said plainly. Both ends are audited.
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { queueEmail } from '~/email/outbox.server';
import { env } from '~/env.server';
import { Conflict, NotFound, TooManyRequests, ValidationFailed } from '~/lib/errors';
import { hit, peek } from '~/lib/rate-limit.server';
import { type Database, isUniqueViolation } from '~db/client.server';
import { emailChangeRequests, users } from '~db/schema';
import { emailChangeSchema } from './email-change';
import { voidOutstandingLinks } from './revocation.server';
import { generateToken, sha256Hex } from './tokens.server';

export { emailChangeSchema };

export const EMAIL_CHANGE_TTL_MS = 24 * 60 * 60 * 1000;
/** Requests per user per hour (each sends two emails). */
export const EMAIL_CHANGE_LIMIT = 5;
export const EMAIL_CHANGE_WINDOW_MINUTES = 60;
export const EMAIL_CHANGE_LINK_INVALID = 'This link is invalid, expired or already used.';

type UserActor = Actor & { userId: string };

/** Shows the start of the local part only: enough for the owner to recognise it in a notice. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, Math.min(2, local.length))}${'•'.repeat(Math.max(1, local.length - 2))}@${domain}`;
}

export interface PendingEmailChange {
  newEmail: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The user's newest open request (unused, unexpired), if any. */
export async function pendingEmailChange(db: Database, userId: string): Promise<PendingEmailChange | null> {
  const [row] = await db
    .select({
      newEmail: emailChangeRequests.newEmail,
      createdAt: emailChangeRequests.createdAt,
      expiresAt: emailChangeRequests.expiresAt,
    })
    .from(emailChangeRequests)
    .where(
      and(
        eq(emailChangeRequests.userId, userId),
        isNull(emailChangeRequests.usedAt),
        gt(emailChangeRequests.expiresAt, new Date()),
      ),
    )
    .orderBy(desc(emailChangeRequests.createdAt))
    .limit(1);
  return row ?? null;
}

/** Ends every open request of the user (a newer request, a cancel, a confirmation). */
async function closeOpenRequests(tx: Database, userId: string): Promise<number> {
  const closed = await tx
    .update(emailChangeRequests)
    .set({ usedAt: new Date() })
    .where(and(eq(emailChangeRequests.userId, userId), isNull(emailChangeRequests.usedAt)))
    .returning({ id: emailChangeRequests.id });
  return closed.length;
}

/**
 * Asks to change the actor's email to `newEmail`. Returns the queued email ids. The answer does not say
 * whether the new address is taken.
 */
export async function requestEmailChange(
  db: Database,
  actor: UserActor,
  input: z.infer<typeof emailChangeSchema>,
): Promise<{ emailIds: string[] }> {
  const { newEmail } = emailChangeSchema.parse(input);
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.id, actor.userId), isNull(users.deletedAt)));
  if (!user) throw new NotFound('User not found');
  if (newEmail === user.email)
    throw new ValidationFailed('That is already your email address.', {
      newEmail: ['That is already your email address'],
    });
  const key = `email-change:${user.id}`;
  const state = await peek(db, key, EMAIL_CHANGE_LIMIT, EMAIL_CHANGE_WINDOW_MINUTES);
  if (state.count >= EMAIL_CHANGE_LIMIT)
    throw new TooManyRequests(
      'You asked for several changes in the last hour. Check the inbox of the new address, or try again later.',
      state.retryAfterSeconds || EMAIL_CHANGE_WINDOW_MINUTES * 60,
      EMAIL_CHANGE_LIMIT,
    );
  await hit(db, key);
  return db.transaction(async (tx) => {
    await closeOpenRequests(tx, user.id);
    const [owner] = await tx
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(eq(users.email, newEmail));
    const emailIds: string[] = [];
    if (owner) {
      // Taken: no link; the address's owner hears that someone tried. The requester's answer is the same.
      emailIds.push(
        await queueEmail(tx, {
          to: newEmail,
          template: 'email-change-address-taken',
          data: { name: owner.name },
          entityType: 'user',
          entityId: owner.id,
        }),
      );
    } else {
      const token = generateToken();
      await tx.insert(emailChangeRequests).values({
        userId: user.id,
        newEmail,
        tokenHash: sha256Hex(token),
        expiresAt: new Date(Date.now() + EMAIL_CHANGE_TTL_MS),
      });
      const url = new URL('/verify-email-change', env().APP_URL);
      url.searchParams.set('token', token);
      emailIds.push(
        await queueEmail(tx, {
          to: newEmail,
          template: 'email-change-verify',
          data: { name: user.name },
          link: url.toString(),
          entityType: 'user',
          entityId: user.id,
        }),
      );
    }
    emailIds.push(
      await queueEmail(tx, {
        to: user.email,
        template: 'email-change-requested',
        data: {
          name: user.name,
          newEmail: maskEmail(newEmail),
          securityUrl: new URL('/settings/email', env().APP_URL).toString(),
        },
        entityType: 'user',
        entityId: user.id,
      }),
    );
    await recordAudit(tx, actor, {
      action: 'user.email_change_requested',
      entityType: 'user',
      entityId: user.id,
      // The audit trail keeps what was asked; whether it was taken is not the requester's to read.
      newValues: { email: maskEmail(newEmail) },
    });
    return { emailIds };
  });
}

/** Withdraws the actor's open request (the link stops working). */
export async function cancelEmailChange(db: Database, actor: UserActor): Promise<void> {
  await db.transaction(async (tx) => {
    const closed = await closeOpenRequests(tx, actor.userId);
    if (closed === 0) throw new NotFound('There is no email change waiting for confirmation.');
    await recordAudit(tx, actor, {
      action: 'user.email_change_canceled',
      entityType: 'user',
      entityId: actor.userId,
    });
  });
}

/** Looks a link up without using it (the confirmation page shows the address it will set). */
export async function findEmailChange(db: Database, token: string) {
  const [row] = await db
    .select({ newEmail: emailChangeRequests.newEmail, userId: emailChangeRequests.userId })
    .from(emailChangeRequests)
    .innerJoin(users, eq(users.id, emailChangeRequests.userId))
    .where(
      and(
        eq(emailChangeRequests.tokenHash, sha256Hex(token)),
        isNull(emailChangeRequests.usedAt),
        gt(emailChangeRequests.expiresAt, new Date()),
        isNull(users.deletedAt),
      ),
    );
  return row ?? null;
}

/**
 * Opens the link: the new address becomes the sign-in email (verified: the link reached it), the request
 * and every other open one of the user close, outstanding reset and verification links of the old address
 * stop working, and the old address is told. Single use.
 */
export async function confirmEmailChange(
  db: Database,
  token: string,
  context: Omit<Actor, 'type' | 'userId'> = {},
) {
  try {
    return await db.transaction(async (tx) => {
      const [request] = await tx
        .select()
        .from(emailChangeRequests)
        .where(
          and(
            eq(emailChangeRequests.tokenHash, sha256Hex(token)),
            isNull(emailChangeRequests.usedAt),
            gt(emailChangeRequests.expiresAt, new Date()),
          ),
        )
        .for('update');
      if (!request) throw new NotFound(EMAIL_CHANGE_LINK_INVALID);
      const [user] = await tx
        .select({ id: users.id, email: users.email, name: users.name })
        .from(users)
        .where(and(eq(users.id, request.userId), isNull(users.deletedAt)))
        .for('update');
      if (!user) throw new NotFound(EMAIL_CHANGE_LINK_INVALID);
      const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, request.newEmail));
      if (taken)
        throw new Conflict('This address already belongs to another account: your email was not changed.');
      await closeOpenRequests(tx, user.id);
      await tx
        .update(users)
        .set({ email: request.newEmail, emailVerifiedAt: new Date() })
        .where(eq(users.id, user.id));
      // Links mailed to the old address must not act on the account any more.
      await voidOutstandingLinks(tx, user.email, 'PASSWORD_RESET');
      await voidOutstandingLinks(tx, user.email, 'EMAIL_VERIFICATION');
      await queueEmail(tx, {
        to: user.email,
        template: 'email-changed',
        data: {
          name: user.name,
          newEmail: maskEmail(request.newEmail),
          resetUrl: new URL('/forgot-password', env().APP_URL).toString(),
        },
        entityType: 'user',
        entityId: user.id,
      });
      await recordAudit(
        tx,
        { ...context, type: 'USER', userId: user.id },
        {
          action: 'user.email_changed',
          entityType: 'user',
          entityId: user.id,
          oldValues: { email: user.email },
          newValues: { email: request.newEmail },
        },
      );
      return { userId: user.id, email: request.newEmail, previousEmail: user.email };
    });
  } catch (err) {
    // Someone took the address between our check and the update: the same plain refusal.
    if (isUniqueViolation(err))
      throw new Conflict('This address already belongs to another account: your email was not changed.');
    throw err;
  }
}
