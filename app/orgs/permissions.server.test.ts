// SPEC §2's permission matrix, one test per cell: every (action, role) runs the action's probe as a
// member with that role in a fresh organization, and expects it to succeed (allowed) or to be refused
// with Forbidden (not allowed). The loop is over PERMISSIONS, so a new action without a probe fails.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Forbidden } from '~/lib/errors';
import type { Database } from '~db/client.server';
import { subscriptions } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { authorize } from './access.server';
import { auditFilterOptions, listAuditLog } from './audit-log.server';
import { cancelInvitation, inviteMember, listInvitations, resendInvitation } from './invitations.server';
import {
  changeRole,
  leaveOrganization,
  listMembers,
  removeMember,
  transferOwnership,
} from './members.server';
import { disableModule, enableModule, listModules } from './modules.server';
import {
  deleteOrganization,
  deletionSummary,
  getDashboard,
  getOrganizationSettings,
  updateOrganization,
} from './organizations.server';
import { ACTIONS, type Action, can, PERMISSIONS, ROLES } from './permissions';
import { createProject, deleteProject, listProjects, updateProject } from './projects.server';
import {
  addTeamMember,
  createTeam,
  deleteTeam,
  listTeams,
  removeTeamMember,
  renameTeam,
} from './teams.server';
import { addMember, createOrg, createUser, type TestUser, uid } from './test-support';

const t = useTestDatabase();

interface Cell {
  db: Database;
  organization: { id: string; slug: string; name: string };
  actor: TestUser['actor'];
  /** A MEMBER the actor can act on. */
  target: { id: string; memberId: string };
  /** The second OWNER. */
  coOwnerMemberId: string;
  /** A third OWNER. */
  coOwner2MemberId: string;
  projectId: string;
  teamId: string;
  invitationId: string;
}

/** A fresh organization: three owners (so an owner may leave, demote and remove owners), a target member, a project, a team, an invitation. */
async function setUp(role: (typeof ROLES)[number]): Promise<Cell> {
  const db = t.db;
  const { organization, owner } = await createOrg(db);
  const coOwner = await addMember(db, organization.id, 'OWNER');
  const coOwner2 = await addMember(db, organization.id, 'OWNER');
  const actor = role === 'OWNER' ? owner : await addMember(db, organization.id, role);
  const target = await addMember(db, organization.id, 'MEMBER');
  const project = await createProject(db, owner.actor, {
    organizationId: organization.id,
    name: 'P',
    slug: `p-${uid()}`,
  });
  const team = await createTeam(db, owner.actor, { organizationId: organization.id, name: `Team ${uid()}` });
  const { invitation } = await inviteMember(db, owner.actor, {
    organizationId: organization.id,
    email: `invitee-${uid()}@example.com`,
    role: 'MEMBER',
  });
  return {
    db,
    organization,
    actor: actor.actor,
    target: { id: target.id, memberId: target.memberId },
    coOwnerMemberId: coOwner.memberId,
    coOwner2MemberId: coOwner2.memberId,
    projectId: project.id,
    teamId: team.id,
    invitationId: invitation.id,
  };
}

type Probe = (c: Cell) => Promise<unknown>;
const guard =
  (action: Action): Probe =>
  (c) =>
    authorize(c.db, c.actor, c.organization.id, action);

/**
 * What each action does in this domain. Actions whose features arrive with other issues (usage,
 * tickets, rooms, apps, API keys, billing) are probed through the guard those features call.
 */
