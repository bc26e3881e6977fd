// Organizations: creation (everything in one transaction), slugs, the switcher, the dashboard,
// settings, and deletion (OWNER, typed confirmation, one statement; apps and store orders stay).
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Conflict, NotFound } from '~/lib/errors';
import {
  auditLogs,
  billingAccounts,
  organizationMembers,
  organizationModules,
  organizations,
  plans,
  sessions,
  subscriptions,
} from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { enableModule } from './modules.server';
import {
  createOrganization,
  createOrganizationInput,
  deleteOrganization,
  deletionSummary,
  getDashboard,
  listMyOrganizations,
  setActiveOrganization,
  updateOrganization,
} from './organizations.server';
import { createProject } from './projects.server';
import { RESERVED_SLUGS, suggestSlug } from './slug';
import { addMember, cookieFor, countRows, createOrg, createUser, uid } from './test-support';

const t = useTestDatabase();

describe('creating an organization', () => {
  it('makes the creator OWNER, with a free ACTIVE subscription without period end, a billing account and visitor_management', async () => {
    const user = await createUser(t.db);
    const org = await createOrganization(t.db, user.actor, { name: 'Acme', slug: `acme-${uid()}` });
    const [member] = await t.db
      .select()
      .from(organizationMembers)
      .where(eq(organizationMembers.organizationId, org.id));
    expect(member).toMatchObject({ userId: user.id, role: 'OWNER' });
    const [sub] = await t.db
      .select({ status: subscriptions.status, end: subscriptions.currentPeriodEnd, key: plans.key })
      .from(subscriptions)
      .innerJoin(plans, eq(plans.id, subscriptions.planId))
      .where(eq(subscriptions.organizationId, org.id));
    expect(sub).toEqual({ status: 'ACTIVE', end: null, key: 'free' });
    expect(
      await t.db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, org.id)),
    ).toHaveLength(1);
    const modules = await t.db
      .select()
      .from(organizationModules)
      .where(eq(organizationModules.organizationId, org.id));
    expect(modules.map((m) => [m.moduleKey, m.isEnabled])).toEqual([['visitor_management', true]]);
    const [audit] = await t.db.select().from(auditLogs).where(eq(auditLogs.entityId, org.id));
    expect(audit?.action).toBe('organization.created');
  });

  it('a taken slug is refused with a field error and leaves nothing behind', async () => {
    const { organization } = await createOrg(t.db);
    const user = await createUser(t.db);
    await expect(
      createOrganization(t.db, user.actor, { name: 'Copy', slug: organization.slug }),
    ).rejects.toMatchObject({
      fieldErrors: { slug: ['That address is taken'] },
    });
    expect(await listMyOrganizations(t.db, user.id)).toEqual([]);
  });

  it('reserved and malformed slugs are refused by the schema; the suggestion comes from the name', () => {
    for (const slug of RESERVED_SLUGS) {
      const r = createOrganizationInput.safeParse({ name: 'Name', slug });
      expect(r.success, slug).toBe(false);
      if (slug.length >= 2)
        expect(r.error?.issues.map((i) => i.message)).toEqual(['This address is reserved']);
    }
    for (const slug of ['a', '-ab', 'ab-', 'a--b', 'Ab C', 'x'.repeat(49)]) {
      expect(createOrganizationInput.safeParse({ name: 'Name', slug }).success, slug).toBe(false);
    }
    expect(suggestSlug('  Café Crème & Co. ')).toBe('cafe-creme-co');
  });
});

