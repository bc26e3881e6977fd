// The usage charts of /o/:slug and /o/:slug/usage, all drawn by the one Chart component.
import { Chart } from '~/components/chart';
import { count, dayLong, monthName, runningTotal } from './format';

type Daily = { day: string; calls: number }[];

const dayOfMonth = (day: string) => String(Number(day.slice(8)));

/**
 * API calls so far this month, day by day, against the plan's monthly limit. A running total: the limit is
 * per month, so it is the total, not one day's calls, that meets the line.
 */
export function ApiCallsAgainstLimit({
  month,
  daily,
  limit,
  headingLevel,
}: {
  month: string;
  daily: Daily;
  limit: number | null;
  headingLevel?: 2 | 3;
}) {
  const totals = runningTotal(daily.map((d) => d.calls));
  const used = totals[totals.length - 1] ?? 0;
  const label = monthName(month);
  const summary =
    limit === null
      ? `${count(used)} API calls so far in ${label}; the plan has no monthly limit. The numbers are in the table below.`
      : `${count(used)} of ${count(limit)} API calls used so far in ${label} (${Math.round((used / Math.max(1, limit)) * 100)}%). The numbers are in the table below.`;
  return (
    <Chart
      title={`API calls in ${label}, running total`}
      summary={summary}
      kind="line"
      categories={daily.map((d) => d.day)}
      series={[{ key: 'calls', label: 'API calls so far', values: totals }]}
      xLabel={`Day of ${label} (UTC)`}
      yLabel="API calls"
      limit={limit === null ? null : { value: limit, label: 'Monthly limit' }}
      formatValue={count}
      formatCategory={dayOfMonth}
      formatCategoryLong={dayLong}
      categoryHeading="Day (UTC)"
      headingLevel={headingLevel}
    />
  );
}

export function ApiCallsPerDay({
  month,
  daily,
  headingLevel,
}: {
  month: string;
  daily: Daily;
  headingLevel?: 2 | 3;
}) {
  const label = monthName(month);
  const total = daily.reduce((s, d) => s + d.calls, 0);
  const busiest = daily.reduce<{ day: string; calls: number } | null>(
    (b, d) => (d.calls > (b?.calls ?? 0) ? d : b),
    null,
  );
  const summary = busiest
    ? `${count(total)} API calls over ${daily.length} days of ${label}; the busiest day was ${dayLong(busiest.day)} with ${count(busiest.calls)}. The numbers are in the table below.`
    : `No API calls yet in ${label}.`;
  return (
    <Chart
      title={`API calls per day, ${label}`}
      summary={summary}
      kind="bar"
      categories={daily.map((d) => d.day)}
      series={[{ key: 'calls', label: 'API calls', values: daily.map((d) => d.calls) }]}
      xLabel={`Day of ${label} (UTC)`}
      yLabel="API calls per day"
      formatValue={count}
      formatCategory={dayOfMonth}
      formatCategoryLong={dayLong}
      categoryHeading="Day (UTC)"
      headingLevel={headingLevel}
    />
  );
}

export function TopEventTypes({
  month,
  events,
  headingLevel,
}: {
  month: string;
  events: { eventType: string; quantity: number }[];
  headingLevel?: 2 | 3;
}) {
  const label = monthName(month);
  if (events.length === 0) {
    return (
      <div className="card">
        <p className="text-sm text-slate-700">No usage events other than API calls in {label} yet.</p>
      </div>
    );
  }
  const top = events[0]!;
  return (
    <Chart
      title={`Top event types, ${label}`}
      summary={`The ${events.length} most used event types this month (API calls aside); ${top.eventType} leads with ${count(top.quantity)}. The numbers are in the table below.`}
      kind="bar"
      categories={events.map((e) => e.eventType)}
      series={[{ key: 'quantity', label: 'Quantity', values: events.map((e) => e.quantity) }]}
      xLabel="Event type"
      yLabel="Quantity this month"
      formatValue={count}
      categoryHeading="Event type"
      headingLevel={headingLevel}
    />
  );
}