const PROBES: Record<Action, Probe[]> = {
  'organization:view': [
    (c) => getDashboard(c.db, c.actor, c.organization.id),
    (c) => listMembers(c.db, c.actor, c.organization.id),
    (c) => listTeams(c.db, c.actor, c.organization.id),
    (c) => listInvitations(c.db, c.actor, c.organization.id),
    (c) => listProjects(c.db, c.actor, c.organization.id),
    (c) => listModules(c.db, c.actor, c.organization.id),
  ],
  'usage:view': [
    (c) => import('~/usage/usage.server').then((m) => m.getUsageOverview(c.db, c.actor, c.organization.id)),
  ],
  'tickets:use': [
    (c) =>
      import('~/support/tickets.server').then(async (m) => {
        const organizationId = c.organization.id;
        const ticket = await m.openTicket(c.db, c.actor, {
          organizationId,
          subject: 'Help',
          description: 'Hi',
        });
        await m.listTickets(c.db, c.actor, { organizationId });
        await m.replyToTicket(c.db, c.actor, { organizationId, ticketId: ticket.id, message: 'More' });
        return m.closeTicket(c.db, c.actor, { organizationId, ticketId: ticket.id });
      }),
  ],
  'projects:manage': [
    (c) =>
      createProject(c.db, c.actor, { organizationId: c.organization.id, name: 'New', slug: `n-${uid()}` }),
    (c) =>
      updateProject(c.db, c.actor, {
        organizationId: c.organization.id,
        projectId: c.projectId,
        name: 'Renamed',
        slug: `r-${uid()}`,
      }),
    (c) => deleteProject(c.db, c.actor, { organizationId: c.organization.id, projectId: c.projectId }),
  ],
  'rooms:create': [guard('rooms:create')],
  'rooms:manage-own': [guard('rooms:manage-own')],
  'rooms:manage-any': [guard('rooms:manage-any')],
  'apps:manage': [guard('apps:manage')],
  'organization:edit': [
    (c) => getOrganizationSettings(c.db, c.actor, c.organization.id),
    (c) =>
      updateOrganization(c.db, c.actor, {
        organizationId: c.organization.id,
        name: 'Renamed org',
        slug: c.organization.slug,
      }),
  ],
  'members:invite': [
    (c) =>
      inviteMember(c.db, c.actor, {
        organizationId: c.organization.id,
        email: `x-${uid()}@example.com`,
        role: 'ADMIN',
      }),
    (c) =>
      resendInvitation(c.db, c.actor, { organizationId: c.organization.id, invitationId: c.invitationId }),
    (c) =>
      cancelInvitation(c.db, c.actor, { organizationId: c.organization.id, invitationId: c.invitationId }),
  ],
  'members:remove': [
    (c) => removeMember(c.db, c.actor, { organizationId: c.organization.id, memberId: c.target.memberId }),
  ],
  'members:change-role': [
    (c) =>
      changeRole(c.db, c.actor, {
        organizationId: c.organization.id,
        memberId: c.target.memberId,
        role: 'ADMIN',
      }),
    (c) =>
      changeRole(c.db, c.actor, {
        organizationId: c.organization.id,
        memberId: c.target.memberId,
        role: 'BILLING',
      }),
  ],
  'teams:manage': [
    (c) => createTeam(c.db, c.actor, { organizationId: c.organization.id, name: `T ${uid()}` }),
    (c) =>
      renameTeam(c.db, c.actor, { organizationId: c.organization.id, teamId: c.teamId, name: `R ${uid()}` }),
    (c) =>
      addTeamMember(c.db, c.actor, {
        organizationId: c.organization.id,
        teamId: c.teamId,
        userId: c.target.id,
      }),
    (c) =>
      removeTeamMember(c.db, c.actor, {
        organizationId: c.organization.id,
        teamId: c.teamId,
        userId: c.target.id,
      }),
    (c) => deleteTeam(c.db, c.actor, { organizationId: c.organization.id, teamId: c.teamId }),
  ],
  'modules:manage': [
    (c) => enableModule(c.db, c.actor, { organizationId: c.organization.id, moduleKey: 'crm' }),
    (c) => disableModule(c.db, c.actor, { organizationId: c.organization.id, moduleKey: 'crm' }),
  ],
  'api-keys:manage': [
    (c) => import('~/api-keys/api-keys.server').then((m) => m.listApiKeys(c.db, c.actor, c.organization.id)),
    (c) =>
      import('~/api-keys/api-keys.server').then(async (m) =>
        m.revokeApiKey(c.db, c.actor, {
          organizationId: c.organization.id,
          apiKeyId: (
            await m.createApiKey(c.db, c.actor, {
              organizationId: c.organization.id,
              name: 'Probe',
              scopes: ['usage:read'],
            })
          ).id,
        }),
      ),
  ],
  'audit:view': [
    (c) => listAuditLog(c.db, c.actor, c.organization.id, {}),
    (c) => auditFilterOptions(c.db, c.actor, c.organization.id),
  ],
  'billing:view': [
    (c) =>
      import('~/billing/subscriptions.server').then((m) =>
        m.getBillingOverview(c.db, c.actor, c.organization.id),
      ),
  ],
  // The Stripe side is app/billing/stripe-billing.server.test.ts (a fake Stripe server); here only the
  // permission is in question, so Stripe is a stand-in that opens any portal.
  'billing:portal': [
    async (c) => {
      await c.db
        .update(subscriptions)
        .set({ stripeCustomerId: `cus_${uid()}` })
        .where(eq(subscriptions.organizationId, c.organization.id));
      const stripe = {
        billingPortal: { sessions: { create: async () => ({ url: 'https://portal.invalid/' }) } },
      };
      return import('~/billing/stripe-billing.server').then((m) =>
        m.openBillingPortal(c.db, stripe as never, c.actor, c.organization.id, 'http://localhost/'),
      );
    },
  ],
  'billing:change-plan': [
    (c) =>
      import('~/billing/subscriptions.server').then((m) =>
        m.changePlan(c.db, c.actor, c.organization.id, 'monthly'),
      ),
  ],
  'owners:manage': [
    (c) =>
      changeRole(c.db, c.actor, {
        organizationId: c.organization.id,
        memberId: c.target.memberId,
        role: 'OWNER',
      }),
    (c) =>
      changeRole(c.db, c.actor, {
        organizationId: c.organization.id,
        memberId: c.coOwnerMemberId,
        role: 'ADMIN',
      }),
    (c) => removeMember(c.db, c.actor, { organizationId: c.organization.id, memberId: c.coOwner2MemberId }),
    (c) =>
      inviteMember(c.db, c.actor, {
        organizationId: c.organization.id,
        email: `o-${uid()}@example.com`,
        role: 'OWNER',
      }),
    (c) =>
      transferOwnership(c.db, c.actor, { organizationId: c.organization.id, memberId: c.target.memberId }),
  ],
  'organization:delete': [
    (c) => deletionSummary(c.db, c.actor, c.organization.id),
    (c) =>
      deleteOrganization(c.db, c.actor, { organizationId: c.organization.id, confirm: c.organization.slug }),
  ],
  'organization:leave': [(c) => leaveOrganization(c.db, c.actor, { organizationId: c.organization.id })],
};

