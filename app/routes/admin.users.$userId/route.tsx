// /admin/users/:userId: one account — profile, organizations, active sessions, API keys — and, for ADMIN,
// suspend / restore (suspending ends every session, refresh token and access token at once; the user's API
// keys stop working while suspended) and "View as this user" (impersonation, read-only, customers only).
// Suspending asks first (a dialog with JavaScript, a confirmation page without).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { AdminHeading, Badge, FormAlert } from '~/admin/components';
import { startImpersonation } from '~/admin/impersonation.server';
import { staffCan } from '~/admin/permissions';
import { requireStaff } from '~/admin/staff.server';
import { getUserDetail, restoreUser, suspendUser } from '~/admin/users.server';
import { askToConfirm, ConfirmAction, ConfirmationPage, isConfirmed } from '~/components/confirm';
import { SubmitButton } from '~/components/form';
import { badIntent, done, formError, loaderFailure } from '~/lib/http.server';
import { formatDate, ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.user.email ?? 'User'} · Admin · SaaS Platform` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, role, auth } = await requireStaff(request, 'users:read');
  const detail = await getUserDetail(db, String(params.userId)).catch(loaderFailure);
  return data({
    ...detail,
    canSuspend: staffCan(role, 'users:suspend') && detail.user.id !== auth.user.id,
    canImpersonate:
      staffCan(role, 'users:impersonate') &&
      detail.user.role === 'CUSTOMER' &&
      detail.user.status === 'ACTIVE' &&
      !detail.user.deletedAt,
  });
}

const SUSPEND_WORDING = {
  title: 'Suspend this user?',
  message:
    'They are signed out everywhere at once: browser sessions, API refresh and access tokens end, their API keys stop working, and they cannot sign in until restored.',
  confirmLabel: 'Suspend user',
};

export async function action({ request, params }: ActionFunctionArgs) {
  await requireStaff(request);
  const userId = String(params.userId);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const here = `/admin/users/${userId}`;
  try {
    if (intent === 'suspend') {
      const { db, actor } = await requireStaff(request, 'users:suspend');
      if (!isConfirmed(form)) return askToConfirm({ intent, fields: {}, ...SUSPEND_WORDING });
      const r = await suspendUser(db, actor, { userId });
      return done(here, `Suspended ${r.email}: ${r.sessionsRevoked} session(s) ended.`);
    }
    if (intent === 'restore') {
      const { db, actor } = await requireStaff(request, 'users:suspend');
      const r = await restoreUser(db, actor, { userId });
      return done(here, `Restored ${r.email}. They can sign in again.`);
    }
    if (intent === 'impersonate') {
      const { db, actor, auth } = await requireStaff(request, 'users:impersonate');
      const target = await startImpersonation(db, actor, {
        sessionId: auth.session.id,
        targetUserId: userId,
      });
      return done('/orgs', `You are viewing the product as ${target.email}, read-only.`);
    }
  } catch (err) {
    return formError(intent, null, err);
  }
  return badIntent();
}

export default function AdminUser() {
  const { user, memberships, sessions, apiKeys, canSuspend, canImpersonate } = useLoaderData<typeof loader>();
  return (
    <ConfirmationPage cancelHref={`/admin/users/${user.id}`}>
      <div className="space-y-6">
        <AdminHeading title={user.email}>
          <Link to="/admin/users" className="link text-sm">
            All users
          </Link>
        </AdminHeading>
        <section aria-labelledby="profile-heading" className="card space-y-3">
          <h2 id="profile-heading" className="text-lg font-semibold">
            Account
          </h2>
          <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
            <dt className="font-semibold">Name</dt>
            <dd>{user.name ?? '—'}</dd>
            <dt className="font-semibold">Platform role</dt>
            <dd>{user.role}</dd>
            <dt className="font-semibold">Status</dt>
            <dd>
              <Badge
                tone={user.status === 'ACTIVE' ? 'good' : user.status === 'SUSPENDED' ? 'bad' : 'neutral'}
              >
                {user.status}
              </Badge>
            </dd>
            <dt className="font-semibold">Email verified</dt>
            <dd>{user.emailVerifiedAt ? formatDate(user.emailVerifiedAt) : 'Not yet'}</dd>
            <dt className="font-semibold">Signed up</dt>
            <dd>{formatDate(user.createdAt)}</dd>
            <dt className="font-semibold">Last sign-in</dt>
            <dd>{user.lastLoginAt ? formatDate(user.lastLoginAt) : 'Never'}</dd>
          </dl>
          <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-3">
            {canSuspend && user.status === 'ACTIVE' ? (
              <ConfirmAction
                intent="suspend"
                fields={{}}
                label="Suspend user"
                pendingLabel="Suspending…"
                confirmation={SUSPEND_WORDING}
              />
            ) : null}
            {canSuspend && user.status === 'SUSPENDED' ? (
              <Form method="post">
                <input type="hidden" name="intent" value="restore" />
                <SubmitButton className="btn-secondary" pendingLabel="Restoring…">
                  Restore user
                </SubmitButton>
              </Form>
            ) : null}
            {canImpersonate ? (
              <Form method="post">
                <input type="hidden" name="intent" value="impersonate" />
                <SubmitButton className="btn-secondary" pendingLabel="Opening…">
                  View as this user (read-only)
                </SubmitButton>
              </Form>
            ) : null}
            {!canSuspend ? (
              <p className="text-sm text-slate-600">
                Suspending and viewing as a user are for platform administrators.
              </p>
            ) : null}
          </div>
          <FormAlert form="suspend" />
          <FormAlert form="restore" />
          <FormAlert form="impersonate" />
        </section>

        <section aria-labelledby="orgs-heading" className="space-y-2">
          <h2 id="orgs-heading" className="text-lg font-semibold">
            Organizations
          </h2>
          {memberships.length === 0 ? (
            <p className="text-sm text-slate-700">Not a member of any organization.</p>
          ) : (
            <ul className="card divide-y divide-slate-200 p-0">
              {memberships.map((m) => (
                <li key={m.organizationId} className="flex flex-wrap justify-between gap-2 px-4 py-2 text-sm">
                  <Link to={`/admin/organizations/${m.slug}`} className="link">
                    {m.name}
                  </Link>
                  <span>{m.role}</span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section aria-labelledby="sessions-heading" className="space-y-2">
          <h2 id="sessions-heading" className="text-lg font-semibold">
            Active sessions
          </h2>
          {sessions.length === 0 ? (
            <p className="text-sm text-slate-700">No active sessions.</p>
          ) : (
            <ScrollRegion label="Active sessions">
              <table className="w-full text-left text-sm">
                <thead className="border-b border-slate-200 bg-slate-50">
                  <tr>
                    <th className="px-4 py-2">Device</th>
                    <th className="px-4 py-2">Address</th>
                    <th className="px-4 py-2">Last used</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-200">
                  {sessions.map((s) => (
                    <tr key={s.key}>
                      <td className="px-4 py-2">{s.device}</td>
                      <td className="px-4 py-2">{s.ipAddress ?? 'unknown'}</td>
                      <td className="px-4 py-2 whitespace-nowrap">{formatDate(s.lastUsedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </section>

        <section aria-labelledby="keys-heading" className="space-y-2">
          <h2 id="keys-heading" className="text-lg font-semibold">
            API keys they created
          </h2>
          {apiKeys.length === 0 ? (
            <p className="text-sm text-slate-700">None.</p>
          ) : (
            <ul className="card divide-y divide-slate-200 p-0">
              {apiKeys.map((k) => (
                <li key={k.id} className="flex flex-wrap justify-between gap-2 px-4 py-2 text-sm">
                  <span>
                    {k.name} <span className="font-mono text-slate-600">{k.prefix}…</span> ·{' '}
                    {k.organizationName}
                  </span>
                  <span>{k.isActive ? 'active' : 'revoked'}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </ConfirmationPage>
  );
}
