// The organization switcher and the post-sign-in landing: every organization of the user with their role
// (choosing one stores it on the session, sessions.active_organization_id), and every pending invitation
// to the user's verified email with Accept and Decline. With neither, the user goes to /orgs/new.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { done, formError, loaderFailure } from '~/lib/http.server';
import { Alert, formatDate, RoleBadge } from '~/orgs/components';
import {
  acceptInvitationById,
  declineInvitationById,
  listPendingInvitationsForUser,
} from '~/orgs/invitations.server';
import { listMyOrganizations, setActiveOrganization } from '~/orgs/organizations.server';
import { ROLE_LABELS } from '~/orgs/permissions';

export const meta: MetaFunction = () => [{ title: 'Your organizations — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const [organizations, invitations] = await Promise.all([
    listMyOrganizations(auth.db, auth.user.id),
    listPendingInvitationsForUser(auth.db, auth.user.id),
  ]);
  // Nothing to open and nothing to join: create the first one.
  if (organizations.length === 0 && invitations.length === 0)
    throw redirect('/orgs/new', { headers: auth.headers });
  // The site logo's link (`/orgs?open=active`): straight back into the organization last opened.
  const active = organizations.find((o) => o.id === auth.session.activeOrganizationId);
  if (new URL(request.url).searchParams.get('open') === 'active' && active)
    throw redirect(homeOf(active), { headers: auth.headers });
  return data(
    {
      organizations,
      invitations,
      activeId: auth.session.activeOrganizationId,
      emailVerified: Boolean(auth.user.emailVerifiedAt),
    },
    { headers: auth.headers },
  );
}

/** Where an organization opens for its member: a BILLING member's home is its billing page (SPEC §2). */
const homeOf = (org: { slug: string; role: string }) =>
  org.role === 'BILLING' ? `/o/${org.slug}/billing` : `/o/${org.slug}`;

const switchSchema = z.object({ organizationId: z.string().min(1) });
const invitationSchema = z.object({
  intent: z.enum(['accept', 'decline']),
  invitationId: z.string().min(1).max(100),
});

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = Object.fromEntries(await request.formData());
  if (form.intent === 'accept' || form.intent === 'decline') {
    const parsed = invitationSchema.safeParse(form);
    if (!parsed.success) throw new Response('Choose an invitation', { status: 400 });
    const actor = actorOf(auth, request);
    try {
      if (parsed.data.intent === 'decline') {
        await declineInvitationById(auth.db, actor, parsed.data);
        return done('/orgs', 'Invitation declined.');
      }
      const { organization } = await acceptInvitationById(auth.db, actor, parsed.data);
      await setActiveOrganization(
        auth.db,
        { sessionId: auth.session.id, userId: auth.user.id },
        organization.id,
      );
      return done(`/o/${organization.slug}`, `Welcome to ${organization.name}!`);
    } catch (err) {
      return formError('invitation', null, err);
    }
  }
  const parsed = switchSchema.safeParse(form);
  if (!parsed.success) throw new Response('Choose an organization', { status: 400 });
  try {
    const org = await setActiveOrganization(
      auth.db,
      { sessionId: auth.session.id, userId: auth.user.id },
      parsed.data.organizationId,
    );
    return redirect(homeOf(org));
  } catch (err) {
    return loaderFailure(err);
  }
}

export default function Organizations() {
  const { organizations, invitations, activeId } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-2xl">
      <div className="flex items-center justify-between gap-4">
        <h1 className="text-2xl font-bold">Your organizations</h1>
        <Link to="/orgs/new" className="btn-primary">
          New organization
        </Link>
      </div>
      {invitations.length > 0 ? (
        <section aria-labelledby="pending-invitations" className="mt-6">
          <h2 id="pending-invitations" className="text-lg font-semibold">
            Pending invitations
          </h2>
          {answer?.error ? <Alert message={answer.error} /> : null}
          <ul className="card mt-3 divide-y divide-slate-200 p-0">
            {invitations.map((invitation) => (
              <li key={invitation.id} className="flex flex-wrap items-center justify-between gap-4 px-6 py-4">
                <div>
                  <p className="font-semibold">{invitation.organizationName}</p>
                  <p className="text-sm text-slate-600">
                    {invitation.inviterName ?? 'A member'} invited you as{' '}
                    {ROLE_LABELS[invitation.role].toLowerCase()}. Valid until{' '}
                    {formatDate(invitation.expiresAt)}.
                  </p>
                </div>
                <div className="flex items-center gap-3">
                  <Form method="post">
                    <input type="hidden" name="invitationId" value={invitation.id} />
                    <input type="hidden" name="intent" value="accept" />
                    <button
                      type="submit"
                      className="btn-primary"
                      aria-label={`Accept the invitation to ${invitation.organizationName}`}
                    >
                      Accept
                    </button>
                  </Form>
                  <Form method="post">
                    <input type="hidden" name="invitationId" value={invitation.id} />
                    <input type="hidden" name="intent" value="decline" />
                    <button
                      type="submit"
                      className="btn-secondary"
                      aria-label={`Decline the invitation to ${invitation.organizationName}`}
                    >
                      Decline
                    </button>
                  </Form>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {organizations.length === 0 ? (
        <p className="mt-6 text-slate-700">
          You are not a member of any organization yet: accept an invitation above, or{' '}
          <Link to="/orgs/new" className="link">
            create one
          </Link>
          .
        </p>
      ) : null}
      {organizations.length > 0 ? (
        <ul className="card mt-6 divide-y divide-slate-200 p-0">
          {organizations.map((org) => (
            <li key={org.id} className="flex items-center justify-between gap-4 px-6 py-4">
              <div>
                <p className="font-semibold">
                  {org.name}{' '}
                  {org.id === activeId ? (
                    <span className="text-sm font-normal text-slate-600">(active)</span>
                  ) : null}
                </p>
                <p className="text-sm text-slate-600">/o/{org.slug}</p>
              </div>
              <div className="flex items-center gap-3">
                <RoleBadge role={org.role} />
                <Form method="post">
                  <input type="hidden" name="organizationId" value={org.id} />
                  <button type="submit" className="btn-secondary" aria-label={`Open ${org.name}`}>
                    Open
                  </button>
                </Form>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
