// Projects (seed 004): organization-scoped, unique slug per organization, created_by kept.
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { Conflict, NotFound } from '~/lib/errors';
import { type Database, isUniqueViolation } from '~db/client.server';
import { projects, users } from '~db/schema';
import { authorize } from './access.server';
import { projectFormSchema } from './schemas';

export { projectFormSchema };

const orgId = z.string().min(1);
const slugTaken = (slug: string) =>
  new Conflict(`A project with the slug “${slug}” already exists in this organization.`, {
    slug: ['That slug is taken'],
  });

export async function listProjects(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'organization:view');
  return db
    .select({
      id: projects.id,
      name: projects.name,
      slug: projects.slug,
      description: projects.description,
      createdAt: projects.createdAt,
      createdByName: users.name,
      createdByEmail: users.email,
    })
    .from(projects)
    .leftJoin(users, eq(users.id, projects.createdBy))
    .where(eq(projects.organizationId, organizationId))
    .orderBy(asc(projects.name), asc(projects.id));
}

export const createProjectInput = projectFormSchema.extend({ organizationId: orgId });

export async function createProject(db: Database, actor: Actor, input: z.input<typeof createProjectInput>) {
  const { organizationId, name, slug, description } = createProjectInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      await authorize(tx, actor, organizationId, 'projects:manage');
      const [project] = await tx
        .insert(projects)
        .values({ organizationId, name, slug, description: description ?? null, createdBy: actor.userId })
        .returning();
      if (!project) throw new Error('project insert returned nothing');
      await recordAudit(tx, actor, {
        organizationId,
        action: 'project.created',
        entityType: 'project',
        entityId: project.id,
        newValues: { name, slug, description: description ?? null },
      });
      return project;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(slug);
    throw err;
  }
}

async function findProject(tx: Database, organizationId: string, projectId: string) {
  const [project] = await tx
    .select()
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.organizationId, organizationId)));
  if (!project) throw new NotFound('Project not found');
  return project;
}

export const updateProjectInput = projectFormSchema.extend({
  organizationId: orgId,
  projectId: z.string().min(1),
});

export async function updateProject(db: Database, actor: Actor, input: z.input<typeof updateProjectInput>) {
  const { organizationId, projectId, name, slug, description } = updateProjectInput.parse(input);
  try {
    return await db.transaction(async (tx) => {
      await authorize(tx, actor, organizationId, 'projects:manage');
      const project = await findProject(tx, organizationId, projectId);
      const next = { name, slug, description: description ?? null };
      await tx.update(projects).set(next).where(eq(projects.id, project.id));
      await recordAudit(tx, actor, {
        organizationId,
        action: 'project.updated',
        entityType: 'project',
        entityId: project.id,
        oldValues: { name: project.name, slug: project.slug, description: project.description },
        newValues: next,
      });
      return { ...project, ...next };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(slug);
    throw err;
  }
}

export const projectInput = z.object({ organizationId: orgId, projectId: z.string().min(1) });

export async function deleteProject(db: Database, actor: Actor, input: z.infer<typeof projectInput>) {
  const { organizationId, projectId } = projectInput.parse(input);
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'projects:manage');
    const project = await findProject(tx, organizationId, projectId);
    await tx.delete(projects).where(eq(projects.id, project.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'project.deleted',
      entityType: 'project',
      entityId: project.id,
      oldValues: { name: project.name, slug: project.slug },
    });
    return project;
  });
}
