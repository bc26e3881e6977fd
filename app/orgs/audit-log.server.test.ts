// The audit log page's query: scoped to the organization, filtered by actor, action and UTC date,
// newest first, keyset pages on (created_at, id) that neither skip nor repeat rows.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { recordAudit } from '~/audit/audit.server';
import { useTestDatabase } from '../../tests/support/db';
import { AUDIT_PAGE_SIZE, auditFilterOptions, auditFilterSchema, listAuditLog } from './audit-log.server';
import { addMember, createOrg } from './test-support';

const t = useTestDatabase();

describe('audit log', () => {
  it('pages through every entry once, newest first, also with equal timestamps', async () => {
    const { organization, owner } = await createOrg(t.db);
    // Same created_at for many rows: only the id breaks the tie.
    await t.db.transaction(async (tx) => {
      for (let i = 0; i < AUDIT_PAGE_SIZE * 2 + 3; i++) {
        await recordAudit(tx, owner.actor, {
          organizationId: organization.id,
          action: 'test.bulk',
          entityType: 'test',
          entityId: String(i),
        });
      }
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listAuditLog(t.db, owner.actor, organization.id, { cursor });
      seen.push(...page.entries.map((e) => e.id));
      for (let i = 1; i < page.entries.length; i++) {
        const [a, b] = [page.entries[i - 1]!, page.entries[i]!];
        expect(
          a.createdAt.getTime() > b.createdAt.getTime() ||
            (a.createdAt.getTime() === b.createdAt.getTime() && a.id > b.id),
        ).toBe(true);
      }
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    // + organization.created
    expect(seen).toHaveLength(AUDIT_PAGE_SIZE * 2 + 4);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by actor, action and date, and never shows another organization’s rows', async () => {
    const { organization, owner } = await createOrg(t.db);
    const admin = await addMember(t.db, organization.id, 'ADMIN');
    const other = await createOrg(t.db);
    await recordAudit(t.db, admin.actor, {
      organizationId: organization.id,
      action: 'x.admin',
      entityType: 'x',
    });
    await recordAudit(t.db, owner.actor, {
      organizationId: organization.id,
      action: 'x.owner',
      entityType: 'x',
    });
    await recordAudit(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      action: 'x.other',
      entityType: 'x',
    });
    await t.db.execute(
      sql`INSERT INTO audit_logs (user_id, actor_type, organization_id, action, entity_type, created_at)
          VALUES (${owner.id}, 'USER', ${organization.id}, 'x.old', 'x', '2020-01-15T12:00:00Z')`,
    );
    const actions = async (filter: Record<string, string>) =>
      (await listAuditLog(t.db, owner.actor, organization.id, auditFilterSchema.parse(filter))).entries
        .map((e) => e.action)
        .sort();

    expect(await actions({ actor: admin.id })).toEqual(['x.admin']);
    expect(await actions({ action: 'x.owner' })).toEqual(['x.owner']);
    expect(await actions({ from: '2020-01-15', to: '2020-01-15' })).toEqual(['x.old']);
    expect(await actions({ to: '2020-01-14' })).toEqual([]);
    expect(await actions({})).not.toContain('x.other');
    const options = await auditFilterOptions(t.db, owner.actor, organization.id);
    expect(options.actions).toEqual(['organization.created', 'x.admin', 'x.old', 'x.owner']);
    expect(options.actors.map((a) => a.id).sort()).toEqual([owner.id, admin.id].sort());
    expect(auditFilterSchema.safeParse({ from: '2020-13-45' }).success).toBe(false);
  });
});
