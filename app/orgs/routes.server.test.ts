// The organization routes as a browser calls them (Request + session cookie): tenant isolation on
// every route (another organization's slug in the URL, or its ids in form fields → 404), the 403 with
// an explanation, BILLING's home, the switcher, and the forms' no-JavaScript answers.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as invitationPage from '~/routes/invitations.$token';
import * as orgLayout from '~/routes/o.$slug';
import * as dashboard from '~/routes/o.$slug._index';
import * as audit from '~/routes/o.$slug.audit';
import * as billing from '~/routes/o.$slug.billing';
import * as invitationsPage from '~/routes/o.$slug.invitations';
import * as members from '~/routes/o.$slug.members';
import * as modules from '~/routes/o.$slug.modules';
import * as projectsPage from '~/routes/o.$slug.projects._index';
import * as projectEdit from '~/routes/o.$slug.projects.$projectId';
import * as settings from '~/routes/o.$slug.settings';
import * as teamsPage from '~/routes/o.$slug.teams';
import * as orgsIndex from '~/routes/orgs._index';
import * as orgsNew from '~/routes/orgs.new';
import { invitations, organizationMembers, organizations, projects, sessions, teams } from '~db/schema';
import { postgresAvailable, useAppTestDatabase } from '../../tests/support/db';
import { getPage as get, postForm as post, type RouteFn, runRoute as run } from '../../tests/support/routes';
import { inviteMember } from './invitations.server';
import { createProject } from './projects.server';
import { createTeam } from './teams.server';
import { addMember, cookieFor, createOrg, createUser, type TestUser, uid } from './test-support';

const t = useAppTestDatabase();

/** Every organization route: its module, the path under /o/:slug, and a POST it accepts. */
const ROUTES = [
  { name: 'layout', mod: orgLayout, path: '', form: null },
  { name: 'dashboard', mod: dashboard, path: '', form: null },
  {
    name: 'members',
    mod: members,
    path: '/members',
    form: { intent: 'invite', email: 'x@example.com', role: 'MEMBER' },
  },
  {
    name: 'invitations',
    mod: invitationsPage,
    path: '/invitations',
    form: { intent: 'cancel', invitationId: 'x' },
  },
  { name: 'teams', mod: teamsPage, path: '/teams', form: { intent: 'create', name: 'Team' } },
  {
    name: 'projects',
    mod: projectsPage,
    path: '/projects',
    form: { intent: 'create', name: 'P', slug: 'pp' },
  },
  { name: 'project edit', mod: projectEdit, path: '/projects/PROJECT', form: { name: 'P', slug: 'pp' } },
  { name: 'modules', mod: modules, path: '/modules', form: { intent: 'enable', moduleKey: 'crm' } },
  { name: 'audit', mod: audit, path: '/audit', form: null },
  {
    name: 'settings',
    mod: settings,
    path: '/settings',
    form: { intent: 'update', name: 'Hacked', slug: 'hacked' },
  },
  { name: 'billing', mod: billing, path: '/billing', form: null },
] as const;

