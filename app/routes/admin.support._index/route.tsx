// /admin/support: every organization's tickets for staff (ADMIN and SUPPORT), most recent activity first,
// filtered by status, priority and assignee (a GET form). "New" marks a ticket with customer messages the
// viewer has not opened since they arrived.
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData, useLocation } from '@remix-run/react';
import { AdminHeading, Badge, Pager } from '~/admin/components';
import { requireStaff } from '~/admin/staff.server';
import { listSupportQueue, queueFilterSchema } from '~/admin/support.server';
import { listStaff } from '~/admin/users.server';
import { formatDate } from '~/orgs/components';
import { PriorityLabel, StatusBadge } from '~/support/components';
import { PRIORITY_LABELS, STATUS_LABELS, TICKET_PRIORITIES, TICKET_STATUSES } from '~/support/schemas';

export const meta: MetaFunction = () => [{ title: 'Support queue · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'tickets:work');
  const parsed = queueFilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const filter = parsed.success ? parsed.data : queueFilterSchema.parse({});
  const [queue, staff] = await Promise.all([listSupportQueue(db, actor, filter), listStaff(db)]);
  return data({ ...queue, filter, staff, invalid: !parsed.success });
}

export default function SupportQueue() {
  const { tickets, hasMore, filter, staff, invalid } = useLoaderData<typeof loader>();
  const location = useLocation();
  return (
    <div className="space-y-6">
      <AdminHeading title="Support queue" />
      <Form method="get" className="card grid gap-3 sm:grid-cols-4 sm:items-end" aria-label="Filter tickets">
        <div>
          <label htmlFor="q-status" className="label">
            Status
          </label>
          <select id="q-status" name="status" defaultValue={filter.status ?? ''} className="input mt-1">
            <option value="">Any status</option>
            <option value="ACTIVE">Not resolved or closed</option>
            {TICKET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === 'WAITING_ON_CLIENT' ? 'Waiting on the customer' : STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="q-priority" className="label">
            Priority
          </label>
          <select id="q-priority" name="priority" defaultValue={filter.priority ?? ''} className="input mt-1">
            <option value="">Any priority</option>
            {TICKET_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABELS[p]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="q-assignee" className="label">
            Assignee
          </label>
          <select id="q-assignee" name="assignee" defaultValue={filter.assignee ?? ''} className="input mt-1">
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="none">Nobody</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name ?? s.email}
              </option>
            ))}
          </select>
        </div>
        <div className="flex gap-2">
          <button type="submit" className="btn-primary">
            Filter
          </button>
          <Link to="/admin/support" className="btn-secondary">
            Reset
          </Link>
        </div>
      </Form>
      {invalid ? (
        <p role="alert" className="text-sm text-red-700">
          Some filters were not understood and were ignored.
        </p>
      ) : null}
      {tickets.length === 0 ? (
        <p className="text-slate-700">No tickets match.</p>
      ) : (
        <ul className="card divide-y divide-slate-200 p-0">
          {tickets.map((t) => (
            <li
              key={t.id}
              className="flex flex-wrap items-center justify-between gap-3 px-4 py-3"
              data-ticket={t.id}
            >
              <div className="min-w-0">
                <p className="font-medium">
                  {t.unread ? (
                    <span className="mr-2" data-unread>
                      <Badge tone="warn">New</Badge>
                    </span>
                  ) : null}
                  <Link to={`/admin/support/${t.id}`} className="link break-words">
                    {t.subject}
                  </Link>
                </p>
                <p className="text-sm text-slate-700">
                  {t.organizationName} · {t.openedBy} · <PriorityLabel priority={t.priority} /> · updated{' '}
                  {formatDate(t.updatedAt)}
                  {t.assignee ? ` · ${t.assignee}` : ' · unassigned'}
                </p>
              </div>
              <StatusBadge status={t.status} />
            </li>
          ))}
        </ul>
      )}
      <Pager search={location.search} page={filter.page} hasMore={hasMore} />
    </div>
  );
}
