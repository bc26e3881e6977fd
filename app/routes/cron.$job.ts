// POST /cron/<job> (SPEC §8): called by the scheduler with `Authorization: Bearer <CRON_SECRET>`.
// 200 { job, status: 'succeeded', counts } · 409 { job, status: 'skipped' } while another run holds the job.
import type { ActionFunctionArgs } from '@remix-run/node';
import { isCronRequestAuthorized } from '~/cron/auth.server';
import { findCronJob } from '~/cron/jobs.server';
import { runCronJob } from '~/cron/runner.server';
import { getDb } from '~/db.server';
import { jsonError, methodNotAllowed } from '~/lib/http.server';

const noStore = { 'Cache-Control': 'no-store' };

export const loader = () => methodNotAllowed('POST');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  // Authenticate before looking the job up, so the job list is not probeable.
  if (!isCronRequestAuthorized(request)) {
    return jsonError(401, 'unauthorized', 'A valid Authorization: Bearer <CRON_SECRET> header is required.', {
      headers: { 'WWW-Authenticate': 'Bearer', ...noStore },
    });
  }
  const job = findCronJob(params.job);
  if (!job) {
    return jsonError(404, 'not_found', `There is no cron job named "${String(params.job).slice(0, 100)}".`);
  }
  try {
    const result = await runCronJob(await getDb(), job);
    if (result.status === 'skipped') {
      return Response.json({ job: job.name, status: 'skipped' }, { status: 409, headers: noStore });
    }
    return Response.json({ job: job.name, status: 'succeeded', counts: result.counts }, { headers: noStore });
  } catch (err) {
    // The run is already marked FAILED with the message; the stack stays in the server log.
    console.error(`[cron] ${job.name} failed`, err);
    const message = err instanceof Error ? err.message : String(err);
    return Response.json(
      { job: job.name, status: 'failed', error: { code: 'job_failed', message } },
      { status: 500, headers: noStore },
    );
  }
}
