// The organization switcher: every organization of the user with their role; choosing one stores it
// on the session (sessions.active_organization_id). A user without any organization goes to /orgs/new.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requireUser } from '~/auth/sessions.server';
import { loaderFailure } from '~/lib/http.server';
import { RoleBadge } from '~/orgs/components';
import { listMyOrganizations, setActiveOrganization } from '~/orgs/organizations.server';

export const meta: MetaFunction = () => [{ title: 'Your organizations — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const organizations = await listMyOrganizations(auth.db, auth.user.id);
  if (organizations.length === 0) throw redirect('/orgs/new', { headers: auth.headers });
  return data({ organizations, activeId: auth.session.activeOrganizationId }, { headers: auth.headers });
}

const switchSchema = z.object({ organizationId: z.string().min(1) });

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const parsed = switchSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) throw new Response('Choose an organization', { status: 400 });
  try {
    const org = await setActiveOrganization(
      auth.db,
      { sessionId: auth.session.id, userId: auth.user.id },
      parsed.data.organizationId,
    );
    if (org.role === 'BILLING') return redirect(`/o/${org.slug}/billing`);
    return redirect(`/o/${org.slug}`);
  } catch (err) {
    return loaderFailure(err);
  }
}

export default function Organizations() {
  const { organizations, activeId } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-2xl">
      <div className="flex items-center justify-between gap-4">
        <h1 className="text-2xl font-bold">Your organizations</h1>
        <Link to="/orgs/new" className="btn-primary">
          New organization
        </Link>
      </div>
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
    </div>
  );
}
