// /admin/organizations/:slug: one organization for staff — members, plan and subscription, billing account
// and balance, this month's usage, services — with the link to its staff billing page (payments, credits).
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { AdminHeading, Badge } from '~/admin/components';
import { organizationForStaff } from '~/admin/organizations.server';
import { requireStaff } from '~/admin/staff.server';
import { formatMoney } from '~/invoicing/format';
import { loaderFailure } from '~/lib/http.server';
import { formatDate } from '~/orgs/components';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.organization.name ?? 'Organization'} · Admin · SaaS Platform` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'organizations:read');
  return data(await organizationForStaff(db, String(params.slug)).catch(loaderFailure));
}

const limitText = (v: unknown) => (v === null || v === undefined ? 'unlimited' : String(v));

export default function AdminOrganization() {
  const { organization, plan, subscription, members, usage, account, services } =
    useLoaderData<typeof loader>();
  const limits = (plan?.limits ?? {}) as Record<string, unknown>;
  return (
    <div className="space-y-6">
      <AdminHeading
        title={organization.name}
        intro={`/${organization.slug} · created ${formatDate(organization.createdAt)}`}
      >
        <Link to={`/admin/organizations/${organization.slug}/billing`} className="btn-primary">
          Billing, payments and credits
        </Link>
      </AdminHeading>
      <div className="grid gap-4 md:grid-cols-2">
        <section aria-labelledby="plan-heading" className="card space-y-2 text-sm">
          <h2 id="plan-heading" className="text-lg font-semibold">
            Plan and subscription
          </h2>
          <p>
            <strong>{plan?.name ?? 'No plan'}</strong>
            {plan ? ` · ${formatMoney(plan.price)} ${plan.billingInterval.toLowerCase()}` : ''}
          </p>
          {subscription ? (
            <p>
              {subscription.status}
              {subscription.cancelAtPeriodEnd ? ' · cancels at period end' : ''}
              {subscription.currentPeriodEnd
                ? ` · period ends ${formatDate(subscription.currentPeriodEnd)}`
                : ''}
              {subscription.trialEnd ? ` · trial ends ${formatDate(subscription.trialEnd)}` : ''}
              {subscription.stripeSubscriptionId
                ? ` · Stripe ${subscription.stripeSubscriptionId}`
                : ' · local billing'}
            </p>
          ) : null}
          <p className="text-slate-700">
            Limits: {limitText(limits.members)} members, {limitText(limits.modules)} modules,{' '}
            {limitText(limits.api_calls_per_month)} API calls a month
          </p>
        </section>
        <section aria-labelledby="account-heading" className="card space-y-2 text-sm">
          <h2 id="account-heading" className="text-lg font-semibold">
            Billing account
          </h2>
          <p>
            <Badge
              tone={account.status === 'ACTIVE' ? 'good' : account.status === 'OVERDUE' ? 'warn' : 'bad'}
            >
              {account.status}
            </Badge>{' '}
            balance <strong>{formatMoney(account.balance)}</strong> (
            {account.balance >= 0 ? 'credit' : 'owed'}) · credit available {formatMoney(account.available)}
          </p>
          <p className="text-slate-700">Grace period {account.gracePeriodDays} days</p>
        </section>
      </div>
      <section aria-labelledby="members-heading" className="space-y-2">
        <h2 id="members-heading" className="text-lg font-semibold">
          Members ({members.length})
        </h2>
        <ul className="card divide-y divide-slate-200 p-0">
          {members.map((m) => (
            <li key={m.userId} className="flex flex-wrap justify-between gap-2 px-4 py-2 text-sm">
              <Link to={`/admin/users/${m.userId}`} className="link">
                {m.name ? `${m.name} (${m.email})` : m.email}
              </Link>
              <span>
                {m.role}
                {m.status !== 'ACTIVE' ? ` · ${m.status}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="usage-heading" className="space-y-2">
        <h2 id="usage-heading" className="text-lg font-semibold">
          Usage this month
        </h2>
        {usage.length === 0 ? (
          <p className="text-sm text-slate-700">No usage recorded this month.</p>
        ) : (
          <ul className="card divide-y divide-slate-200 p-0">
            {usage.map((u) => (
              <li key={u.eventType} className="flex justify-between gap-2 px-4 py-2 text-sm">
                <span className="font-mono">{u.eventType}</span>
                <span>{Number(u.quantity).toLocaleString('en-US')}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="services-heading" className="space-y-2">
        <h2 id="services-heading" className="text-lg font-semibold">
          Services
        </h2>
        {services.length === 0 ? (
          <p className="text-sm text-slate-700">No services.</p>
        ) : (
          <ul className="card divide-y divide-slate-200 p-0">
            {services.map((s) => (
              <li key={s.id} className="flex flex-wrap justify-between gap-2 px-4 py-2 text-sm">
                <span>
                  {s.name} <span className="text-slate-600">({s.type})</span>
                </span>
                <span>
                  {formatMoney(s.monthlyFee)}/month · {s.status}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