describe('permission matrix (SPEC §2)', () => {
  it('has a probe for every action of the matrix', () => {
    expect(Object.keys(PROBES).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTIONS) expect(PROBES[action]?.length, action).toBeGreaterThan(0);
  });

  for (const action of ACTIONS) {
    for (const role of ROLES) {
      const allowed = PERMISSIONS[action].allowed[role];
      it(`${action} × ${role} → ${allowed ? 'allowed' : 'forbidden'}`, async () => {
        expect(can(role, action)).toBe(allowed);
        const probes = PROBES[action];
        expect(probes, `no probe for ${action}`).toBeDefined();
        const cell = await setUp(role);
        for (const probe of probes) {
          if (allowed) {
            await probe(cell);
          } else {
            const err = await probe(cell).then(
              () => null,
              (e: unknown) => e,
            );
            expect(err, `${action} as ${role} should be refused`).toBeInstanceOf(Forbidden);
            expect((err as Error).message).toMatch(/Your role|owners|Only a member/);
          }
        }
      });
    }
  }

  it('a non-member is told "not found", whatever the action', async () => {
    const { organization } = await createOrg(t.db);
    const stranger = await createUser(t.db);
    for (const action of ACTIONS) {
      await expect(authorize(t.db, stranger.actor, organization.id, action)).rejects.toMatchObject({
        status: 404,
      });
    }
  });
});
