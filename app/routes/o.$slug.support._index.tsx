// The organization's support tickets (SPEC §2: every role, BILLING included) and the form to open one.
// Newest first, filtered by status, keyset pages ("Older tickets").
import { getFormProps, getSelectProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { unreadForCustomer } from '~/admin/support.server';
import {
  Field,
  FieldErrors,
  FormErrors,
  SubmitButton,
  TextareaField,
  useResetOnSuccess,
  VALIDATE_ON_SUBMIT,
} from '~/components/form';
import { done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { formatDate, organizationTitle, PageHeading } from '~/orgs/components';
import { PriorityLabel, StatusBadge } from '~/support/components';
import {
  openTicketFormSchema,
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  ticketListQuerySchema,
} from '~/support/schemas';
import { listTickets, openTicket } from '~/support/tickets.server';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Support');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'tickets:use');
  const url = new URL(request.url);
  const parsed = ticketListQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  const query = parsed.success ? parsed.data : {};
  const page = await listTickets(db, actor, { organizationId: organization.id, ...query }).catch(
    loaderFailure,
  );
  // Unread markers (issue 14): staff replies this member has not opened yet.
  const unread = await unreadForCustomer(
    db,
    actor.userId,
    page.tickets.map((t) => t.id),
  );
  const tickets = page.tickets.map((t) => ({ ...t, unread: unread.has(t.id) }));
  return data({
    organization,
    ...page,
    tickets,
    status: query.status ?? null,
    paged: Boolean(query.cursor),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'tickets:use');
  const submission = parseWithZod(await request.formData(), { schema: openTicketFormSchema });
  if (submission.status !== 'success') return formInvalid('open', submission);
  try {
    const ticket = await openTicket(db, actor, { organizationId: organization.id, ...submission.value });
    return done(`/o/${organization.slug}/support/${ticket.id}`, 'Ticket opened. We will reply here.');
  } catch (err) {
    return formError('open', submission, err);
  }
}

export default function Support() {
  const { organization, tickets, nextCursor, status, paged } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const base = `/o/${organization.slug}/support`;
  const [form, fields] = useForm({
    id: 'open-ticket',
    lastResult: answer?.result,
    constraint: getZodConstraint(openTicketFormSchema),
    defaultValue: { priority: 'NORMAL' },
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: openTicketFormSchema }),
  });
  useResetOnSuccess(form, 'open');
  const olderHref = nextCursor
    ? `${base}?${new URLSearchParams({ ...(status ? { status } : {}), cursor: nextCursor })}`
    : null;
  return (
    <div className="space-y-8">
      <PageHeading title="Support">
        <Form method="get" className="flex items-end gap-2 text-sm">
          <div>
            <label htmlFor="status-filter" className="label">
              Status
            </label>
            <select
              id="status-filter"
              name="status"
              defaultValue={status ?? ''}
              className="input mt-1 w-auto"
            >
              <option value="">All tickets</option>
              {TICKET_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn-secondary">
            Filter
          </button>
        </Form>
      </PageHeading>

      <section aria-labelledby="tickets-heading">
        <h2 id="tickets-heading" className="sr-only">
          Tickets
        </h2>
        {tickets.length === 0 ? (
          <p className="text-slate-700">
            {status ? `No ${STATUS_LABELS[status].toLowerCase()} tickets.` : 'No tickets yet.'}
          </p>
        ) : (
          <ul className="card divide-y divide-slate-200 p-0">
            {tickets.map((ticket) => (
              <li key={ticket.id} className="flex flex-wrap items-center justify-between gap-3 px-6 py-4">
                <div>
                  <p className="font-medium">
                    {ticket.unread ? (
                      <span
                        className="mr-2 rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900"
                        data-unread
                      >
                        New reply
                      </span>
                    ) : null}
                    <Link to={`${base}/${ticket.id}`} className="link">
                      {ticket.subject}
                    </Link>
                  </p>
                  <p className="text-sm text-slate-700">
                    Opened {formatDate(ticket.createdAt)} by {ticket.openedBy ?? 'a former member'} ·{' '}
                    <PriorityLabel priority={ticket.priority} />
                    {ticket.assigneeName ? ` · Handled by ${ticket.assigneeName}` : ''}
                  </p>
                </div>
                <StatusBadge status={ticket.status} />
              </li>
            ))}
          </ul>
        )}
        {olderHref || paged ? (
          <p className="mt-3 flex gap-4 text-sm">
            {paged ? (
              <Link to={status ? `${base}?status=${status}` : base} className="link">
                Newest tickets
              </Link>
            ) : null}
            {olderHref ? (
              <Link to={olderHref} className="link">
                Older tickets
              </Link>
            ) : null}
          </p>
        ) : null}
      </section>

      <section aria-labelledby="open-ticket-heading">
        <h2 id="open-ticket-heading" className="text-lg font-semibold">
          Open a ticket
        </h2>
        <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4">
          <FormErrors id={form.errorId} errors={form.errors} />
          <Field field={fields.subject} label="Subject" />
          <TextareaField field={fields.description} label="Description" rows={5} />
          <div>
            <label htmlFor={fields.priority.id} className="label">
              Priority
            </label>
            <select {...getSelectProps(fields.priority)} key={fields.priority.key} className="input mt-1">
              {TICKET_PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {PRIORITY_LABELS[p]}
                </option>
              ))}
            </select>
            <FieldErrors id={fields.priority.errorId} errors={fields.priority.errors} />
          </div>
          <SubmitButton pendingLabel="Opening…">Open ticket</SubmitButton>
        </Form>
      </section>
    </div>
  );
}
