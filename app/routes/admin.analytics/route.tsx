// /admin/analytics (issue 14 §4, SPEC §7 "admin … analytics charts"): MRR, active subscriptions, churn,
// revenue and new customers per day over a range chosen with a GET form (works without JavaScript), drawn by
// the one Chart component with their numbers in tables, and the same range as CSV. ADMIN only
// (analytics:read): SUPPORT gets 403 with the reason, everyone else 404 like every /admin URL.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { requireStaff } from '~/admin/staff.server';
import { count, dayLong, dayShort, dollars, dollarsShort, percent } from '~/analytics/format';
import { addDays, dailyMetrics, parseRangeQuery, utcDay } from '~/analytics/rollup.server';
import { Chart } from '~/components/chart';
import { loaderFailure } from '~/lib/http.server';
import { PageHeading } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Analytics · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'analytics:read');
  const url = new URL(request.url);
  const now = new Date();
  const parsed = parseRangeQuery(url.searchParams, now);
  const days = await dailyMetrics(db, actor, parsed.range).catch(loaderFailure);
  const today = utcDay(now);
  const presets = [
    { label: 'Last 30 days', from: addDays(today, -29), to: today },
    { label: 'Last 90 days', from: addDays(today, -89), to: today },
    { label: 'Last 12 months', from: addDays(today, -364), to: today },
  ];
  return data(
    {
      range: parsed.range,
      input: parsed.ok ? parsed.range : parsed.input,
      errors: parsed.ok ? null : parsed.errors,
      days,
      presets,
    },
    { status: parsed.ok ? 200 : 400 },
  );
}

const last = <T,>(values: (T | null)[]): T | null => {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
};

