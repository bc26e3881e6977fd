// /admin/cron (ADMIN): every scheduled job with its latest run (failures highlighted, with the error),
// what the run counted, and how many runs failed in the last 30 days.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { AdminHeading, Badge } from '~/admin/components';
import { latestCronRuns } from '~/admin/operations.server';
import { requireStaff } from '~/admin/staff.server';
import { formatDate } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Cron runs · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'operations:read');
  return data({ jobs: await latestCronRuns(db) });
}

export default function AdminCron() {
  const { jobs } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="Cron runs"
        intro="The latest run of each job; see docs/cron.md for how they are scheduled."
      />
      <ul className="space-y-3">
        {jobs.map((j) => {
          const failed = j.latest?.status === 'FAILED';
          return (
            <li
              key={j.job}
              className={`card space-y-1 ${failed ? 'ring-2 ring-red-400' : ''}`}
              data-job={j.job}
            >
              <h2 className="flex flex-wrap items-center gap-2 font-mono font-semibold">
                {j.job}
                {j.latest ? (
                  <Badge tone={failed ? 'bad' : j.latest.status === 'SUCCEEDED' ? 'good' : 'warn'}>
                    {j.latest.status}
                  </Badge>
                ) : (
                  <Badge tone="neutral">never run</Badge>
                )}
              </h2>
              {j.latest ? (
                <p className="text-sm text-slate-700">
                  Started {formatDate(j.latest.startedAt)}
                  {j.latest.finishedAt ? ` · finished ${formatDate(j.latest.finishedAt)}` : ''}
                </p>
              ) : null}
              {j.latest?.counts ? (
                <p className="font-mono text-xs break-all text-slate-700">
                  {Object.entries(j.latest.counts)
                    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                    .join(' · ')}
                </p>
              ) : null}
              {j.latest?.error ? (
                <p role="note" className="text-sm break-words text-red-800">
                  {j.latest.error}
                </p>
              ) : null}
              <p className="text-xs text-slate-600">
                Last 30 days: {j.runs30} run(s), {j.failed30} failed
              </p>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
