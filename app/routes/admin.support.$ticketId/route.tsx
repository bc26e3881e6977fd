// /admin/support/:ticketId: the whole thread for staff, internal notes included (marked, never shown to
// customers), and the staff forms: reply (emails the customer), internal note, assign, change status.
// Opening the page marks the ticket read for this staff member.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { AdminHeading, Badge, FormAlert } from '~/admin/components';
import { impersonationOf } from '~/admin/impersonation.server';
import { requireStaff } from '~/admin/staff.server';
import { markTicketRead } from '~/admin/support.server';
import { listStaff } from '~/admin/users.server';
import { SubmitButton } from '~/components/form';
import { deliverSoon } from '~/email/outbox.server';
import { badIntent, done, formError, loaderFailure } from '~/lib/http.server';
import { formatDate } from '~/orgs/components';
import { PriorityLabel, StatusBadge } from '~/support/components';
import { TICKET_STATUSES, ticketStatusSchema } from '~/support/schemas';
import {
  addInternalNote,
  assignTicket,
  changeStatus,
  getTicket,
  replyToTicket,
} from '~/support/tickets.server';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: `${d?.ticket.subject ?? 'Ticket'} · Support · Admin · SaaS Platform` },
];

const STAFF_STATUS_LABELS: Record<(typeof TICKET_STATUSES)[number], string> = {
  OPEN: 'Open',
  IN_PROGRESS: 'In progress',
  WAITING_ON_CLIENT: 'Waiting on the customer',
  RESOLVED: 'Resolved',
  CLOSED: 'Closed',
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, auth } = await requireStaff(request, 'tickets:work');
  const ticketId = String(params.ticketId);
  const [{ ticket, messages }, staff] = await Promise.all([
    getTicket(db, actor, { ticketId }).catch(loaderFailure),
    listStaff(db),
  ]);
  if (!impersonationOf(auth)) await markTicketRead(db, actor.userId, ticket.id);
  return data({
    ticket: {
      id: ticket.id,
      subject: ticket.subject,
      description: ticket.description,
      status: ticket.status,
      priority: ticket.priority,
      createdAt: ticket.createdAt,
      openedBy: ticket.openedBy,
      assigneeId: ticket.assigneeId,
    },
    messages: messages.map((m) => ({
      id: m.id,
      senderName: m.senderName,
      fromStaff: m.fromStaff,
      isInternal: m.isInternal,
      message: m.message,
      createdAt: m.createdAt,
    })),
    staff,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'tickets:work');
  const ticketId = String(params.ticketId);
  const form = Object.fromEntries(await request.formData()) as Record<string, string>;
  const intent = form.intent ?? '';
  const here = `/admin/support/${ticketId}`;
  try {
    if (intent === 'reply') {
      const { emailIds } = await replyToTicket(db, actor, { ticketId, message: form.message ?? '' });
      deliverSoon(db, emailIds);
      return done(here, 'Reply sent; the customer is emailed.');
    }
    if (intent === 'note') {
      await addInternalNote(db, actor, { ticketId, message: form.message ?? '' });
      return done(here, 'Internal note added (staff only).');
    }
    if (intent === 'assign') {
      await assignTicket(db, actor, { ticketId, assigneeId: form.assigneeId ? form.assigneeId : null });
      return done(here, form.assigneeId ? 'Ticket assigned.' : 'Ticket unassigned.');
    }
    if (intent === 'status') {
      const status = ticketStatusSchema.parse(form.status);
      await changeStatus(db, actor, { ticketId, status });
      return done(here, `Status changed to ${STAFF_STATUS_LABELS[status].toLowerCase()}.`);
    }
  } catch (err) {
    return formError(intent, null, err);
  }
  return badIntent();
}

export default function StaffTicket() {
  const { ticket, messages, staff } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <AdminHeading title={ticket.subject}>
        <Link to="/admin/support" className="link text-sm">
          Support queue
        </Link>
      </AdminHeading>
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        <StatusBadge status={ticket.status} /> <PriorityLabel priority={ticket.priority} /> · opened{' '}
        {formatDate(ticket.createdAt)} by {ticket.openedBy ?? 'a former member'}
      </p>
      <ol className="space-y-3" aria-label="Conversation">
        <li className="card">
          <p className="text-sm font-semibold">{ticket.openedBy ?? 'A former member'}</p>
          <p className="mt-2 whitespace-pre-wrap break-words">{ticket.description}</p>
        </li>
        {messages.map((m) => (
          <li
            key={m.id}
            data-internal={m.isInternal ? 'true' : undefined}
            className={`card ${m.isInternal ? 'bg-amber-50 ring-1 ring-amber-300' : m.fromStaff ? 'bg-sky-50' : ''}`}
          >
            <p className="flex flex-wrap items-center gap-2 text-sm font-semibold">
              {m.senderName ?? 'A former user'}
              {m.isInternal ? <Badge tone="warn">Internal note — staff only</Badge> : null}
              {m.fromStaff && !m.isInternal ? <Badge tone="neutral">Staff</Badge> : null}
              <span className="font-normal text-slate-600">{formatDate(m.createdAt)}</span>
            </p>
            <p className="mt-2 whitespace-pre-wrap break-words">{m.message}</p>
          </li>
        ))}
      </ol>

      <div className="grid gap-4 lg:grid-cols-2">
        <Form method="post" className="card space-y-3">
          <input type="hidden" name="intent" value="reply" />
          <label htmlFor="reply-message" className="label">
            Reply to the customer
          </label>
          <textarea
            id="reply-message"
            name="message"
            rows={5}
            required
            maxLength={5000}
            className="input w-full"
          />
          <FormAlert form="reply" />
          <SubmitButton pendingLabel="Sending…">Send reply</SubmitButton>
        </Form>
        <Form method="post" className="card space-y-3">
          <input type="hidden" name="intent" value="note" />
          <label htmlFor="note-message" className="label">
            Internal note (staff only)
          </label>
          <textarea
            id="note-message"
            name="message"
            rows={5}
            required
            maxLength={5000}
            className="input w-full"
          />
          <FormAlert form="note" />
          <SubmitButton className="btn-secondary" pendingLabel="Saving…">
            Add note
          </SubmitButton>
        </Form>
        <Form method="post" className="card space-y-3">
          <input type="hidden" name="intent" value="assign" />
          <label htmlFor="assignee" className="label">
            Assignee
          </label>
          <select
            id="assignee"
            name="assigneeId"
            defaultValue={ticket.assigneeId ?? ''}
            className="input w-full"
          >
            <option value="">Nobody</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name ?? s.email} ({s.role === 'ADMIN' ? 'admin' : 'support'})
              </option>
            ))}
          </select>
          <FormAlert form="assign" />
          <SubmitButton className="btn-secondary" pendingLabel="Saving…">
            Assign
          </SubmitButton>
        </Form>
        <Form method="post" className="card space-y-3">
          <input type="hidden" name="intent" value="status" />
          <label htmlFor="status" className="label">
            Status
          </label>
          <select id="status" name="status" defaultValue={ticket.status} className="input w-full">
            {TICKET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {STAFF_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
          <FormAlert form="status" />
          <SubmitButton className="btn-secondary" pendingLabel="Saving…">
            Change status
          </SubmitButton>
        </Form>
      </div>
    </div>
  );
}
