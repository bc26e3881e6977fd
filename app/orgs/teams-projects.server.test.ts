// Teams, team members and projects: the rules (unique names and slugs per organization, membership
// required, created_by kept) and tenant isolation (another organization's ids are "not found").
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Conflict, NotFound } from '~/lib/errors';
import { auditLogs, projects } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { createProject, deleteProject, listProjects, updateProject } from './projects.server';
import {
  addTeamMember,
  createTeam,
  deleteTeam,
  listTeams,
  removeTeamMember,
  renameTeam,
} from './teams.server';
import { addMember, createOrg, createUser, uid } from './test-support';

const t = useTestDatabase();

describe('teams', () => {
  it('create, rename, add and remove members, delete', async () => {
    const { organization, owner } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const o = organization.id;
    const team = await createTeam(t.db, owner.actor, { organizationId: o, name: 'Support' });
    await expect(createTeam(t.db, owner.actor, { organizationId: o, name: 'Support' })).rejects.toMatchObject(
      {
        fieldErrors: { name: ['That name is taken'] },
      },
    );
    await renameTeam(t.db, owner.actor, { organizationId: o, teamId: team.id, name: 'Care' });
    await addTeamMember(t.db, owner.actor, { organizationId: o, teamId: team.id, userId: member.id });
    await expect(
      addTeamMember(t.db, owner.actor, { organizationId: o, teamId: team.id, userId: member.id }),
    ).rejects.toBeInstanceOf(Conflict);
    let [listed] = await listTeams(t.db, member.actor, o);
    expect(listed).toMatchObject({ name: 'Care', members: [{ userId: member.id }] });
    await removeTeamMember(t.db, owner.actor, { organizationId: o, teamId: team.id, userId: member.id });
    [listed] = await listTeams(t.db, member.actor, o);
    expect(listed?.members).toEqual([]);
    await deleteTeam(t.db, owner.actor, { organizationId: o, teamId: team.id });
    expect(await listTeams(t.db, member.actor, o)).toEqual([]);
  });

  it('only members of the organization join its teams; foreign team ids are not found', async () => {
    const a = await createOrg(t.db);
    const b = await createOrg(t.db);
    const outsider = await createUser(t.db);
    const teamA = await createTeam(t.db, a.owner.actor, { organizationId: a.organization.id, name: 'A' });
    const teamB = await createTeam(t.db, b.owner.actor, { organizationId: b.organization.id, name: 'B' });
    await expect(
      addTeamMember(t.db, a.owner.actor, {
        organizationId: a.organization.id,
        teamId: teamA.id,
        userId: outsider.id,
      }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      addTeamMember(t.db, a.owner.actor, {
        organizationId: a.organization.id,
        teamId: teamA.id,
        userId: b.owner.id,
      }),
    ).rejects.toBeInstanceOf(NotFound);
    const foreign = { organizationId: a.organization.id, teamId: teamB.id };
    await expect(renameTeam(t.db, a.owner.actor, { ...foreign, name: 'Mine' })).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(deleteTeam(t.db, a.owner.actor, foreign)).rejects.toBeInstanceOf(NotFound);
    await expect(
      addTeamMember(t.db, a.owner.actor, { ...foreign, userId: a.owner.id }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      removeTeamMember(t.db, a.owner.actor, { ...foreign, userId: b.owner.id }),
    ).rejects.toBeInstanceOf(NotFound);
    expect((await listTeams(t.db, b.owner.actor, b.organization.id)).map((x) => x.name)).toEqual(['B']);
  });
});

describe('projects', () => {
  it('create (created_by kept), edit, delete; slugs unique per organization only', async () => {
    const { organization, owner } = await createOrg(t.db);
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const other = await createOrg(t.db);
    const o = organization.id;
    const project = await createProject(t.db, member.actor, {
      organizationId: o,
      name: 'Website',
      slug: 'website',
    });
    expect(project.createdBy).toBe(member.id);
    await expect(
      createProject(t.db, owner.actor, { organizationId: o, name: 'Again', slug: 'website' }),
    ).rejects.toMatchObject({
      fieldErrors: { slug: ['That slug is taken'] },
    });
    // Another organization may use the same slug.
    await createProject(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      name: 'W',
      slug: 'website',
    });
    await updateProject(t.db, owner.actor, {
      organizationId: o,
      projectId: project.id,
      name: 'Site',
      slug: 'site',
      description: 'x',
    });
    expect((await listProjects(t.db, member.actor, o)).map((p) => [p.name, p.slug, p.description])).toEqual([
      ['Site', 'site', 'x'],
    ]);
    const [audit] = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'project.updated'));
    expect(audit).toMatchObject({
      entityId: project.id,
      oldValues: { slug: 'website' },
      newValues: { slug: 'site' },
    });
    await deleteProject(t.db, member.actor, { organizationId: o, projectId: project.id });
    expect(await listProjects(t.db, member.actor, o)).toEqual([]);
  });

  it('a project id of another organization is not found, and stays as it was', async () => {
    const a = await createOrg(t.db);
    const b = await createOrg(t.db);
    const theirs = await createProject(t.db, b.owner.actor, {
      organizationId: b.organization.id,
      name: 'B',
      slug: `b-${uid()}`,
    });
    const input = { organizationId: a.organization.id, projectId: theirs.id };
    await expect(
      updateProject(t.db, a.owner.actor, { ...input, name: 'Mine', slug: 'mine' }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(deleteProject(t.db, a.owner.actor, input)).rejects.toBeInstanceOf(NotFound);
    const [row] = await t.db.select().from(projects).where(eq(projects.id, theirs.id));
    expect(row?.name).toBe('B');
  });
});
