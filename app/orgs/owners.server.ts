// The sole-owner rule (SPEC §2: an organization always keeps at least one OWNER), in one place for every
// path that could take the last one away: a role change, a removal, leaving, and account deletion.
// Callers hold the organization row lock (SPEC §3), so two owners stepping down at once cannot both pass.
import { sql } from 'drizzle-orm';
import { Conflict } from '~/lib/errors';
import { type Database, rowsOf } from '~db/client.server';
import type { OrganizationRef } from './access.server';

export const LAST_OWNER_MESSAGE =
  'This is the organization’s last owner, and an organization needs at least one. Make another member an owner first, or delete the organization.';

/** The organizations (all of the user's, or those of `organizationIds`) where `userId` is the only OWNER. */
export async function soleOwnerships(
  db: Database,
  userId: string,
  organizationIds?: string[],
): Promise<OrganizationRef[]> {
  const only = organizationIds ? sql`AND o.id IN ${organizationIds}` : sql``;
  if (organizationIds?.length === 0) return [];
  return rowsOf<OrganizationRef>(
    await db.execute(sql`
      SELECT o.id, o.name, o.slug
        FROM organization_members m JOIN organizations o ON o.id = m.organization_id
       WHERE m.user_id = ${userId} AND m.role = 'OWNER' ${only}
         AND NOT EXISTS (
           SELECT 1 FROM organization_members other
            WHERE other.organization_id = m.organization_id AND other.role = 'OWNER' AND other.user_id <> m.user_id)
       ORDER BY o.name, o.id`),
  );
}

/** Refuses (409) when `userId` is the only OWNER of the organization. */
export async function assertNotSoleOwner(
  db: Database,
  organizationId: string,
  userId: string,
): Promise<void> {
  if ((await soleOwnerships(db, userId, [organizationId])).length > 0) throw new Conflict(LAST_OWNER_MESSAGE);
}
