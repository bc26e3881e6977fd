// Edit a project. A project id of another organization is a 404, like any unknown id.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { Field, FormErrors, SubmitButton, TextareaField, VALIDATE_ON_SUBMIT } from '~/components/form';
import { done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { organizationTitle } from '~/orgs/components';
import { listProjects, updateProject } from '~/orgs/projects.server';
import { projectFormSchema } from '~/orgs/schemas';

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  organizationTitle(matches, data ? `Edit ${data.project.name}` : 'Edit project', 'Projects');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'projects:manage');
  const projects = await listProjects(db, actor, organization.id).catch(loaderFailure);
  const project = projects.find((p) => p.id === params.projectId);
  if (!project) throw new Response('Project not found', { status: 404, statusText: 'Not Found' });
  return data({ organization, project });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug);
  const submission = parseWithZod(await request.formData(), { schema: projectFormSchema });
  if (submission.status !== 'success') return formInvalid('update', submission);
  try {
    const project = await updateProject(db, actor, {
      organizationId: organization.id,
      projectId: params.projectId ?? '',
      ...submission.value,
    });
    return done(`/o/${organization.slug}/projects`, `Project ${project.name} saved.`);
  } catch (err) {
    return formError('update', submission, err);
  }
}

export default function EditProject() {
  const { organization, project } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'edit-project',
    lastResult: answer?.result,
    constraint: getZodConstraint(projectFormSchema),
    defaultValue: { name: project.name, slug: project.slug, description: project.description ?? '' },
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: projectFormSchema }),
  });
  return (
    <div className="max-w-lg">
      <h1 className="text-2xl font-bold">Edit {project.name}</h1>
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.name} label="Name" />
        <Field field={fields.slug} label="Slug" />
        <TextareaField field={fields.description} label="Description (optional)" />
        <div className="flex items-center gap-4">
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
          <Link to={`/o/${organization.slug}/projects`} className="link">
            Cancel
          </Link>
        </div>
      </Form>
    </div>
  );
}
