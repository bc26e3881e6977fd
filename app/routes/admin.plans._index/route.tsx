// /admin/plans (ADMIN only): the plans on sale, their price, limits, trial and Stripe price, and how many
// organizations are on each; each links to its edit page.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { AdminHeading } from '~/admin/components';
import { listPlansForStaff } from '~/admin/plans.server';
import { requireStaff } from '~/admin/staff.server';
import { formatMoney } from '~/invoicing/format';
import { ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Plans · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'plans:manage');
  return data({ plans: await listPlansForStaff(db) });
}

const limitText = (v: unknown) => (v === null || v === undefined ? 'unlimited' : String(v));

export default function AdminPlans() {
  const { plans } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="Plans"
        intro="Prices live on the plan; a retired plan leaves pricing but organizations on it keep it."
      />
      <ScrollRegion label="Plans">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-200 bg-slate-50">
            <tr>
              <th className="px-4 py-2">Plan</th>
              <th className="px-4 py-2">Price</th>
              <th className="px-4 py-2">Limits</th>
              <th className="px-4 py-2">Trial</th>
              <th className="px-4 py-2">Stripe price</th>
              <th className="px-4 py-2 text-right">Organizations</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-200">
            {plans.map((p) => {
              const limits = (p.limits ?? {}) as unknown as Record<string, unknown>;
              return (
                <tr key={p.id}>
                  <td className="px-4 py-2">
                    <Link to={`/admin/plans/${p.id}`} className="link font-medium">
                      {p.name}
                    </Link>
                    <span className="block text-slate-600">{p.key}</span>
                  </td>
                  <td className="px-4 py-2 whitespace-nowrap">
                    {formatMoney(p.price, p.currency)} {p.billingInterval.toLowerCase()}
                  </td>
                  <td className="px-4 py-2">
                    {limitText(limits.members)} members · {limitText(limits.modules)} modules ·{' '}
                    {limitText(limits.api_calls_per_month)} API calls/month
                  </td>
                  <td className="px-4 py-2">{p.trialDays ? `${p.trialDays} days` : 'none'}</td>
                  <td className="px-4 py-2 font-mono text-xs">{p.stripePriceId ?? '—'}</td>
                  <td className="px-4 py-2 text-right">{p.subscribers}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}
