// /admin/webhooks (ADMIN): the webhook ledger per provider (stripe, paynow) — every event received, its
// outcome, attempts and error — and "Re-process" for one that did not finish, through the same
// idempotent handler as a delivery (an event applies once however often it is processed).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useLocation } from '@remix-run/react';
import { AdminHeading, Badge, FormAlert, Pager } from '~/admin/components';
import { listWebhookEvents, reprocessWebhookEvent, webhookFilterSchema } from '~/admin/operations.server';
import { requireStaff } from '~/admin/staff.server';
import { SubmitButton } from '~/components/form';
import { done, formError } from '~/lib/http.server';
import { formatDate, ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Webhooks · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db } = await requireStaff(request, 'operations:read');
  const parsed = webhookFilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const filter = parsed.success ? parsed.data : webhookFilterSchema.parse({});
  return data({ ...(await listWebhookEvents(db, filter)), filter });
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'webhooks:reprocess');
  const form = await request.formData();
  const id = String(form.get('eventId') ?? '');
  try {
    const r = await reprocessWebhookEvent(db, actor, id);
    return done(
      '/admin/webhooks',
      `Re-processed: ${r.duplicate ? 'already processed, nothing changed' : (r.outcome ?? 'done').toLowerCase()}.`,
    );
  } catch (err) {
    return formError(`reprocess-${id}`, null, err);
  }
}

const tone = (o: string | null) =>
  o === 'APPLIED' ? 'good' : o === 'FAILED' ? 'bad' : o ? 'neutral' : 'warn';

export default function AdminWebhooks() {
  const { events, hasMore, page, providers, filter } = useLoaderData<typeof loader>();
  const location = useLocation();
  return (
    <div className="space-y-6">
      <AdminHeading title="Webhook ledger" />
      <div className="grid gap-4 sm:grid-cols-2">
        {providers.map((p) => (
          <Link key={p.provider} to={`?provider=${p.provider}`} className="card block">
            <span className="block font-semibold capitalize">{p.provider}</span>
            <span className="block text-sm text-slate-700">
              {p.total} event(s) ·{' '}
              <span className={p.failed ? 'font-semibold text-red-800' : ''}>{p.failed} failed</span>
            </span>
          </Link>
        ))}
      </div>
      <Form method="get" className="card flex flex-wrap items-end gap-3" aria-label="Filter events">
        <div>
          <label htmlFor="wh-provider" className="label">
            Provider
          </label>
          <select
            id="wh-provider"
            name="provider"
            defaultValue={filter.provider ?? ''}
            className="input mt-1"
          >
            <option value="">Both</option>
            <option value="stripe">Stripe</option>
            <option value="paynow">Paynow</option>
          </select>
        </div>
        <div>
          <label htmlFor="wh-failed" className="label">
            Show
          </label>
          <select id="wh-failed" name="failed" defaultValue={filter.failed ?? ''} className="input mt-1">
            <option value="">Every event</option>
            <option value="1">Failed only</option>
          </select>
        </div>
        <button type="submit" className="btn-primary">
          Filter
        </button>
      </Form>
      {events.length === 0 ? (
        <p className="text-slate-700">No events.</p>
      ) : (
        <ScrollRegion label="Webhook events">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50">
              <tr>
                <th className="px-4 py-2">Event</th>
                <th className="px-4 py-2">Outcome</th>
                <th className="px-4 py-2">Attempts</th>
                <th className="px-4 py-2">Error or note</th>
                <th className="px-4 py-2">Received</th>
                <th className="px-4 py-2">Action</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {events.map((e) => (
                <tr key={e.id} data-event={e.eventId}>
                  <td className="px-4 py-2">
                    <span className="font-mono text-xs">{e.type}</span>
                    <span className="block font-mono text-xs text-slate-600">
                      {e.provider} · {e.eventId}
                    </span>
                  </td>
                  <td className="px-4 py-2">
                    <Badge tone={tone(e.outcome)}>{e.outcome ?? (e.processedAt ? 'DONE' : 'PENDING')}</Badge>
                  </td>
                  <td className="px-4 py-2">{e.attempts}</td>
                  <td className="max-w-64 px-4 py-2 break-words">{e.error ?? ''}</td>
                  <td className="px-4 py-2 whitespace-nowrap">{formatDate(e.receivedAt)}</td>
                  <td className="px-4 py-2">
                    {e.processedAt ? null : (
                      <Form method="post">
                        <input type="hidden" name="eventId" value={e.id} />
                        <SubmitButton
                          className="btn-secondary"
                          pendingLabel="Working…"
                          name="eventId"
                          value={e.id}
                        >
                          Re-process
                        </SubmitButton>
                        <FormAlert form={`reprocess-${e.id}`} />
                      </Form>
                    )}
                  </td>
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
