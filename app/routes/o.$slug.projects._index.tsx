// Projects of the organization (seed 004): every member but BILLING creates, edits and deletes them.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import {
  Field,
  FormErrors,
  SubmitButton,
  TextareaField,
  useResetOnSuccess,
  VALIDATE_ON_SUBMIT,
} from '~/components/form';
import { NotFound } from '~/lib/errors';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { authorize, requireMember } from '~/orgs/access.server';
import { ActionError, organizationTitle, PageHeading } from '~/orgs/components';
import { can } from '~/orgs/permissions';
import { createProject, deleteProject, listProjects } from '~/orgs/projects.server';
import { projectFormSchema } from '~/orgs/schemas';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Projects');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const projects = await listProjects(db, actor, organization.id).catch(loaderFailure);
  return data({ organization, projects, canManage: can(role, 'projects:manage') });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const here = `/o/${organization.slug}/projects`;
  if (intent === 'create') {
    const submission = parseWithZod(formData, { schema: projectFormSchema });
    if (submission.status !== 'success') return formInvalid('create', submission);
    try {
      const project = await createProject(db, actor, {
        organizationId: organization.id,
        ...submission.value,
      });
      return done(here, `Project ${project.name} created.`);
    } catch (err) {
      return formError('create', submission, err);
    }
  }
  if (intent === 'delete') {
    const projectId = String(formData.get('projectId') ?? '');
    try {
      if (!isConfirmed(formData)) {
        await authorize(db, actor, organization.id, 'projects:manage');
        const target = (await listProjects(db, actor, organization.id)).find((p) => p.id === projectId);
        if (!target) throw new NotFound('Project not found.');
        return askToConfirm({ intent, fields: { projectId }, ...deleteWording(target, organization.name) });
      }
      const project = await deleteProject(db, actor, { organizationId: organization.id, projectId });
      return done(here, `Project ${project.name} deleted.`);
    } catch (err) {
      return formError('delete', null, err);
    }
  }
  return badIntent();
}

function deleteWording(project: { name: string }, organizationName: string): Wording {
  return {
    title: `Delete the project ${project.name}?`,
    message: `This will delete ${project.name} for everyone in ${organizationName}. It cannot be undone.`,
    confirmLabel: 'Delete project',
  };
}

export default function Projects() {
  const { organization, projects, canManage } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'create-project',
    lastResult: answer?.form === 'create' ? answer.result : undefined,
    constraint: getZodConstraint(projectFormSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: projectFormSchema }),
  });
  useResetOnSuccess(form, 'create');
  return (
    <ConfirmationPage cancelHref={`/o/${organization.slug}/projects`}>
      <div className="space-y-8">
        <PageHeading title="Projects" />
        <ActionError />
        {projects.length === 0 ? (
          <p className="text-slate-700">No projects yet.</p>
        ) : (
          <ul className="card divide-y divide-slate-200 p-0">
            {projects.map((p) => (
              <li
                key={p.id}
                className="flex flex-wrap items-center justify-between gap-3 px-6 py-4"
                data-project={p.slug}
              >
                <div>
                  <p className="font-medium">
                    {p.name} <span className="text-sm text-slate-600">({p.slug})</span>
                  </p>
                  {p.description ? <p className="text-sm text-slate-700">{p.description}</p> : null}
                  <p className="text-xs text-slate-600">
                    Created by {p.createdByName ?? p.createdByEmail ?? 'a former member'}
                  </p>
                </div>
                {canManage ? (
                  <div className="flex gap-2">
                    <Link
                      to={`/o/${organization.slug}/projects/${p.id}`}
                      className="btn-secondary"
                      aria-label={`Edit ${p.name}`}
                    >
                      Edit
                    </Link>
                    <ConfirmAction
                      intent="delete"
                      fields={{ projectId: p.id }}
                      label="Delete"
                      accessibleLabel={`Delete ${p.name}`}
                      pendingLabel="Deleting…"
                      confirmation={deleteWording(p, organization.name)}
                    />
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {canManage ? (
          <section aria-labelledby="new-project">
            <h2 id="new-project" className="text-lg font-semibold">
              New project
            </h2>
            <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4">
              <input type="hidden" name="intent" value="create" />
              <FormErrors id={form.errorId} errors={form.errors} />
              <Field field={fields.name} label="Name" />
              <Field
                field={fields.slug}
                label="Slug"
                hint="Unique in this organization: lowercase letters, digits, dashes."
              />
              <TextareaField field={fields.description} label="Description (optional)" />
              <SubmitButton pendingLabel="Creating…">Create project</SubmitButton>
            </Form>
          </section>
        ) : null}
      </div>
    </ConfirmationPage>
  );
}