describe.skipIf(!postgresAvailable())('organization routes', () => {
  let a: { organization: { id: string; slug: string }; owner: TestUser; cookie: string; projectId: string };
  let b: {
    organization: { id: string; slug: string };
    owner: TestUser;
    cookie: string;
    member: Awaited<ReturnType<typeof addMember>>;
    projectId: string;
    teamId: string;
    invitationId: string;
  };

  beforeAll(async () => {
    const orgA = await createOrg(t.db);
    const projectA = await createProject(t.db, orgA.owner.actor, {
      organizationId: orgA.organization.id,
      name: 'A',
      slug: `a-${uid()}`,
    });
    a = { ...orgA, cookie: await cookieFor(t.db, orgA.owner.id), projectId: projectA.id };
    const orgB = await createOrg(t.db);
    const member = await addMember(t.db, orgB.organization.id, 'MEMBER');
    const project = await createProject(t.db, orgB.owner.actor, {
      organizationId: orgB.organization.id,
      name: 'B',
      slug: 'bb',
    });
    const team = await createTeam(t.db, orgB.owner.actor, {
      organizationId: orgB.organization.id,
      name: 'Team B',
    });
    const { invitation } = await inviteMember(t.db, orgB.owner.actor, {
      organizationId: orgB.organization.id,
      email: `inv-${uid()}@example.com`,
      role: 'MEMBER',
    });
    b = {
      ...orgB,
      cookie: await cookieFor(t.db, orgB.owner.id),
      member,
      projectId: project.id,
      teamId: team.id,
      invitationId: invitation.id,
    };
  });

  describe('a member of another organization gets 404 on every route of this one', () => {
    for (const route of ROUTES) {
      it(`${route.name}: GET${route.form ? ' and POST' : ''}`, async () => {
        const path = `/o/${b.organization.slug}${route.path.replace('PROJECT', b.projectId)}`;
        const params = { slug: b.organization.slug, projectId: b.projectId };
        expect((await run(route.mod.loader as RouteFn, get(path, a.cookie), params)).status).toBe(404);
        if (route.form && 'action' in route.mod) {
          expect(
            (await run(route.mod.action as RouteFn, post(path, a.cookie, route.form), params)).status,
          ).toBe(404);
        }
      });
    }

    it('an unknown slug is the same 404', async () => {
      const out = await run(orgLayout.loader as RouteFn, get('/o/no-such-org', a.cookie), {
        slug: 'no-such-org',
      });
      expect(out.status).toBe(404);
    });

    it('nothing of the other organization changed', async () => {
      const [org] = await t.db.select().from(organizations).where(eq(organizations.id, b.organization.id));
      expect(org?.name).not.toBe('Hacked');
      expect(await t.db.select().from(teams).where(eq(teams.organizationId, b.organization.id))).toHaveLength(
        1,
      );
      const [inv] = await t.db.select().from(invitations).where(eq(invitations.id, b.invitationId));
      expect(inv?.status).toBe('PENDING');
    });
  });

  describe('ids of another organization in form fields → 404, nothing changes', () => {
    const cases: [string, () => { mod: { action: RouteFn }; path: string; form: Record<string, string> }][] =
      [
        [
          'remove a member',
          () => ({
            mod: members as never,
            path: 'members',
            form: { intent: 'remove', memberId: b.member.memberId },
          }),
        ],
        [
          'change a role',
          () => ({
            mod: members as never,
            path: 'members',
            form: { intent: 'change-role', memberId: b.member.memberId, role: 'ADMIN' },
          }),
        ],
        [
          'transfer ownership',
          () => ({
            mod: members as never,
            path: 'members',
            form: { intent: 'transfer', memberId: b.member.memberId },
          }),
        ],
        [
          'invite into a team',
          () => ({
            mod: members as never,
            path: 'members',
            form: { intent: 'invite', email: `t-${uid()}@example.com`, role: 'MEMBER', teamId: b.teamId },
          }),
        ],
        [
          'cancel an invitation',
          () => ({
            mod: invitationsPage as never,
            path: 'invitations',
            form: { intent: 'cancel', invitationId: b.invitationId },
          }),
        ],
        [
          'resend an invitation',
          () => ({
            mod: invitationsPage as never,
            path: 'invitations',
            form: { intent: 'resend', invitationId: b.invitationId },
          }),
        ],
        [
          'rename a team',
          () => ({
            mod: teamsPage as never,
            path: 'teams',
            form: { intent: 'rename', teamId: b.teamId, name: 'Mine' },
          }),
        ],
        [
          'delete a team',
          () => ({ mod: teamsPage as never, path: 'teams', form: { intent: 'delete', teamId: b.teamId } }),
        ],
        [
          'add to a team',
          () => ({
            mod: teamsPage as never,
            path: 'teams',
            form: { intent: 'add-member', teamId: b.teamId, userId: a.owner.id },
          }),
        ],
        [
          'add another organization’s member to my team',
          () => ({
            mod: teamsPage as never,
            path: 'teams',
            form: { intent: 'add-member', teamId: 'MYTEAM', userId: b.member.id },
          }),
        ],
        [
          'delete a project',
          () => ({
            mod: projectsPage as never,
            path: 'projects',
            form: { intent: 'delete', projectId: b.projectId },
          }),
        ],
      ];
    let myTeam = '';
    beforeAll(async () => {
      myTeam = (
        await createTeam(t.db, a.owner.actor, { organizationId: a.organization.id, name: `Mine ${uid()}` })
      ).id;
    });

    for (const [name, make] of cases) {
      it(name, async () => {
        const c = make();
        const form = Object.fromEntries(
          Object.entries(c.form).map(([k, v]) => [k, v === 'MYTEAM' ? myTeam : v]),
        );
        const out = await run(c.mod.action, post(`/o/${a.organization.slug}/${c.path}`, a.cookie, form), {
          slug: a.organization.slug,
        });
        expect(out.status).toBe(404);
      });
    }

    it('editing a project of another organization through my slug', async () => {
      const params = { slug: a.organization.slug, projectId: b.projectId };
      const path = `/o/${a.organization.slug}/projects/${b.projectId}`;
      expect((await run(projectEdit.loader as RouteFn, get(path, a.cookie), params)).status).toBe(404);
      expect(
        (
          await run(
            projectEdit.action as RouteFn,
            post(path, a.cookie, { name: 'Mine', slug: 'mine' }),
            params,
          )
        ).status,
      ).toBe(404);
    });

    it('switching to an organization one is not a member of', async () => {
      expect(
        (
          await run(
            orgsIndex.action as RouteFn,
            post('/orgs', a.cookie, { organizationId: b.organization.id }),
            {},
          )
        ).status,
      ).toBe(404);
    });

    it('the other organization is untouched', async () => {
      expect(
        (
          await t.db.select().from(organizationMembers).where(eq(organizationMembers.id, b.member.memberId))
        )[0]?.role,
      ).toBe('MEMBER');
      expect((await t.db.select().from(projects).where(eq(projects.id, b.projectId)))[0]?.name).toBe('B');
      const [team] = await t.db.select().from(teams).where(eq(teams.id, b.teamId));
      expect(team?.name).toBe('Team B');
      const [inv] = await t.db.select().from(invitations).where(eq(invitations.id, b.invitationId));
      expect(inv?.status).toBe('PENDING');
    });
  });

  describe('roles at the routes', () => {
    it('a member whose role may not see a page gets 403 with an explanation', async () => {
      const cookie = await cookieFor(t.db, b.member.id);
      const params = { slug: b.organization.slug };
      const out = await run(audit.loader as RouteFn, get(`/o/${b.organization.slug}/audit`, cookie), params);
      expect(out.status).toBe(403);
      expect(out.text).toContain('Your role (Member) does not allow you to see the audit log');
      expect(
        (await run(settings.loader as RouteFn, get(`/o/${b.organization.slug}/settings`, cookie), params))
          .status,
      ).toBe(403);
      expect(
        (await run(dashboard.loader as RouteFn, get(`/o/${b.organization.slug}`, cookie), params)).status,
      ).toBe(200);
    });

    it('a domain refusal inside an action is a 403 with the message (no JavaScript needed)', async () => {
      const cookie = await cookieFor(t.db, b.member.id);
      const out = await run(
        modules.action as RouteFn,
        post(`/o/${b.organization.slug}/modules`, cookie, { intent: 'enable', moduleKey: 'crm' }),
        { slug: b.organization.slug },
      );
      expect(out.status).toBe(403);
      expect((out.data as { error: string }).error).toContain('enable and disable modules');
    });

    it('a BILLING member’s home is the billing page; other organization pages are 403', async () => {
      const billingMember = await addMember(t.db, b.organization.id, 'BILLING');
      const cookie = await cookieFor(t.db, billingMember.id);
      const params = { slug: b.organization.slug };
      const home = await run(dashboard.loader as RouteFn, get(`/o/${b.organization.slug}`, cookie), params);
      expect(home).toMatchObject({ status: 302, location: `/o/${b.organization.slug}/billing` });
      expect(
        (await run(billing.loader as RouteFn, get(`/o/${b.organization.slug}/billing`, cookie), params))
          .status,
      ).toBe(200);
      expect(
        (await run(members.loader as RouteFn, get(`/o/${b.organization.slug}/members`, cookie), params))
          .status,
      ).toBe(403);
    });

    it('signed out: organization pages redirect to sign-in', async () => {
      const out = await run(members.loader as RouteFn, get(`/o/${b.organization.slug}/members`), {
        slug: b.organization.slug,
      });
      expect(out.status).toBe(302);
      expect(out.location).toBe(
        `/login?redirectTo=${encodeURIComponent(`/o/${b.organization.slug}/members`)}`,
      );
    });
  });

  describe('switcher and creation', () => {
    it('a user without any organization lands on /orgs/new; creating one (slug from the name) activates it', async () => {
      const user = await createUser(t.db);
      const cookie = await cookieFor(t.db, user.id);
      expect(await run(orgsIndex.loader as RouteFn, get('/orgs', cookie), {})).toMatchObject({
        status: 302,
        location: '/orgs/new',
      });
      const name = `Blue Sky ${uid()}`;
      const created = await run(orgsNew.action as RouteFn, post('/orgs/new', cookie, { name, slug: '' }), {});
      const slug = name.toLowerCase().replaceAll(' ', '-');
      expect(created).toMatchObject({ status: 302, location: `/o/${slug}` });
      const [session] = await t.db.select().from(sessions).where(eq(sessions.userId, user.id));
      const [org] = await t.db.select().from(organizations).where(eq(organizations.slug, slug));
      expect(session?.activeOrganizationId).toBe(org?.id);
      expect((await run(orgsIndex.loader as RouteFn, get('/orgs', cookie), {})).status).toBe(200);
    });

    it('the switcher stores the chosen organization on the session; a BILLING member goes to billing', async () => {
      const user = await createUser(t.db);
      const cookie = await cookieFor(t.db, user.id);
      await addMember(t.db, b.organization.id, 'BILLING', user);
      const own = await createOrg(t.db, user);
      const toOwn = await run(
        orgsIndex.action as RouteFn,
        post('/orgs', cookie, { organizationId: own.organization.id }),
        {},
      );
      expect(toOwn).toMatchObject({ status: 302, location: `/o/${own.organization.slug}` });
      const [session] = await t.db.select().from(sessions).where(eq(sessions.userId, user.id));
      expect(session?.activeOrganizationId).toBe(own.organization.id);
      const toB = await run(
        orgsIndex.action as RouteFn,
        post('/orgs', cookie, { organizationId: b.organization.id }),
        {},
      );
      expect(toB).toMatchObject({ status: 302, location: `/o/${b.organization.slug}/billing` });
      const layout = await run(orgLayout.loader as RouteFn, get(`/o/${own.organization.slug}`, cookie), {
        slug: own.organization.slug,
      });
      const names = (layout.data as { organizations: { id: string }[] }).organizations
        .map((o) => o.id)
        .sort();
      expect(names).toEqual([own.organization.id, b.organization.id].sort());
    });

    it('a reserved or taken slug answers 400/409 with the error next to the field', async () => {
      const user = await createUser(t.db);
      const cookie = await cookieFor(t.db, user.id);
      const reserved = await run(
        orgsNew.action as RouteFn,
        post('/orgs/new', cookie, { name: 'Admin', slug: 'admin' }),
        {},
      );
      expect(reserved.status).toBe(400);
      expect(JSON.stringify(reserved.data)).toContain('This address is reserved');
      const taken = await run(
        orgsNew.action as RouteFn,
        post('/orgs/new', cookie, { name: 'Taken', slug: a.organization.slug }),
        {},
      );
      expect(taken.status).toBe(409);
      expect(JSON.stringify(taken.data)).toContain('That address is taken');
    });

    it('an unknown invitation token is a 404 page', async () => {
      const out = await run(invitationPage.loader as RouteFn, get('/invitations/nope-nope-nope'), {
        token: 'nope-nope-nope',
      });
      expect(out.status).toBe(404);
    });
  });
});
