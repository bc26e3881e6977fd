// Teams and team members (seed 000): groups inside an organization. A team member must be a member
// of the team's organization (database trigger, SPEC §5); here a foreign id is simply "not found".
import { and, asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound } from '~/lib/errors';
import { type Database, isUniqueViolation } from '~db/client.server';
import { organizationMembers, teamMembers, teams, users } from '~db/schema';
import { authorize } from './access.server';
import { teamFormSchema } from './schemas';

export { teamFormSchema };

const orgId = z.string().min(1);

const taken = (name: string) =>
  new Conflict(`A team named “${name}” already exists.`, { name: ['That name is taken'] });

export async function listTeams(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  const rows = await db
    .select({ id: teams.id, name: teams.name, createdAt: teams.createdAt })
    .from(teams)
    .where(eq(teams.organizationId, organizationId))
    .orderBy(asc(teams.name), asc(teams.id));
  const ids = rows.map((t) => t.id);
  const members = ids.length
    ? await db
        .select({
          teamId: teamMembers.teamId,
          id: teamMembers.id,
          userId: users.id,
          name: users.name,
          email: users.email,
        })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        .where(inArray(teamMembers.teamId, ids))
        .orderBy(asc(users.email))
    : [];
  return rows.map((t) => ({ ...t, members: members.filter((m) => m.teamId === t.id) }));
}

async function findTeam(tx: Database, organizationId: string, teamId: string) {
  const [team] = await tx
    .select()
    .from(teams)
    .where(and(eq(teams.id, teamId), eq(teams.organizationId, organizationId)));
  if (!team) throw new NotFound('Team not found');
  return team;
}

export const createTeamInput = teamFormSchema.extend({ organizationId: orgId });

export async function createTeam(db: Database, actor: Actor, input: z.infer<typeof createTeamInput>) {
  const { organizationId, name } = createTeamInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      await authorize(tx, actor, organizationId, 'teams:manage');
      const [team] = await tx.insert(teams).values({ organizationId, name }).returning();
      if (!team) throw new Error('team insert returned nothing');
      await recordAudit(tx, actor, {
        organizationId,
        action: 'team.created',
        entityType: 'team',
        entityId: team.id,
        newValues: { name },
      });
      return team;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(name);
    throw err;
  }
}

export const renameTeamInput = teamFormSchema.extend({ organizationId: orgId, teamId: z.string().min(1) });

export async function renameTeam(db: Database, actor: Actor, input: z.infer<typeof renameTeamInput>) {
  const { organizationId, teamId, name } = renameTeamInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      await authorize(tx, actor, organizationId, 'teams:manage');
      const team = await findTeam(tx, organizationId, teamId);
      await tx.update(teams).set({ name }).where(eq(teams.id, team.id));
      await recordAudit(tx, actor, {
        organizationId,
        action: 'team.renamed',
        entityType: 'team',
        entityId: team.id,
        oldValues: { name: team.name },
        newValues: { name },
      });
      return { ...team, name };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(name);
    throw err;
  }
}

export const teamInput = z.object({ organizationId: orgId, teamId: z.string().min(1) });

export async function deleteTeam(db: Database, actor: Actor, input: z.infer<typeof teamInput>) {
  const { organizationId, teamId } = teamInput.parse(input);
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'teams:manage');
    const team = await findTeam(tx, organizationId, teamId);
    await tx.delete(teams).where(eq(teams.id, team.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'team.deleted',
      entityType: 'team',
      entityId: team.id,
      oldValues: { name: team.name },
    });
    return team;
  });
}

export const teamMemberInput = z.object({
  organizationId: orgId,
  teamId: z.string().min(1),
  userId: z.string().min(1),
});

export async function addTeamMember(db: Database, actor: Actor, input: z.infer<typeof teamMemberInput>) {
  const { organizationId, teamId, userId } = teamMemberInput.parse(input);
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'teams:manage');
    const team = await findTeam(tx, organizationId, teamId);
    const [member] = await tx
      .select({ id: organizationMembers.id })
      .from(organizationMembers)
      .where(
        and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)),
      );
    if (!member) throw new NotFound('Member not found');
    const [row] = await tx
      .insert(teamMembers)
      .values({ teamId: team.id, userId })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new Conflict('Already in this team.', { userId: ['Already in this team'] });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'team.member_added',
      entityType: 'team',
      entityId: team.id,
      newValues: { userId },
    });
    return row;
  });
}

export async function removeTeamMember(db: Database, actor: Actor, input: z.infer<typeof teamMemberInput>) {
  const { organizationId, teamId, userId } = teamMemberInput.parse(input);
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'teams:manage');
    const team = await findTeam(tx, organizationId, teamId);
    const [row] = await tx
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, userId)))
      .returning();
    if (!row) throw new NotFound('Team member not found');
    await recordAudit(tx, actor, {
      organizationId,
      action: 'team.member_removed',
      entityType: 'team',
      entityId: team.id,
      oldValues: { userId },
    });
    return row;
  });
}
