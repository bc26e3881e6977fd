// GET /admin/analytics.csv?from=&to=: the daily metrics of /admin/analytics as CSV (money in cents, churn as
// a 0–1 fraction), up to ten years of days at once. ADMIN only, 404 for non-staff; a bad range is a 400.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireStaff } from '~/admin/staff.server';
import { dailyMetrics, MAX_RANGE_DAYS, metricsCsv, parseRangeQuery } from '~/analytics/rollup.server';
import { loaderFailure } from '~/lib/http.server';

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'analytics:read');
  const parsed = parseRangeQuery(new URL(request.url).searchParams, new Date(), MAX_RANGE_DAYS);
  if (!parsed.ok) {
    return new Response(`${Object.values(parsed.errors).join('; ')}\n`, {
      status: 400,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
  const { from, to } = parsed.range;
  const rows = await dailyMetrics(db, actor, parsed.range).catch(loaderFailure);
  return new Response(metricsCsv(rows), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="analytics-${from}-to-${to}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
