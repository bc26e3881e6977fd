// Destructive actions ask first (issue 8): without confirm=yes a POST removes, deletes, revokes or switches
// nothing and answers with the question; with confirm=yes it does it. Foreign ids are still 404 and a role
// that may not do it still gets 403 — before any question is asked.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { createProject } from '~/orgs/projects.server';
import { addMember, cookieFor, createOrg, uid } from '~/orgs/test-support';
import * as apiKeysPage from '~/routes/o.$slug.api-keys';
import * as billingPage from '~/routes/o.$slug.billing';
import * as membersPage from '~/routes/o.$slug.members';
import * as projectsPage from '~/routes/o.$slug.projects._index';
import { apiKeys, organizationMembers, plans, projects, subscriptions } from '~db/schema';
import { postgresAvailable, useAppTestDatabase } from '../../tests/support/db';
import { postForm, type RouteFn, runRoute } from '../../tests/support/routes';

const t = useAppTestDatabase();

async function setup() {
  const { organization, owner } = await createOrg(t.db);
  const cookie = await cookieFor(t.db, owner.id);
  const member = await addMember(t.db, organization.id, 'MEMBER');
  const project = await createProject(t.db, owner.actor, {
    organizationId: organization.id,
    name: 'Website',
    slug: `website-${uid()}`,
  });
  const key = await createApiKey(t.db, owner.actor, {
    organizationId: organization.id,
    name: 'Exporter',
    scopes: ['usage:read'],
  });
  return { organization, owner, cookie, member, project, key };
}

const post = (
  mod: { action: unknown },
  slug: string,
  page: string,
  cookie: string,
  form: Record<string, string>,
) => runRoute(mod.action as RouteFn, postForm(`/o/${slug}/${page}`, cookie, form), { slug });

async function planOf(organizationId: string) {
  const [row] = await t.db
    .select({ key: plans.key })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  return row?.key;
}

describe.skipIf(!postgresAvailable())('destructive actions ask first', () => {
  it('member removal, project deletion, key revocation and plan change: question first, then the change', async () => {
    const s = await setup();
    const slug = s.organization.slug;
    const cases: {
      mod: { action: unknown };
      page: string;
      form: Record<string, string>;
      says: string;
      exists: () => Promise<boolean>;
    }[] = [
      {
        mod: membersPage,
        page: 'members',
        form: { intent: 'remove', memberId: s.member.memberId },
        says: `This will remove ${s.member.email} from ${s.organization.name}`,
        exists: async () =>
          (await t.db.select().from(organizationMembers).where(eq(organizationMembers.id, s.member.memberId)))
            .length === 1,
      },
      {
        mod: projectsPage,
        page: 'projects',
        form: { intent: 'delete', projectId: s.project.id },
        says: 'This will delete Website for everyone',
        exists: async () =>
          (await t.db.select().from(projects).where(eq(projects.id, s.project.id))).length === 1,
      },
      {
        mod: apiKeysPage,
        page: 'api-keys',
        form: { intent: 'revoke', apiKeyId: s.key.id },
        says: `This will stop ${s.key.prefix}…`,
        exists: async () =>
          (await t.db.select().from(apiKeys).where(eq(apiKeys.id, s.key.id)))[0]?.isActive === true,
      },
      {
        mod: billingPage,
        page: 'billing',
        form: { intent: 'change-plan', planKey: 'monthly' },
        says: `This will move ${s.organization.name} from Free to Professional ($29.00 / month)`,
        exists: async () => (await planOf(s.organization.id)) === 'free',
      },
    ];
    for (const c of cases) {
      const asked = await post(c.mod, slug, c.page, s.cookie, c.form);
      expect(asked.status, c.page).toBe(200);
      const confirm = (
        asked.data as { confirm?: { intent: string; fields: Record<string, string>; message: string } }
      ).confirm;
      expect(confirm?.message, c.page).toContain(c.says);
      const { intent, ...fields } = c.form;
      expect(confirm).toMatchObject({ intent, fields });
      expect(await c.exists(), `${c.page}: nothing changed before confirming`).toBe(true);

      const done = await post(c.mod, slug, c.page, s.cookie, { ...c.form, confirm: 'yes' });
      expect(done.status, c.page).toBe(302);
      expect(await c.exists(), `${c.page}: changed after confirming`).toBe(false);
    }
  });

  it('another organization’s ids are 404 and a MEMBER gets 403 before any question', async () => {
    const a = await setup();
    const b = await setup();
    const slug = a.organization.slug;
    for (const [mod, page, form] of [
      [membersPage, 'members', { intent: 'remove', memberId: b.member.memberId }],
      [projectsPage, 'projects', { intent: 'delete', projectId: b.project.id }],
      [apiKeysPage, 'api-keys', { intent: 'revoke', apiKeyId: b.key.id }],
    ] as const) {
      expect((await post(mod, slug, page, a.cookie, form)).status, page).toBe(404);
    }
    const memberCookie = await cookieFor(t.db, a.member.id);
    for (const [mod, page, form] of [
      [membersPage, 'members', { intent: 'remove', memberId: a.owner.id }],
      [apiKeysPage, 'api-keys', { intent: 'revoke', apiKeyId: a.key.id }],
    ] as const) {
      expect((await post(mod, slug, page, memberCookie, form)).status, page).toBe(403);
    }
    const billing = await addMember(t.db, a.organization.id, 'BILLING');
    const billingCookie = await cookieFor(t.db, billing.id);
    const refused = await post(billingPage, slug, 'billing', billingCookie, {
      intent: 'change-plan',
      planKey: 'monthly',
    });
    expect(refused.status).toBe(403);
    expect(await planOf(a.organization.id)).toBe('free');
  });
});
