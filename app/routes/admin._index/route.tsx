// /admin: the numbers staff look at first, each linking to the page that explains it. MRR is the latest
// `mrr` row of the analytics table (the analytics-rollup job); before its first run it says so.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { AdminHeading, StatCard } from '~/admin/components';
import { adminOverview } from '~/admin/operations.server';
import { requireStaff } from '~/admin/staff.server';
import { formatMoney } from '~/invoicing/format';

export const meta: MetaFunction = () => [{ title: 'Overview · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'users:read');
  return data(await adminOverview(db));
}

export default function AdminOverview() {
  const o = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <AdminHeading title="Overview" />
      <section aria-labelledby="business-heading" className="space-y-3">
        <h2 id="business-heading" className="text-lg font-semibold">
          Business
        </h2>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <StatCard label="Sign-ups, last 7 days" value={o.signups7} to="/admin/users" />
          <StatCard label="Sign-ups, last 30 days" value={o.signups30} to="/admin/users" />
          <StatCard
            label="Active organizations"
            value={o.activeOrganizations}
            to="/admin/organizations"
            note="Subscription active, trialing or past due"
          />
          <StatCard
            label="MRR"
            value={o.mrr ? formatMoney(o.mrr.cents) : 'Not computed yet'}
            to="/admin/analytics"
            note={o.mrr ? `As of ${o.mrr.date}` : 'Runs with the analytics-rollup job'}
          />
        </div>
      </section>
      <section aria-labelledby="attention-heading" className="space-y-3">
        <h2 id="attention-heading" className="text-lg font-semibold">
          Needs attention
        </h2>
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <StatCard label="Open tickets" value={o.openTickets} to="/admin/support?status=ACTIVE" />
          <StatCard
            label="Failed cron jobs"
            value={o.failedCronJobs}
            to="/admin/cron"
            tone={o.failedCronJobs ? 'bad' : 'normal'}
            note="Jobs whose latest run failed"
          />
          <StatCard
            label="Failed webhooks"
            value={o.failedWebhooks}
            to="/admin/webhooks?failed=1"
            tone={o.failedWebhooks ? 'bad' : 'normal'}
          />
          <StatCard
            label="Failed emails"
            value={o.failedEmails}
            to="/admin/emails?status=FAILED"
            tone={o.failedEmails ? 'bad' : 'normal'}
          />
        </div>
      </section>
    </div>
  );
}