describe('the switcher and the dashboard', () => {
  it('lists the user’s organizations with roles; activating one stores it on the session; another one is not found', async () => {
    const user = await createUser(t.db);
    const mine = await createOrg(t.db, user);
    const theirs = await createOrg(t.db);
    await addMember(t.db, theirs.organization.id, 'BILLING', user);
    const stranger = await createOrg(t.db);
    const list = await listMyOrganizations(t.db, user.id);
    expect(list.map((o) => o.role).sort()).toEqual(['BILLING', 'OWNER']);
    await cookieFor(t.db, user.id);
    const [session] = await t.db.select().from(sessions).where(eq(sessions.userId, user.id));
    await setActiveOrganization(t.db, { sessionId: session!.id, userId: user.id }, mine.organization.id);
    const [after] = await t.db.select().from(sessions).where(eq(sessions.id, session!.id));
    expect(after?.activeOrganizationId).toBe(mine.organization.id);
    await expect(
      setActiveOrganization(t.db, { sessionId: session!.id, userId: user.id }, stranger.organization.id),
    ).rejects.toBeInstanceOf(NotFound);
  });

  it('the dashboard shows members, projects, the plan and enabled modules', async () => {
    const { organization, owner } = await createOrg(t.db);
    await addMember(t.db, organization.id, 'ADMIN');
    await createProject(t.db, owner.actor, { organizationId: organization.id, name: 'Alpha', slug: 'alpha' });
    await enableModule(t.db, owner.actor, { organizationId: organization.id, moduleKey: 'crm' });
    const d = await getDashboard(t.db, owner.actor, organization.id);
    expect(d.memberCount).toBe(2);
    expect(d.projects.map((p) => p.slug)).toEqual(['alpha']);
    expect(d.plan).toMatchObject({ key: 'free', limits: { members: 10, modules: 2 } });
    expect(d.modules.map((m) => m.key).sort()).toEqual(['crm', 'visitor_management']);
  });
});

describe('settings and deletion', () => {
  it('updates name, slug and contact fields with an audit row of old and new values', async () => {
    const { organization, owner } = await createOrg(t.db);
    const slug = `new-${uid()}`;
    await updateOrganization(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Renamed',
      slug,
      email: 'Billing@Example.com',
      phone: '',
    });
    const [row] = await t.db.select().from(organizations).where(eq(organizations.id, organization.id));
    expect(row).toMatchObject({ name: 'Renamed', slug, email: 'billing@example.com', phone: null });
    const [audit] = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'organization.updated'));
    expect(audit).toMatchObject({ oldValues: { slug: organization.slug }, newValues: { slug } });
    const other = await createOrg(t.db);
    await expect(
      updateOrganization(t.db, owner.actor, {
        organizationId: organization.id,
        name: 'Xy',
        slug: other.organization.slug,
      }),
    ).rejects.toBeInstanceOf(Conflict);
  });

  it('deletion needs the typed slug; then everything goes in one statement, apps and store orders stay', async () => {
    const { organization, owner } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    await createProject(t.db, owner.actor, { organizationId: organization.id, name: 'P', slug: 'pp' });
    const appId = `app-${uid()}`;
    await t.db.execute(
      sql`INSERT INTO apps (app_id, name, manifest, organization_id) VALUES (${appId}, 'App', '{}'::jsonb, ${organization.id})`,
    );
    await t.db.execute(
      sql`INSERT INTO orders (user_id, organization_id, order_number, subtotal, total_amount, billing_address)
          VALUES (${member.id}, ${organization.id}, ${`ORD-${uid()}`}, 100, 100, '{}'::jsonb)`,
    );
    const summary = await deletionSummary(t.db, owner.actor, organization.id);
    expect(summary.deleted.find((d) => d.label.startsWith('Members'))?.count).toBe(2);
    expect(summary.deleted.find((d) => d.label === 'Projects')?.count).toBe(1);
    expect(summary.kept.map((k) => k.count)).toEqual([1, 1]);

    await expect(
      deleteOrganization(t.db, owner.actor, { organizationId: organization.id, confirm: 'wrong' }),
    ).rejects.toMatchObject({ fieldErrors: { confirm: [`Type ${organization.slug} to confirm`] } });
    expect(await t.db.select().from(organizations).where(eq(organizations.id, organization.id))).toHaveLength(
      1,
    );

    await deleteOrganization(t.db, owner.actor, {
      organizationId: organization.id,
      confirm: organization.slug,
    });
    expect(await t.db.select().from(organizations).where(eq(organizations.id, organization.id))).toEqual([]);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM organization_members WHERE organization_id = ${organization.id}`,
      ),
    ).toBe(0);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM subscriptions WHERE organization_id = ${organization.id}`,
      ),
    ).toBe(0);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM apps WHERE app_id = ${appId} AND organization_id IS NULL`,
      ),
    ).toBe(1);
    expect(
      await countRows(
        t.db,
        sql`SELECT count(*) AS n FROM orders WHERE user_id = ${member.id} AND organization_id IS NULL`,
      ),
    ).toBe(1);
    const trail = await t.db.select().from(auditLogs).where(eq(auditLogs.organizationId, organization.id));
    expect(trail.map((a) => a.action)).toContain('organization.deleted');
  });
});
