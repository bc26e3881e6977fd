import type { MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatMoney } from '~/billing/plans';
import { listPublicPlans } from '~/billing/plans.server';
import { planHighlights } from '~/components/plan-features';
import { getDb } from '~/db.server';

export const meta: MetaFunction = () => [{ title: 'Pricing — SaaS Platform' }];

export async function loader() {
  return { plans: await listPublicPlans(await getDb()) };
}

const INTERVAL_LABEL: Record<string, string> = { MONTHLY: '/ month', YEARLY: '/ year', LIFETIME: 'forever' };

export default function Pricing() {
  const { plans } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1 className="text-center text-3xl font-bold tracking-tight">Pricing</h1>
      <p className="mt-3 text-center text-slate-700">Start free. Upgrade when your organization grows.</p>
      <ul className="mt-10 grid gap-6 md:grid-cols-3">
        {plans.map((plan) => (
          <li key={plan.key} className="card flex flex-col" data-plan={plan.key}>
            <h2 className="text-xl font-semibold">{plan.name}</h2>
            {plan.description ? <p className="mt-1 text-sm text-slate-700">{plan.description}</p> : null}
            <p className="mt-4">
              <span className="text-3xl font-bold">{formatMoney(plan.price, plan.currency)}</span>{' '}
              <span className="text-sm text-slate-600">{INTERVAL_LABEL[plan.billingInterval] ?? ''}</span>
            </p>
            <ul className="mt-4 space-y-1 text-sm text-slate-800">
              {planHighlights(plan).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            <div className="mt-auto pt-6">
              <Link to="/signup" className="btn-primary w-full">
                {plan.price === 0 ? 'Start for free' : `Choose ${plan.name}`}
              </Link>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
