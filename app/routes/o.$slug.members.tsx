// Members: roles, change a role, remove, leave, transfer ownership, invite. Every permission and rule
// is checked again by the domain functions; the page only hides what the role may not do.

import { getFormProps, getSelectProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { usersWithSecondFactor } from '~/auth/second-factor.server';
import { requireRecentAuthentication, sudoState } from '~/auth/sudo.server';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import { Field, FieldErrors, SubmitButton, useResetOnSuccess, VALIDATE_ON_SUBMIT } from '~/components/form';
import { deliverSoon } from '~/email/outbox.server';
import { NotFound } from '~/lib/errors';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { authorize, requireMember } from '~/orgs/access.server';
import { ActionError, Alert, organizationTitle, PageHeading, RoleBadge, RowAction } from '~/orgs/components';
import { inviteMember } from '~/orgs/invitations.server';
import {
  changeRole,
  leaveOrganization,
  listMembers,
  removeMember,
  transferOwnership,
} from '~/orgs/members.server';
import { assignableRoles, can, ROLE_LABELS } from '~/orgs/permissions';
import { inviteFormSchema } from '~/orgs/schemas';
import { listTeams } from '~/orgs/teams.server';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Members');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role, memberId, auth } = await requireMember(
    request,
    params.slug,
    'organization:view',
  );
  const [members, teams] = await Promise.all([
    listMembers(db, actor, organization.id),
    listTeams(db, actor, organization.id),
  ]).catch(loaderFailure);
  // Who has a second factor (issue 15): shown on every row.
  const withSecondFactor = await usersWithSecondFactor(
    db,
    members.map((m) => m.userId),
  );
  return data({
    organization,
    role,
    memberId,
    members: members.map((m) => ({ ...m, hasSecondFactor: withSecondFactor.has(m.userId) })),
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
    assignable: assignableRoles(role),
    can: {
      invite: can(role, 'members:invite'),
      remove: can(role, 'members:remove'),
      changeRole: can(role, 'members:change-role'),
      manageOwners: can(role, 'owners:manage'),
    },
    // Transferring ownership is sudo-gated (issue 15 §4).
    sudo: sudoState(auth, request),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization, auth } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const organizationId = organization.id;
  const here = `/o/${organization.slug}/members`;
  const memberId = String(formData.get('memberId') ?? '');

  if (intent === 'invite') {
    const submission = parseWithZod(formData, { schema: inviteFormSchema });
    if (submission.status !== 'success') return formInvalid('invite', submission);
    try {
      const { invitation, emailIds } = await inviteMember(db, actor, { ...submission.value, organizationId });
      deliverSoon(db, emailIds);
      return done(here, `Invitation sent to ${invitation.email}.`);
    } catch (err) {
      return formError('invite', submission, err);
    }
  }
  try {
    switch (intent) {
      case 'change-role': {
        const role = String(formData.get('role') ?? '') as never;
        const member = await changeRole(db, actor, { organizationId, memberId, role });
        return done(here, `${member.email} is now ${ROLE_LABELS[member.role]}.`);
      }
      case 'remove': {
        if (!isConfirmed(formData)) {
          await authorize(db, actor, organizationId, 'members:remove');
          const target = (await listMembers(db, actor, organizationId)).find((m) => m.id === memberId);
          if (!target) throw new NotFound('Member not found.');
          return askToConfirm({
            intent,
            fields: { memberId },
            ...removeWording(target, organization.name),
          });
        }
        const member = await removeMember(db, actor, { organizationId, memberId });
        return done(here, `${member.email} was removed from ${organization.name}.`);
      }
      case 'transfer': {
        requireRecentAuthentication(auth, request);
        const member = await transferOwnership(db, actor, { organizationId, memberId });
        return done(here, `${member.email} now owns ${organization.name}; you are an admin.`);
      }
      case 'leave': {
        await leaveOrganization(db, actor, { organizationId });
        return done('/orgs', `You left ${organization.name}.`);
      }
      default:
        return badIntent();
    }
  } catch (err) {
    return formError(intent, null, err);
  }
}

/** The question before removing a member (the confirmation page and the dialog say the same). */
function removeWording(member: { name: string | null; email: string }, organizationName: string): Wording {
  const who = member.name ?? member.email;
  return {
    title: `Remove ${who}?`,
    message: `This will remove ${member.email} from ${organizationName} at once: they lose access to every page, leave their teams, and API keys they created stop working. To come back they need a new invitation.`,
    confirmLabel: 'Remove member',
  };
}

