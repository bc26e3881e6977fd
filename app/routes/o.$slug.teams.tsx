// Teams and their members. Everyone in the organization sees them; OWNER and ADMIN manage them.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { Field, FormErrors, SubmitButton, useResetOnSuccess, VALIDATE_ON_SUBMIT } from '~/components/form';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, organizationTitle, PageHeading, RowAction } from '~/orgs/components';
import { listMembers } from '~/orgs/members.server';
import { can } from '~/orgs/permissions';
import { teamFormSchema } from '~/orgs/schemas';
import {
  addTeamMember,
  createTeam,
  deleteTeam,
  listTeams,
  removeTeamMember,
  renameTeam,
} from '~/orgs/teams.server';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Teams');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const [teams, members] = await Promise.all([
    listTeams(db, actor, organization.id),
    listMembers(db, actor, organization.id),
  ]).catch(loaderFailure);
  return data({
    teams,
    members: members.map((m) => ({ userId: m.userId, label: m.name ? `${m.name} (${m.email})` : m.email })),
    canManage: can(role, 'teams:manage'),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const organizationId = organization.id;
  const here = `/o/${organization.slug}/teams`;
  const teamId = String(formData.get('teamId') ?? '');
  const userId = String(formData.get('userId') ?? '');
  if (intent === 'create' || intent === 'rename') {
    const submission = parseWithZod(formData, { schema: teamFormSchema });
    if (submission.status !== 'success') return formInvalid(intent, submission);
    try {
      if (intent === 'create') {
        const team = await createTeam(db, actor, { organizationId, ...submission.value });
        return done(here, `Team ${team.name} created.`);
      }
      const team = await renameTeam(db, actor, { organizationId, teamId, ...submission.value });
      return done(here, `Team renamed to ${team.name}.`);
    } catch (err) {
      return formError(intent, submission, err);
    }
  }
  try {
    switch (intent) {
      case 'delete': {
        const team = await deleteTeam(db, actor, { organizationId, teamId });
        return done(here, `Team ${team.name} deleted.`);
      }
      case 'add-member':
        await addTeamMember(db, actor, { organizationId, teamId, userId });
        return done(here, 'Added to the team.');
      case 'remove-member':
        await removeTeamMember(db, actor, { organizationId, teamId, userId });
        return done(here, 'Removed from the team.');
      default:
        return badIntent();
    }
  } catch (err) {
    return formError(intent, null, err);
  }
}

export default function Teams() {
  const { teams, members, canManage } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'create-team',
    lastResult: answer?.form === 'create' ? answer.result : undefined,
    constraint: getZodConstraint(teamFormSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: teamFormSchema }),
  });
  useResetOnSuccess(form, 'create');
  return (
    <div className="space-y-8">
      <PageHeading title="Teams" />
      <ActionError />
      {answer?.form === 'rename' && answer.error ? (
        <FormErrors id="rename-error" errors={[answer.error]} />
      ) : null}
      {teams.length === 0 ? <p className="text-slate-700">No teams yet.</p> : null}
      <ul className="grid gap-6 md:grid-cols-2">
        {teams.map((team) => {
          const outside = members.filter((m) => !team.members.some((tm) => tm.userId === m.userId));
          return (
            <li key={team.id} className="card space-y-4" data-team={team.name}>
              <h2 className="text-lg font-semibold">{team.name}</h2>
              {team.members.length === 0 ? (
                <p className="text-sm text-slate-700">No members.</p>
              ) : (
                <ul className="space-y-2 text-sm">
                  {team.members.map((tm) => (
                    <li key={tm.id} className="flex items-center justify-between gap-2">
                      <span>{tm.name ?? tm.email}</span>
                      {canManage ? (
                        <RowAction
                          intent="remove-member"
                          fields={{ teamId: team.id, userId: tm.userId }}
                          label="Remove"
                          accessibleLabel={`Remove ${tm.email} from ${team.name}`}
                        />
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
              {canManage ? (
                <div className="space-y-3 border-t border-slate-200 pt-4">
                  {outside.length > 0 ? (
                    <RowAction
                      intent="add-member"
                      fields={{ teamId: team.id }}
                      label="Add"
                      pendingLabel="Adding…"
                    >
                      <label htmlFor={`add-${team.id}`} className="sr-only">
                        Member to add to {team.name}
                      </label>
                      <select id={`add-${team.id}`} name="userId" className="input w-auto py-1">
                        {outside.map((m) => (
                          <option key={m.userId} value={m.userId}>
                            {m.label}
                          </option>
                        ))}
                      </select>
                    </RowAction>
                  ) : null}
                  <RowAction
                    intent="rename"
                    fields={{ teamId: team.id }}
                    label="Rename"
                    pendingLabel="Saving…"
                  >
                    <label htmlFor={`rename-${team.id}`} className="sr-only">
                      New name for {team.name}
                    </label>
                    <input
                      id={`rename-${team.id}`}
                      name="name"
                      defaultValue={team.name}
                      className="input w-auto py-1"
                    />
                  </RowAction>
                  <RowAction
                    intent="delete"
                    fields={{ teamId: team.id }}
                    label="Delete team"
                    accessibleLabel={`Delete team ${team.name}`}
                    className="btn-danger"
                  />
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {canManage ? (
        <section aria-labelledby="new-team">
          <h2 id="new-team" className="text-lg font-semibold">
            New team
          </h2>
          <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4">
            <input type="hidden" name="intent" value="create" />
            <FormErrors id={form.errorId} errors={form.errors} />
            <Field field={fields.name} label="Team name" />
            <SubmitButton pendingLabel="Creating…">Create team</SubmitButton>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
