// An invitation link: see who invites you to what, then accept (signed in with the invited email)
// or decline. An unknown token is a 404; an expired, canceled or used one says so.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { type Actor, userActor } from '~/audit/audit.server';
import { safeRedirectPath } from '~/auth/redirect';
import { getAuth } from '~/auth/sessions.server';
import { SubmitButton } from '~/components/form';
import { getDb } from '~/db.server';
import { badIntent, done, formError, loaderFailure } from '~/lib/http.server';
import { Alert, formatDate } from '~/orgs/components';
import { acceptInvitation, declineInvitation, getInvitationByToken } from '~/orgs/invitations.server';
import { setActiveOrganization } from '~/orgs/organizations.server';
import { ROLE_LABELS } from '~/orgs/permissions';

export const meta: MetaFunction = () => [{ title: 'Invitation — SaaS Platform' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = await getDb();
  const invitation = await getInvitationByToken(db, params.token ?? '').catch(loaderFailure);
  const auth = await getAuth(request, db);
  const path = safeRedirectPath(new URL(request.url).pathname, '/orgs');
  return data({
    invitation: {
      email: invitation.email,
      role: invitation.role,
      status: invitation.status,
      expiresAt: invitation.expiresAt,
      organizationName: invitation.organizationName,
      inviterName: invitation.inviterName,
    },
    signedInAs: auth?.user.email ?? null,
    redirectTo: path,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const db = await getDb();
  const auth = await getAuth(request, db);
  const token = params.token ?? '';
  const intent = String((await request.formData()).get('intent') ?? '');
  const actor: Actor = auth ? userActor(auth.user.id, request) : { ...userActor('', request), userId: null };
  try {
    if (intent === 'accept') {
      if (!auth)
        throw redirect(
          `/login?${new URLSearchParams({ redirectTo: safeRedirectPath(new URL(request.url).pathname, '/orgs') })}`,
        );
      const { organization } = await acceptInvitation(db, actor, { token });
      await setActiveOrganization(db, { sessionId: auth.session.id, userId: auth.user.id }, organization.id);
      return done(`/o/${organization.slug}`, `Welcome to ${organization.name}!`);
    }
    if (intent === 'decline') {
      await declineInvitation(db, actor, { token });
      return done(auth ? '/orgs' : '/', 'Invitation declined.');
    }
    return badIntent();
  } catch (err) {
    return formError(intent, null, err);
  }
}

export default function InvitationPage() {
  const { invitation, signedInAs, redirectTo } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const open = invitation.status === 'PENDING';
  const rightUser = signedInAs === invitation.email;
  const q = new URLSearchParams({ redirectTo }).toString();
  return (
    <div className="mx-auto max-w-lg">
      <h1 className="text-2xl font-bold">Join {invitation.organizationName}</h1>
      <div className="card mt-6 space-y-4">
        <p>
          {invitation.inviterName ?? 'A member'} invited <strong>{invitation.email}</strong> to join{' '}
          <strong>{invitation.organizationName}</strong> as {ROLE_LABELS[invitation.role].toLowerCase()}.
        </p>
        {answer?.error ? <Alert message={answer.error} /> : null}
        {invitation.status === 'EXPIRED' ? (
          <Alert message="This invitation has expired. Ask an admin of the organization to resend it." />
        ) : invitation.status === 'CANCELED' ? (
          <Alert message="This invitation was canceled." />
        ) : invitation.status === 'DECLINED' ? (
          <p>You declined this invitation.</p>
        ) : invitation.status === 'ACCEPTED' ? (
          <p>
            This invitation has been accepted.{' '}
            <Link to="/orgs" className="link">
              Go to your organizations
            </Link>
          </p>
        ) : (
          <p className="text-sm text-slate-700">Valid until {formatDate(invitation.expiresAt)}.</p>
        )}
        {open ? (
          <div className="space-y-3">
            {signedInAs && !rightUser ? (
              <p className="text-sm text-slate-800">
                You are signed in as {signedInAs}. To accept, sign out and sign in as {invitation.email}.
              </p>
            ) : null}
            {!signedInAs ? (
              <p className="text-sm text-slate-800">
                <Link to={`/login?${q}`} className="link">
                  Sign in
                </Link>{' '}
                or{' '}
                <Link to={`/signup?${q}`} className="link">
                  create an account
                </Link>{' '}
                with {invitation.email} to accept.
              </p>
            ) : null}
            <div className="flex gap-3">
              {rightUser ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="accept" />
                  <SubmitButton pendingLabel="Joining…">Accept invitation</SubmitButton>
                </Form>
              ) : null}
              <Form method="post">
                <input type="hidden" name="intent" value="decline" />
                <SubmitButton className="btn-secondary" pendingLabel="Declining…">
                  Decline
                </SubmitButton>
              </Form>
            </div>
          </div>
        ) : null}
      </div>
    </div>
  );
}
