// Invitations of the organization: who was invited, with which role, until when; admins cancel or
// resend (a new link; the old one stops working).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { deliverSoon } from '~/email/outbox.server';
import { badIntent, done, formError, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import {
  ActionError,
  formatDate,
  organizationTitle,
  PageHeading,
  RoleBadge,
  RowAction,
  ScrollRegion,
} from '~/orgs/components';
import { cancelInvitation, listInvitations, resendInvitation } from '~/orgs/invitations.server';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Invitations');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const invitations = await listInvitations(db, actor, organization.id).catch(loaderFailure);
  return data({
    organization,
    invitations,
    canManage: can(role, 'members:invite'),
    canManageOwners: can(role, 'owners:manage'),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const input = { organizationId: organization.id, invitationId: String(formData.get('invitationId') ?? '') };
  const here = `/o/${organization.slug}/invitations`;
  try {
    if (intent === 'cancel') {
      const invitation = await cancelInvitation(db, actor, input);
      return done(here, `The invitation to ${invitation.email} was canceled.`);
    }
    if (intent === 'resend') {
      const { invitation, emailIds } = await resendInvitation(db, actor, input);
      deliverSoon(db, emailIds);
      return done(here, `A new invitation link was sent to ${invitation.email}.`);
    }
    return badIntent();
  } catch (err) {
    return formError(intent, null, err);
  }
}

const STATUS_LABEL: Record<string, string> = {
  PENDING: 'Pending',
  ACCEPTED: 'Accepted',
  DECLINED: 'Declined',
  CANCELED: 'Canceled',
  EXPIRED: 'Expired',
};

export default function Invitations() {
  const { organization, invitations, canManage, canManageOwners } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <PageHeading title="Invitations">
        {canManage ? (
          <Link to={`/o/${organization.slug}/members#invite-someone`} className="btn-primary">
            Invite someone
          </Link>
        ) : null}
      </PageHeading>
      <ActionError />
      {invitations.length === 0 ? (
        <p className="text-slate-700">No invitations yet.</p>
      ) : (
        <ScrollRegion label="Invitations">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Invitations</caption>
            <thead className="border-b border-slate-200 bg-slate-50">
              <tr>
                <th scope="col" className="px-4 py-2">
                  Email
                </th>
                <th scope="col" className="px-4 py-2">
                  Role
                </th>
                <th scope="col" className="px-4 py-2">
                  Status
                </th>
                <th scope="col" className="px-4 py-2">
                  Expires
                </th>
                <th scope="col" className="px-4 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {invitations.map((inv) => {
                const mayManage = canManage && (inv.role !== 'OWNER' || canManageOwners);
                return (
                  <tr key={inv.id} data-invitation={inv.email}>
                    <td className="px-4 py-2">
                      {inv.email}
                      {inv.teamName ? (
                        <span className="block text-xs text-slate-600">Team: {inv.teamName}</span>
                      ) : null}
                    </td>
                    <td className="px-4 py-2">
                      <RoleBadge role={inv.role} />
                    </td>
                    <td className="px-4 py-2">{STATUS_LABEL[inv.status] ?? inv.status}</td>
                    <td className="px-4 py-2">{formatDate(inv.expiresAt)}</td>
                    <td className="px-4 py-2">
                      {mayManage && (inv.status === 'PENDING' || inv.status === 'EXPIRED') ? (
                        <div className="flex flex-wrap gap-2">
                          <RowAction
                            intent="resend"
                            fields={{ invitationId: inv.id }}
                            label="Resend"
                            accessibleLabel={`Resend the invitation to ${inv.email}`}
                            pendingLabel="Sending…"
                          />
                          {inv.status === 'PENDING' ? (
                            <RowAction
                              intent="cancel"
                              fields={{ invitationId: inv.id }}
                              label="Cancel"
                              accessibleLabel={`Cancel the invitation to ${inv.email}`}
                              pendingLabel="Canceling…"
                              className="btn-danger"
                            />
                          ) : null}
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}
