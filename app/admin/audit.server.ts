// The platform audit log (/admin/audit): every organization's entries and the platform's own (staff and
// system actions carry no organization), with the organization page's filters (app/orgs/audit-log.server.ts
// builds the query and the sentences) plus an organization; the actor is typed as an email here.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditFilterSchema, queryAuditLog } from '~/orgs/audit-log.server';
import type { Database } from '~db/client.server';
import { auditLogs, organizations, users } from '~db/schema';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
export const platformAuditFilterSchema = auditFilterSchema.omit({ actor: true }).extend({
  actorEmail: z.preprocess(blank, z.string().trim().toLowerCase().max(320).optional()),
  organization: z.preprocess(blank, z.string().trim().max(100).optional()),
});

export async function listPlatformAuditLog(db: Database, filter: z.infer<typeof platformAuditFilterSchema>) {
  const [actor] = filter.actorEmail
    ? await db.select({ id: users.id }).from(users).where(eq(users.email, filter.actorEmail))
    : [];
  const [organization] = filter.organization
    ? await db
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.slug, filter.organization))
    : [];
  // An unknown email or slug matches nothing (not everything).
  if ((filter.actorEmail && !actor) || (filter.organization && !organization))
    return { entries: [], nextCursor: null };
  const page = await queryAuditLog(db, organization?.id ?? null, {
    actor: actor?.id,
    action: filter.action,
    from: filter.from,
    to: filter.to,
    cursor: filter.cursor,
  });
  const slugs = await db.select({ id: organizations.id, slug: organizations.slug }).from(organizations);
  const slugOf = new Map(slugs.map((o) => [o.id, o.slug]));
  return {
    ...page,
    entries: page.entries.map((e) => ({
      ...e,
      organizationSlug: e.organizationId ? (slugOf.get(e.organizationId) ?? null) : null,
    })),
  };
}

export async function auditActions(db: Database) {
  const rows = await db
    .selectDistinct({ action: auditLogs.action })
    .from(auditLogs)
    .orderBy(asc(auditLogs.action));
  return rows.map((r) => r.action);
}
