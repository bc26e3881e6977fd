// The domain half of the staff guard (app/admin/staff.server.ts checks the request; domain functions of
// the store's admin side check again, so no other caller skips the matrix of app/admin/permissions.ts).
import { and, eq, isNull } from 'drizzle-orm';
import { type StaffAction, staffCan, staffForbiddenMessage } from '~/admin/permissions';
import type { Actor } from '~/audit/audit.server';
import { Forbidden } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { users } from '~db/schema';

export async function assertStaff(db: Database, actor: Actor, action: StaffAction): Promise<void> {
  if (!actor.userId) throw new Forbidden('Only platform staff can do this.');
  const [row] = await db
    .select({ role: users.role })
    .from(users)
    .where(and(eq(users.id, actor.userId), eq(users.status, 'ACTIVE'), isNull(users.deletedAt)));
  const role = row?.role;
  if (role !== 'ADMIN' && role !== 'SUPPORT') throw new Forbidden('Only platform staff can do this.');
  if (!staffCan(role, action)) throw new Forbidden(staffForbiddenMessage(role, action));
}
