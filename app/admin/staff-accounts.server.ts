// Staff accounts (issue 14 §1): `npm run admin:create -- --email … --role ADMIN|SUPPORT` promotes an
// existing user, or creates one with no password and sends a one-time set-password link (the password
// reset flow: the link is emailed through the outbox, printed by the console mailer in development).
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, systemActor } from '~/audit/audit.server';
import { requestPasswordReset } from '~/auth/accounts.server';
import type { Database } from '~db/client.server';
import { users } from '~db/schema';

export const grantStaffInput = z.object({
  email: z.string().trim().toLowerCase().email('Give the email address of the staff member'),
  role: z.enum(['ADMIN', 'SUPPORT'], { errorMap: () => ({ message: 'The role is ADMIN or SUPPORT' }) }),
  name: z.string().trim().min(1).max(120).optional(),
});

export async function grantStaffRole(
  db: Database,
  input: z.input<typeof grantStaffInput>,
): Promise<{ userId: string; created: boolean; previousRole: string | null; emailIds: string[] }> {
  const { email, role, name } = grantStaffInput.parse(input);
  const result = await db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: users.id, role: users.role })
      .from(users)
      .where(and(eq(users.email, email), isNull(users.deletedAt)));
    if (existing) {
      if (existing.role !== role) await tx.update(users).set({ role }).where(eq(users.id, existing.id));
      await recordAudit(tx, systemActor, {
        action: 'user.staff_role_granted',
        entityType: 'user',
        entityId: existing.id,
        oldValues: { role: existing.role },
        newValues: { role },
      });
      return { userId: existing.id, created: false, previousRole: existing.role as string };
    }
    const [user] = await tx
      .insert(users)
      .values({ email, name: name ?? email.split('@')[0], role, emailVerifiedAt: new Date() })
      .returning({ id: users.id });
    if (!user) throw new Error('user insert returned nothing');
    await recordAudit(tx, systemActor, {
      action: 'user.staff_role_granted',
      entityType: 'user',
      entityId: user.id,
      newValues: { role, created: true },
    });
    return { userId: user.id, created: true, previousRole: null };
  });
  // A new staff member chooses a password through a one-time link (no password ever on a command line).
  const emailIds = result.created ? (await requestPasswordReset(db, email)).emailIds : [];
  return { ...result, emailIds };
}