export default function AdminAnalytics() {
  const { range, input, errors, days, presets } = useLoaderData<typeof loader>();
  const busy = useNavigation().state === 'loading';
  const dates = days.map((d) => d.date);
  const col = (key: 'mrr' | 'active_subscriptions' | 'new_customers' | 'churn_rate' | 'revenue') =>
    days.map((d) => d[key]);
  const mrr = col('mrr');
  const active = col('active_subscriptions');
  const churn = col('churn_rate');
  const revenue = col('revenue');
  const customers = col('new_customers');
  const sum = (values: (number | null)[]) => values.reduce<number>((s, v) => s + (v ?? 0), 0);
  const recorded = (values: (number | null)[]) => values.filter((v) => v !== null).length;
  const churnDays = churn.filter((v): v is number => v !== null);
  const averageChurn = churnDays.length ? churnDays.reduce((s, v) => s + v, 0) / churnDays.length : null;
  const period = `${dayLong(range.from)} – ${dayLong(range.to)}`;
  const csv = `/admin/analytics.csv?from=${range.from}&to=${range.to}`;
  const shared = {
    categories: dates,
    xLabel: 'Day (UTC)',
    formatCategory: dayShort,
    formatCategoryLong: dayLong,
    categoryHeading: 'Day (UTC)',
    headingLevel: 2 as const,
  };
  const latestMrr = last(mrr);
  const latestActive = last(active);
  const stats = [
    { label: 'MRR (latest)', value: latestMrr === null ? '—' : dollars(latestMrr) },
    { label: 'Active subscriptions (latest)', value: latestActive === null ? '—' : count(latestActive) },
    { label: 'Revenue in the range', value: dollars(sum(revenue)) },
    { label: 'New customers in the range', value: count(sum(customers)) },
    { label: 'Average daily churn', value: averageChurn === null ? '—' : percent(averageChurn) },
  ];
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-600">Platform admin</p>
        <PageHeading title="Analytics" />
        <p className="text-sm text-slate-700">
          Daily metrics recorded by the <code>analytics-rollup</code> job, {period}. Money in US dollars; days
          are UTC.
        </p>
      </div>

      <Form method="get" className="card flex flex-wrap items-end gap-4" aria-label="Date range">
        <div>
          <label htmlFor="analytics-from" className="label">
            From (UTC)
          </label>
          <input
            id="analytics-from"
            name="from"
            type="date"
            defaultValue={input.from}
            className="input mt-1"
            aria-invalid={errors?.from ? true : undefined}
            aria-describedby={errors?.from ? 'analytics-from-error' : undefined}
          />
          {errors?.from ? (
            <p id="analytics-from-error" className="mt-1 text-sm text-red-700">
              {errors.from}
            </p>
          ) : null}
        </div>
        <div>
          <label htmlFor="analytics-to" className="label">
            To (UTC)
          </label>
          <input
            id="analytics-to"
            name="to"
            type="date"
            defaultValue={input.to}
            className="input mt-1"
            aria-invalid={errors?.to ? true : undefined}
            aria-describedby={errors?.to ? 'analytics-to-error' : undefined}
          />
          {errors?.to ? (
            <p id="analytics-to-error" className="mt-1 text-sm text-red-700">
              {errors.to}
            </p>
          ) : null}
        </div>
        <button type="submit" className="btn-primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Showing…' : 'Show'}
        </button>
        <a href={csv} className="btn-secondary" download>
          Download CSV
        </a>
        <ul className="flex w-full flex-wrap gap-x-4 gap-y-1 text-sm" aria-label="Quick ranges">
          {presets.map((p) => (
            <li key={p.label}>
              <Link to={`?from=${p.from}&to=${p.to}`} className="link">
                {p.label}
              </Link>
            </li>
          ))}
        </ul>
      </Form>
      {errors ? (
        <p role="alert" className="text-sm text-red-700">
          The range was not valid, so the last 30 days are shown: {Object.values(errors).join('; ')}.
        </p>
      ) : null}

      <dl className="grid grid-cols-2 gap-4 lg:grid-cols-5">
        {stats.map((s) => (
          <div key={s.label} className="card">
            <dt className="text-sm text-slate-600">{s.label}</dt>
            <dd className="mt-1 text-xl font-semibold text-slate-900 tabular-nums">{s.value}</dd>
          </div>
        ))}
      </dl>

      <div className="grid gap-6 xl:grid-cols-2">
        <Chart
          {...shared}
          title="Monthly recurring revenue"
          summary={`MRR per day in US dollars (a yearly plan counts a twelfth of its price), ${recorded(mrr)} of ${dates.length} days recorded${latestMrr === null ? '' : `; latest ${dollars(latestMrr)}`}. The numbers are in the table below.`}
          kind="line"
          series={[{ key: 'mrr', label: 'MRR', values: mrr }]}
          yLabel="MRR (USD)"
          formatValue={dollars}
          formatAxis={dollarsShort}
        />
        <Chart
          {...shared}
          title="Active subscriptions"
          summary={`Paying subscriptions at the end of each day${latestActive === null ? '' : `; latest ${count(latestActive)}`}. The numbers are in the table below.`}
          kind="line"
          series={[{ key: 'active', label: 'Active subscriptions', values: active }]}
          yLabel="Subscriptions"
          formatValue={count}
        />
        <Chart
          {...shared}
          title="Churn rate"
          summary={`Share of the paying subscriptions at the start of each day that ended or moved to a free plan that day${averageChurn === null ? '' : `; ${percent(averageChurn)} on average`}. The numbers are in the table below.`}
          kind="line"
          series={[{ key: 'churn', label: 'Churn rate', values: churn }]}
          yLabel="Churn (% per day)"
          formatValue={percent}
        />
        <Chart
          {...shared}
          title="Revenue per day"
          summary={`Money received each day in US dollars: invoice payments and paid store orders, minus refunds; ${dollars(sum(revenue))} in the range. The numbers are in the table below.`}
          kind="bar"
          series={[{ key: 'revenue', label: 'Revenue', values: revenue }]}
          yLabel="Revenue (USD)"
          formatValue={dollars}
          formatAxis={dollarsShort}
        />
        <Chart
          {...shared}
          title="New customers per day"
          summary={`Organizations created each day; ${count(sum(customers))} in the range. The numbers are in the table below.`}
          kind="bar"
          series={[{ key: 'customers', label: 'New customers', values: customers }]}
          yLabel="Organizations"
          formatValue={count}
        />
      </div>
    </div>
  );
}
