// /admin/organizations: every organization, searchable by name or slug, with plan, subscription, billing
// status and balance at a glance.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useLocation } from '@remix-run/react';
import { AdminHeading, Badge, Pager } from '~/admin/components';
import { organizationSearchSchema, searchOrganizations } from '~/admin/organizations.server';
import { requireStaff } from '~/admin/staff.server';
import { formatMoney } from '~/invoicing/format';
import { ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Organizations · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'organizations:read');
  const parsed = organizationSearchSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  return data(await searchOrganizations(db, parsed.success ? parsed.data : {}));
}

export default function AdminOrganizations() {
  const { organizations, hasMore, page, total, q } = useLoaderData<typeof loader>();
  const location = useLocation();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="Organizations"
        intro={`${total} organization${total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}.`}
      />
      <Form method="get" role="search" className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1">
          <label htmlFor="org-search" className="label">
            Name or slug
          </label>
          <input id="org-search" name="q" type="search" defaultValue={q} className="input mt-1 w-full" />
        </div>
        <button type="submit" className="btn-primary">
          Search
        </button>
      </Form>
      {organizations.length === 0 ? (
        <p className="text-slate-700">No organizations found.</p>
      ) : (
        <ScrollRegion label="Organizations">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50">
              <tr>
                <th className="px-4 py-2">Organization</th>
                <th className="px-4 py-2">Plan</th>
                <th className="px-4 py-2">Members</th>
                <th className="px-4 py-2">Billing</th>
                <th className="px-4 py-2 text-right">Balance</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {organizations.map((o) => (
                <tr key={o.id}>
                  <td className="px-4 py-2">
                    <Link to={`/admin/organizations/${o.slug}`} className="link font-medium">
                      {o.name}
                    </Link>
                    <span className="block text-slate-600">{o.slug}</span>
                  </td>
                  <td className="px-4 py-2">
                    {o.planName ?? '—'}
                    {o.subscriptionStatus ? (
                      <span className="block text-slate-600">{o.subscriptionStatus}</span>
                    ) : null}
                  </td>
                  <td className="px-4 py-2">{o.members}</td>
                  <td className="px-4 py-2">
                    {o.billingStatus ? (
                      <Badge
                        tone={
                          o.billingStatus === 'ACTIVE'
                            ? 'good'
                            : o.billingStatus === 'OVERDUE'
                              ? 'warn'
                              : 'bad'
                        }
                      >
                        {o.billingStatus}
                      </Badge>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="px-4 py-2 text-right whitespace-nowrap">{formatMoney(o.balance ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <Pager search={location.search} page={page} hasMore={hasMore} />
    </div>
  );
}
