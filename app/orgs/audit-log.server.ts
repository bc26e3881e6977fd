// The organization's audit log page (SPEC §2: OWNER and ADMIN): filter by actor, action and date,
// newest first, keyset pagination on (created_at, id) so pages stay stable while rows are appended.

import { and, asc, desc, eq, gte, isNotNull, lt, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '~/audit/audit.server';
import { keysetPage, olderThanCursor } from '~/lib/keyset.server';
import type { Database } from '~db/client.server';
import { auditLogs, users } from '~db/schema';
import { authorize } from './access.server';

export const AUDIT_PAGE_SIZE = 25;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2026-01-31')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'Not a valid date');
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The page's query string: ?actor=<user id>&action=<action>&from=YYYY-MM-DD&to=YYYY-MM-DD&cursor=… */
export const auditFilterSchema = z.object({
  actor: z.preprocess(blank, z.string().max(100).optional()),
  action: z.preprocess(blank, z.string().max(100).optional()),
  from: z.preprocess(blank, day.optional()),
  to: z.preprocess(blank, day.optional()),
  cursor: z.preprocess(blank, z.string().max(200).optional()),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export async function listAuditLog(db: Database, actor: Actor, organizationId: string, filter: AuditFilter) {
  await authorize(db, actor, organizationId, 'audit:view');
  const where: (SQL | undefined)[] = [eq(auditLogs.organizationId, organizationId)];
  if (filter.actor) where.push(eq(auditLogs.userId, filter.actor));
  if (filter.action) where.push(eq(auditLogs.action, filter.action));
  // Dates are UTC days; ISO strings, not Date objects, inside raw SQL (postgres.js).
  if (filter.from) where.push(gte(auditLogs.createdAt, sql`${`${filter.from}T00:00:00.000Z`}::timestamptz`));
  if (filter.to)
    where.push(lt(auditLogs.createdAt, sql`${`${filter.to}T00:00:00.000Z`}::timestamptz + interval '1 day'`));
  where.push(olderThanCursor(auditLogs.createdAt, auditLogs.id, filter.cursor));

  const rows = await db
    .select({
      id: auditLogs.id,
      createdAt: auditLogs.createdAt,
      action: auditLogs.action,
      actorType: auditLogs.actorType,
      userId: auditLogs.userId,
      actorName: users.name,
      actorEmail: users.email,
      entityType: auditLogs.entityType,
      entityId: auditLogs.entityId,
      oldValues: auditLogs.oldValues,
      newValues: auditLogs.newValues,
      ipAddress: auditLogs.ipAddress,
      userAgent: auditLogs.userAgent,
    })
    .from(auditLogs)
    .leftJoin(users, eq(users.id, auditLogs.userId))
    .where(and(...where))
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(AUDIT_PAGE_SIZE + 1);
  const { page, nextCursor } = keysetPage(rows, AUDIT_PAGE_SIZE);
  return { entries: page, nextCursor };
}

/** The choices of the filter form: who acted in this organization, and which actions occurred. */
export async function auditFilterOptions(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'audit:view');
  const actors = await db
    .selectDistinct({ id: users.id, name: users.name, email: users.email })
    .from(auditLogs)
    .innerJoin(users, eq(users.id, auditLogs.userId))
    .where(and(eq(auditLogs.organizationId, organizationId), isNotNull(auditLogs.userId)))
    .orderBy(asc(users.email));
  const actions = await db
    .selectDistinct({ action: auditLogs.action })
    .from(auditLogs)
    .where(eq(auditLogs.organizationId, organizationId))
    .orderBy(asc(auditLogs.action));
  return { actors, actions: actions.map((a) => a.action) };
}
