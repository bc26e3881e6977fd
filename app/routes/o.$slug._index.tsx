// The organization dashboard: members, projects, plan and enabled modules at a glance, and the usage charts
// (SPEC §7): API calls this month against the plan's limit, and the top event types. A BILLING member's home
// is the billing page (SPEC §2).

import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ApiCallsAgainstLimit, TopEventTypes } from '~/analytics/usage-charts';
import { formatLimit } from '~/billing/plans';
import { loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { organizationTitle, RoleBadge } from '~/orgs/components';
import { getDashboard } from '~/orgs/organizations.server';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Dashboard');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug);
  if (role === 'BILLING') throw redirect(`/o/${organization.slug}/billing`);
  const dashboard = await getDashboard(db, actor, organization.id).catch(loaderFailure);
  return data({ organization, role, dashboard, canInvite: can(role, 'members:invite') });
}

export default function Dashboard() {
  const { organization, dashboard, canInvite } = useLoaderData<typeof loader>();
  const { usage } = dashboard;
  const base = `/o/${organization.slug}`;
  const { plan } = dashboard;
  return (
    <div>
      <h1 className="text-2xl font-bold">Dashboard</h1>
      <section aria-labelledby="usage-heading" className="mt-6 space-y-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="usage-heading" className="text-lg font-semibold">
            Usage this month
          </h2>
          <Link to={`${base}/usage`} className="link text-sm">
            All usage
          </Link>
        </div>
        <div className="grid gap-6 lg:grid-cols-2">
          <ApiCallsAgainstLimit
            month={usage.month}
            daily={usage.daily}
            limit={plan.limits.api_calls_per_month}
          />
          <TopEventTypes month={usage.month} events={usage.topEvents} />
        </div>
      </section>
      <div className="mt-6 grid gap-6 md:grid-cols-2">
        <section className="card" aria-labelledby="members-heading">
          <h2 id="members-heading" className="text-lg font-semibold">
            Members <span className="text-sm font-normal text-slate-600">({dashboard.memberCount})</span>
          </h2>
          <ul className="mt-3 space-y-2">
            {dashboard.members.map((m) => (
              <li key={m.id} className="flex items-center justify-between gap-2 text-sm">
                <span>{m.name ?? m.email}</span>
                <RoleBadge role={m.role} />
              </li>
            ))}
          </ul>
          <p className="mt-4 flex gap-4 text-sm">
            <Link to={`${base}/members`} className="link">
              All members
            </Link>
            {canInvite ? (
              <Link to={`${base}/members#invite-someone`} className="link">
                Invite someone
              </Link>
            ) : null}
          </p>
        </section>
        <section className="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading" className="text-lg font-semibold">
            Plan: {plan.name}
          </h2>
          <ul className="mt-3 space-y-1 text-sm">
            <li>
              Members: {dashboard.memberCount} + {dashboard.pendingInvitations} invited of{' '}
              {formatLimit(plan.limits.members)}
            </li>
            <li>
              Modules: {dashboard.modules.length} of {formatLimit(plan.limits.modules)}
            </li>
            <li>API calls per month: {formatLimit(plan.limits.api_calls_per_month)}</li>
          </ul>
        </section>
        <section className="card" aria-labelledby="projects-heading">
          <h2 id="projects-heading" className="text-lg font-semibold">
            Projects <span className="text-sm font-normal text-slate-600">({dashboard.projectCount})</span>
          </h2>
          {dashboard.projects.length === 0 ? (
            <p className="mt-3 text-sm text-slate-700">No projects yet.</p>
          ) : (
            <ul className="mt-3 space-y-1 text-sm">
              {dashboard.projects.map((p) => (
                <li key={p.id}>
                  {p.name} <span className="text-slate-600">({p.slug})</span>
                </li>
              ))}
            </ul>
          )}
          <p className="mt-4 text-sm">
            <Link to={`${base}/projects`} className="link">
              Projects
            </Link>
          </p>
        </section>
        <section className="card" aria-labelledby="modules-heading">
          <h2 id="modules-heading" className="text-lg font-semibold">
            Enabled modules
          </h2>
          {dashboard.modules.length === 0 ? (
            <p className="mt-3 text-sm text-slate-700">No modules enabled.</p>
          ) : (
            <ul className="mt-3 space-y-1 text-sm">
              {dashboard.modules.map((m) => (
                <li key={m.key}>{m.name}</li>
              ))}
            </ul>
          )}
          <p className="mt-4 text-sm">
            <Link to={`${base}/modules`} className="link">
              Modules
            </Link>
          </p>
        </section>
      </div>
    </div>
  );
}
