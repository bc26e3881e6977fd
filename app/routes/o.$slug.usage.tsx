// The organization's usage this UTC month (every role, BILLING included, SPEC §2): totals per event type,
// API calls against the plan's api_calls_per_month (a meter, and a running total against the limit line), and
// API calls per day, both drawn by the one Chart component with their numbers in a table.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ApiCallsAgainstLimit, ApiCallsPerDay } from '~/analytics/usage-charts';
import { loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { organizationTitle, PageHeading, ScrollRegion } from '~/orgs/components';
import { can } from '~/orgs/permissions';
import { getUsageOverview } from '~/usage/usage.server';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Usage');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'usage:view');
  const overview = await getUsageOverview(db, actor, organization.id).catch(loaderFailure);
  return data({
    ...overview,
    canSeeBilling: can(role, 'billing:view'),
    canManageKeys: can(role, 'api-keys:manage'),
  });
}

function monthLabel(month: string): string {
  return new Date(`${month}-01T00:00:00Z`).toLocaleString('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const n = (v: number) => v.toLocaleString('en-US');

function ApiCallsMeter({ used, limit }: { used: number; limit: number | null }) {
  if (limit === null) {
    return (
      <p className="mt-2 text-sm text-slate-700">
        <strong className="text-2xl text-slate-900">{n(used)}</strong> API calls — your plan has no monthly
        limit.
      </p>
    );
  }
  const percent = Math.min(100, Math.round((used / limit) * 100));
  const tone = percent >= 100 ? 'bg-red-600' : percent >= 80 ? 'bg-amber-500' : 'bg-brand-600';
  return (
    <div className="mt-2 space-y-2">
      <p className="text-sm text-slate-700" id="api-calls-text">
        <strong className="text-2xl text-slate-900">{n(used)}</strong> of {n(limit)} API calls used ({percent}
        %)
      </p>
      <div
        role="progressbar"
        aria-labelledby="api-calls-heading"
        aria-describedby="api-calls-text"
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        className="h-3 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className={`h-full ${tone}`} style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

export default function Usage() {
  const { organization, month, totals, apiCalls, daily, canSeeBilling, canManageKeys } =
    useLoaderData<typeof loader>();
  const base = `/o/${organization.slug}`;
  const label = monthLabel(month);
  const nearLimit = apiCalls.limit !== null && apiCalls.used >= apiCalls.limit * 0.8;
  return (
    <div className="space-y-8">
      <PageHeading title="Usage">
        <p className="text-sm text-slate-700">{label} (UTC)</p>
      </PageHeading>

      <section className="card" aria-labelledby="api-calls-heading">
        <h2 id="api-calls-heading" className="text-lg font-semibold">
          API calls this month
        </h2>
        <ApiCallsMeter used={apiCalls.used} limit={apiCalls.limit} />
        <p className="mt-2 text-sm text-slate-700">
          Plan: {apiCalls.plan.name}. Every request to the API counts one call; new usage events are refused
          once the month’s calls are used up.
        </p>
        {nearLimit && canSeeBilling ? (
          <p className="mt-2 text-sm">
            <Link to={`${base}/billing`} className="link">
              Upgrade the plan
            </Link>{' '}
            for more API calls.
          </p>
        ) : null}
        {canManageKeys ? (
          <p className="mt-2 text-sm">
            <Link to={`${base}/api-keys`} className="link">
              Manage API keys
            </Link>
          </p>
        ) : null}
      </section>

      <section aria-labelledby="totals-heading" className="space-y-3">
        <h2 id="totals-heading" className="text-lg font-semibold">
          Totals by event type
        </h2>
        {totals.length === 0 ? (
          <p className="text-slate-700">No usage recorded this month.</p>
        ) : (
          <ScrollRegion label="Totals by event type">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-slate-700">
                <tr>
                  <th scope="col" className="px-4 py-3">
                    Event type
                  </th>
                  <th scope="col" className="px-4 py-3 text-right">
                    Quantity
                  </th>
                  <th scope="col" className="px-4 py-3 text-right">
                    Events
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {totals.map((t) => (
                  <tr key={t.eventType} data-event-type={t.eventType}>
                    <th scope="row" className="px-4 py-3 font-mono font-normal">
                      {t.eventType}
                    </th>
                    <td className="px-4 py-3 text-right">{n(t.quantity)}</td>
                    <td className="px-4 py-3 text-right">{n(t.events)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </section>

      <section aria-labelledby="daily-heading" className="space-y-3">
        <h2 id="daily-heading" className="text-lg font-semibold">
          API calls per day
        </h2>
        <div className="grid gap-6 lg:grid-cols-2">
          <ApiCallsPerDay month={month} daily={daily} />
          <ApiCallsAgainstLimit month={month} daily={daily} limit={apiCalls.limit} />
        </div>
      </section>
    </div>
  );
}