export default function Members() {
  const { organization, members, teams, memberId, assignable, can, sudo } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'invite',
    lastResult: answer?.form === 'invite' ? answer.result : undefined,
    constraint: getZodConstraint(inviteFormSchema),
    defaultValue: { role: 'MEMBER' },
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: inviteFormSchema }),
  });
  useResetOnSuccess(form, 'invite');
  return (
    <ConfirmationPage cancelHref={`/o/${organization.slug}/members`}>
      <div className="space-y-8">
        <PageHeading title="Members" />
        <ActionError />
        <section aria-labelledby="member-list" className="card p-0">
          <h2 id="member-list" className="sr-only">
            Member list
          </h2>
          <ul className="divide-y divide-slate-200">
            {members.map((m) => {
              const self = m.id === memberId;
              const ownerRow = m.role === 'OWNER';
              const mayEditRole = can.changeRole && (!ownerRow || can.manageOwners);
              const mayRemove = !self && can.remove && (!ownerRow || can.manageOwners);
              return (
                <li
                  key={m.id}
                  className="flex flex-wrap items-center justify-between gap-3 px-6 py-4"
                  data-member={m.email}
                >
                  <div>
                    <p className="font-medium">
                      {m.name ?? m.email}{' '}
                      {self ? <span className="text-sm text-slate-600">(you)</span> : null}
                    </p>
                    <p className="text-sm text-slate-600">{m.email}</p>
                  </div>
                  <div className="flex flex-wrap items-center gap-2">
                    <RoleBadge role={m.role} />
                    <span
                      data-two-factor={m.hasSecondFactor ? 'on' : 'off'}
                      className={`rounded px-2 py-0.5 text-xs font-medium ${m.hasSecondFactor ? 'bg-green-100 text-green-900' : 'bg-amber-100 text-amber-900'}`}
                    >
                      {m.hasSecondFactor ? '2FA on' : 'No 2FA'}
                    </span>
                    {mayEditRole ? (
                      <RowAction
                        intent="change-role"
                        fields={{ memberId: m.id }}
                        label="Change role"
                        pendingLabel="Saving…"
                      >
                        <label htmlFor={`role-${m.id}`} className="sr-only">
                          New role for {m.email}
                        </label>
                        <select
                          id={`role-${m.id}`}
                          name="role"
                          defaultValue={m.role}
                          className="input w-auto py-1"
                        >
                          {assignable.map((r) => (
                            <option key={r} value={r}>
                              {ROLE_LABELS[r]}
                            </option>
                          ))}
                        </select>
                      </RowAction>
                    ) : null}
                    {can.manageOwners && !self && !ownerRow && !sudo.recent ? (
                      <Link
                        to={sudo.confirmPath}
                        className="btn-secondary"
                        aria-label={`Transfer ownership to ${m.email} (confirm it’s you first)`}
                      >
                        Transfer ownership
                      </Link>
                    ) : null}
                    {can.manageOwners && !self && !ownerRow && sudo.recent ? (
                      <RowAction
                        intent="transfer"
                        fields={{ memberId: m.id }}
                        label="Transfer ownership"
                        accessibleLabel={`Transfer ownership to ${m.email}`}
                        pendingLabel="Transferring…"
                      />
                    ) : null}
                    {mayRemove ? (
                      <ConfirmAction
                        intent="remove"
                        fields={{ memberId: m.id }}
                        label="Remove"
                        accessibleLabel={`Remove ${m.email}`}
                        pendingLabel="Removing…"
                        confirmation={removeWording(m, organization.name)}
                      />
                    ) : null}
                    {self ? (
                      <RowAction
                        intent="leave"
                        fields={{}}
                        label="Leave organization"
                        pendingLabel="Leaving…"
                        className="btn-danger"
                      />
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
        </section>

        {can.invite ? (
          <section aria-labelledby="invite-heading" id="invite-someone">
            <h2 id="invite-heading" className="text-lg font-semibold">
              Invite someone
            </h2>
            <p className="mt-1 text-sm text-slate-700">
              They get an email with a link valid for a limited time; pending invitations count toward the
              plan’s members limit.
            </p>
            <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4">
              <input type="hidden" name="intent" value="invite" />
              {form.errors?.length ? <Alert id={form.errorId} message={form.errors.join(' ')} /> : null}
              <Field field={fields.email} label="Email" type="email" autoComplete="off" />
              <div>
                <label htmlFor={fields.role.id} className="label">
                  Role
                </label>
                <select {...getSelectProps(fields.role)} key={fields.role.key} className="input mt-1">
                  {assignable.map((r) => (
                    <option key={r} value={r}>
                      {ROLE_LABELS[r]}
                    </option>
                  ))}
                </select>
                <FieldErrors id={fields.role.errorId} errors={fields.role.errors} />
              </div>
              {teams.length > 0 ? (
                <div>
                  <label htmlFor={fields.teamId.id} className="label">
                    Team (optional)
                  </label>
                  <select {...getSelectProps(fields.teamId)} key={fields.teamId.key} className="input mt-1">
                    <option value="">No team</option>
                    {teams.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </select>
                  <FieldErrors id={fields.teamId.errorId} errors={fields.teamId.errors} />
                </div>
              ) : null}
              <SubmitButton pendingLabel="Sending…">Send invitation</SubmitButton>
            </Form>
            <p className="mt-2 text-sm">
              <a href={`/o/${organization.slug}/invitations`} className="link">
                See pending invitations
              </a>
            </p>
          </section>
        ) : null}
      </div>
    </ConfirmationPage>
  );
}
