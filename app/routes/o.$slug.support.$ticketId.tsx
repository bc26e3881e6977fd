// One support ticket: its thread, the reply form, and "Close ticket" for the member who opened it.
// Internal notes never reach this page for a customer (getTicket leaves them in the database); a ticket
// id of another organization is a 404, on the page and on every action.
import { getFormProps, getTextareaProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { impersonationOf } from '~/admin/impersonation.server';
import { markTicketRead } from '~/admin/support.server';
import { getAuth } from '~/auth/sessions.server';
import { FieldErrors, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { deliverSoon } from '~/email/outbox.server';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, formatDate, organizationTitle, RowAction } from '~/orgs/components';
import { PriorityLabel, StatusBadge } from '~/support/components';
import { replyFormSchema } from '~/support/schemas';
import { closeTicket, getTicket, replyToTicket } from '~/support/tickets.server';

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  organizationTitle(matches, data?.ticket.subject ?? 'Ticket', 'Support');

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'tickets:use');
  const { ticket, messages, viewer } = await getTicket(db, actor, {
    organizationId: organization.id,
    ticketId: params.ticketId ?? '',
  }).catch(loaderFailure);
  // Read markers (issue 14); an ADMIN viewing as this member reads without marking anything.
  if (!impersonationOf(await getAuth(request))) await markTicketRead(db, actor.userId, ticket.id);
  const open = ticket.status !== 'CLOSED';
  return data({
    organization,
    ticket: {
      id: ticket.id,
      subject: ticket.subject,
      description: ticket.description,
      status: ticket.status,
      priority: ticket.priority,
      createdAt: ticket.createdAt,
      resolvedAt: ticket.resolvedAt,
      openedBy: ticket.openedBy,
      assigneeName: ticket.assigneeName,
    },
    messages: messages.map((m) => ({
      id: m.id,
      senderName: m.senderName,
      fromStaff: m.fromStaff,
      isInternal: m.isInternal,
      message: m.message,
      createdAt: m.createdAt,
    })),
    canReply: open,
    canClose: open && (viewer.isOpener || viewer.isStaff),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'tickets:use');
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const ref = { organizationId: organization.id, ticketId: params.ticketId ?? '' };
  const here = `/o/${organization.slug}/support/${ref.ticketId}`;
  if (intent === 'reply') {
    const submission = parseWithZod(formData, { schema: replyFormSchema });
    if (submission.status !== 'success') return formInvalid('reply', submission);
    try {
      const { emailIds } = await replyToTicket(db, actor, { ...ref, ...submission.value });
      deliverSoon(db, emailIds);
      return done(here, 'Reply sent.');
    } catch (err) {
      return formError('reply', submission, err);
    }
  }
  if (intent === 'close') {
    try {
      await closeTicket(db, actor, ref);
      return done(here, 'Ticket closed.');
    } catch (err) {
      return formError('close', null, err);
    }
  }
  return badIntent();
}

export default function Ticket() {
  const { organization, ticket, messages, canReply, canClose } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'reply',
    lastResult: answer?.form === 'reply' ? answer.result : undefined,
    constraint: getZodConstraint(replyFormSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: replyFormSchema }),
  });
  const base = `/o/${organization.slug}/support`;
  return (
    <div className="max-w-3xl space-y-6">
      <p className="text-sm">
        <Link to={base} className="link">
          ← All tickets
        </Link>
      </p>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold">{ticket.subject}</h1>
          <p className="mt-1 text-sm text-slate-700">
            Opened {formatDate(ticket.createdAt)} by {ticket.openedBy ?? 'a former member'} ·{' '}
            <PriorityLabel priority={ticket.priority} />
            {ticket.assigneeName ? ` · Handled by ${ticket.assigneeName}` : ''}
          </p>
        </div>
        <StatusBadge status={ticket.status} />
      </div>
      <ActionError />

      <section aria-labelledby="thread-heading">
        <h2 id="thread-heading" className="sr-only">
          Conversation
        </h2>
        <ol className="space-y-4">
          <li>
            <article className="card" aria-label={`Request from ${ticket.openedBy ?? 'a former member'}`}>
              <p className="text-sm font-semibold">{ticket.openedBy ?? 'A former member'}</p>
              <p className="mt-2 whitespace-pre-wrap">{ticket.description}</p>
            </article>
          </li>
          {messages.map((m) => {
            const sender = m.fromStaff
              ? `${m.senderName ?? 'Support'} (Support team)`
              : (m.senderName ?? 'A former member');
            return (
              <li key={m.id} data-message={m.id}>
                <article
                  className={`card ${m.fromStaff ? 'border-l-4 border-brand-600' : ''} ${m.isInternal ? 'bg-amber-50' : ''}`}
                  aria-label={`Message from ${sender}`}
                >
                  <p className="text-sm">
                    <span className="font-semibold">{sender}</span>{' '}
                    <span className="text-slate-600">· {formatDate(m.createdAt)}</span>
                    {m.isInternal ? <span className="ml-2 font-semibold">Internal note</span> : null}
                  </p>
                  <p className="mt-2 whitespace-pre-wrap">{m.message}</p>
                </article>
              </li>
            );
          })}
        </ol>
      </section>

      {canReply ? (
        <section aria-labelledby="reply-heading">
          <h2 id="reply-heading" className="text-lg font-semibold">
            Reply
          </h2>
          {/* Keyed by the thread's length: a sent reply empties the form. */}
          <Form method="post" {...getFormProps(form)} key={messages.length} className="card mt-4 space-y-4">
            <input type="hidden" name="intent" value="reply" />
            <FormErrors id={form.errorId} errors={form.errors} />
            <div>
              <label htmlFor={fields.message.id} className="label">
                Message
              </label>
              <textarea
                {...getTextareaProps(fields.message)}
                key={fields.message.key}
                className="input mt-1"
                rows={5}
              />
              <FieldErrors id={fields.message.errorId} errors={fields.message.errors} />
            </div>
            <SubmitButton pendingLabel="Sending…">Send reply</SubmitButton>
          </Form>
        </section>
      ) : (
        <p className="text-slate-700">
          This ticket is closed.{' '}
          <Link to={base} className="link">
            Open a new ticket
          </Link>{' '}
          if you need more help.
        </p>
      )}

      {canClose ? (
        <section aria-labelledby="close-heading" className="space-y-2">
          <h2 id="close-heading" className="text-lg font-semibold">
            Solved?
          </h2>
          <p className="text-sm text-slate-700">Close the ticket once you need no more help with it.</p>
          <RowAction intent="close" fields={{}} label="Close ticket" pendingLabel="Closing…" />
        </section>
      ) : null}
    </div>
  );
}
