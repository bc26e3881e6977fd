// The organization's frame: its name, the member's role, and the pages that role may open.
// A non-member (or an unknown slug) gets 404 here, before any child loader's data is shown.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { requireMember } from '~/orgs/access.server';
import { RoleBadge } from '~/orgs/components';
import { listMyOrganizations } from '~/orgs/organizations.server';
import { type Action, can } from '~/orgs/permissions';

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, organization, role, auth, subscriptionStatus, billingStatus } = await requireMember(
    request,
    params.slug,
    null,
    { allowSuspended: true },
  );
  const mine = await listMyOrganizations(db, auth.user.id);
  return data(
    {
      organization,
      role,
      organizations: mine.map((o) => ({ id: o.id, name: o.name })),
      // SPEC §2: who may see billing sees that a payment failed, on every page of the organization.
      pastDue: subscriptionStatus === 'PAST_DUE' && can(role, 'billing:portal'),
      // Every member sees a suspension; who may pay sees an overdue account too.
      suspended: billingStatus === 'SUSPENDED',
      overdue: billingStatus === 'OVERDUE' && can(role, 'billing:view'),
    },
    { headers: auth.headers },
  );
}

const NAV: { to: string; label: string; action: Action; end?: boolean }[] = [
  { to: '', label: 'Dashboard', action: 'organization:view', end: true },
  { to: 'members', label: 'Members', action: 'organization:view' },
  { to: 'invitations', label: 'Invitations', action: 'organization:view' },
  { to: 'teams', label: 'Teams', action: 'organization:view' },
  { to: 'projects', label: 'Projects', action: 'organization:view' },
  { to: 'apps', label: 'Apps', action: 'organization:view' },
  { to: 'rooms', label: 'Rooms', action: 'organization:view' },
  { to: 'usage', label: 'Usage', action: 'usage:view' },
  { to: 'modules', label: 'Modules', action: 'organization:view' },
  { to: 'audit', label: 'Audit log', action: 'audit:view' },
  { to: 'api-keys', label: 'API keys', action: 'api-keys:manage' },
  { to: 'support', label: 'Support', action: 'tickets:use' },
  { to: 'billing', label: 'Billing', action: 'billing:view' },
  { to: 'settings', label: 'Settings', action: 'organization:edit' },
];

export default function OrganizationLayout() {
  const { organization, role, organizations, pastDue, suspended, overdue } = useLoaderData<typeof loader>();
  const base = `/o/${organization.slug}`;
  return (
    <div>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 pb-4">
        <div className="flex min-w-0 items-center gap-3">
          <p className="min-w-0 truncate text-lg font-semibold" title={organization.name}>
            {organization.name}
          </p>
          <RoleBadge role={role} />
        </div>
        {/* The switcher: POST /orgs stores the choice on the session (works without JavaScript). */}
        <Form
          method="post"
          action="/orgs"
          className="flex w-full min-w-0 items-center gap-2 text-sm sm:w-auto"
        >
          <label htmlFor="switch-organization" className="sr-only">
            Switch organization
          </label>
          <select
            id="switch-organization"
            name="organizationId"
            defaultValue={organization.id}
            key={organization.id}
            className="input w-auto flex-1 py-1 sm:max-w-64 sm:flex-none"
          >
            {organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          <button type="submit" className="btn-secondary">
            Switch
          </button>
        </Form>
      </div>
      <nav aria-label="Organization" className="mt-3">
        <ul className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
          {NAV.filter((item) => can(role, item.action)).map((item) => (
            <li key={item.label}>
              <NavLink
                to={item.to ? `${base}/${item.to}` : base}
                end={item.end}
                className={({ isActive }) =>
                  isActive ? 'font-semibold text-brand-700 underline' : 'text-slate-700'
                }
              >
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {suspended || overdue ? (
        <div
          role="alert"
          className={`mt-4 flex flex-wrap items-center justify-between gap-3 rounded-md px-4 py-3 text-sm ring-1 ${suspended ? 'bg-red-50 text-red-900 ring-red-200' : 'bg-amber-50 text-amber-900 ring-amber-200'}`}
          data-banner={suspended ? 'suspended' : 'overdue'}
        >
          <p>
            <strong>{suspended ? 'Suspended for non-payment.' : 'An invoice is overdue.'}</strong>
            {suspended
              ? ` ${organization.name} can reach only its billing pages until the overdue invoices are paid.`
              : ' Pay it before the grace period ends to keep the services running.'}
          </p>
          <Link to={`${base}/billing`} className="btn-primary">
            {suspended ? 'Pay now' : 'View invoices'}
          </Link>
        </div>
      ) : null}
      {pastDue ? (
        <div
          role="alert"
          className="mt-4 flex flex-wrap items-center justify-between gap-3 rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200"
          data-banner="past-due"
        >
          <p>
            <strong>Payment failed.</strong>
            {` Stripe could not charge the card on file for ${organization.name}. Update the payment method to keep the plan.`}
          </p>
          <Form method="post" action={`${base}/billing`} className="flex items-center gap-3">
            <input type="hidden" name="intent" value="portal" />
            <button type="submit" className="btn-primary">
              Update payment method
            </button>
            <Link to={`${base}/billing`} className="underline">
              Billing
            </Link>
          </Form>
        </div>
      ) : null}
      <div className="mt-6">
        <Outlet />
      </div>
    </div>
  );
}
