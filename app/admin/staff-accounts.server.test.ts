// npm run admin:create's domain: promote an existing user, or create one with a set-password link.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser } from '~/orgs/test-support';
import { auditLogs, emailLogs, users } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { grantStaffRole } from './staff-accounts.server';

const t = useTestDatabase();

describe('grantStaffRole', () => {
  it('promotes an existing user, audited, without any email', async () => {
    const u = await createUser(t.db);
    const r = await grantStaffRole(t.db, { email: u.email, role: 'SUPPORT' });
    expect(r).toMatchObject({ userId: u.id, created: false, previousRole: 'CUSTOMER', emailIds: [] });
    const [row] = await t.db.select({ role: users.role }).from(users).where(eq(users.id, u.id));
    expect(row?.role).toBe('SUPPORT');
    const audit = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, u.id));
    expect(audit.map((a) => a.action)).toContain('user.staff_role_granted');
  });

  it('creates a new staff member with no password and emails a one-time set-password link', async () => {
    const email = `new-admin-${Date.now()}@example.com`;
    const r = await grantStaffRole(t.db, { email, role: 'ADMIN', name: 'Ada' });
    expect(r.created).toBe(true);
    expect(r.emailIds).toHaveLength(1);
    const [mail] = await t.db.select().from(emailLogs).where(eq(emailLogs.id, r.emailIds[0]!));
    expect(mail).toMatchObject({ to: email, template: 'reset-password' });
    const [row] = await t.db.select().from(users).where(eq(users.id, r.userId));
    expect(row).toMatchObject({ role: 'ADMIN', name: 'Ada' });
  });

  it('refuses a bad role or email with a message', async () => {
    await expect(grantStaffRole(t.db, { email: 'x@example.com', role: 'ROOT' as never })).rejects.toThrow(
      /ADMIN or SUPPORT/,
    );
    await expect(grantStaffRole(t.db, { email: 'not-an-email', role: 'ADMIN' })).rejects.toThrow(/email/);
  });
});
