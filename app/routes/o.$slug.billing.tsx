// Placeholder until the billing issue lands: the page exists (BILLING members' home, SPEC §2) and is
// guarded by the matrix; plan changes, invoices and payments come with billing.

import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { formatLimit } from '~/billing/plans';
import { requireMember } from '~/orgs/access.server';
import { organizationPlan } from '~/orgs/limits.server';

export const meta: MetaFunction = () => [{ title: 'Billing — SaaS Platform' }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, organization } = await requireMember(request, params.slug, 'billing:view');
  return { plan: await organizationPlan(db, organization.id) };
}

export default function Billing() {
  const { plan } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-2xl font-bold">Billing</h1>
      <p className="mt-4">
        Current plan: <strong>{plan.name}</strong> ({formatLimit('members', plan.limits.members)} members,{' '}
        {formatLimit('modules', plan.limits.modules)} modules).
      </p>
      <p className="mt-2 text-sm text-slate-700">Plan changes, invoices and payments will appear here.</p>
    </div>
  );
}
