// /admin/emails: the email outbox for staff (ADMIN and SUPPORT read it): status, attempts, the last error.
// The payload (template data with encrypted links) is never loaded. ADMIN may send a failed email again.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useLoaderData, useLocation } from '@remix-run/react';
import { AdminHeading, Badge, FormAlert, Pager } from '~/admin/components';
import { emailFilterSchema, listEmails, resendEmail } from '~/admin/operations.server';
import { staffCan } from '~/admin/permissions';
import { requireStaff } from '~/admin/staff.server';
import { SubmitButton } from '~/components/form';
import { done, formError } from '~/lib/http.server';
import { formatDate, ScrollRegion } from '~/orgs/components';

/** The email_status enum, for the filter (the server module may not reach the browser). */
const EMAIL_STATUSES = ['QUEUED', 'SENDING', 'SENT', 'FAILED'] as const;

export const meta: MetaFunction = () => [{ title: 'Email log · Admin · SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, role } = await requireStaff(request, 'email-log:read');
  const parsed = emailFilterSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const filter = parsed.success ? parsed.data : emailFilterSchema.parse({});
  return data({ ...(await listEmails(db, filter)), filter, canResend: staffCan(role, 'email-log:resend') });
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireStaff(request, 'email-log:resend');
  const form = await request.formData();
  const id = String(form.get('emailId') ?? '');
  try {
    const r = await resendEmail(db, actor, id);
    return done('/admin/emails', `Queued ${r.emailIds.length} email(s) again.`);
  } catch (err) {
    return formError(`resend-${id}`, null, err);
  }
}

const tone = (s: string) => (s === 'SENT' ? 'good' : s === 'FAILED' ? 'bad' : 'warn');

export default function AdminEmails() {
  const { emails, hasMore, page, filter, canResend } = useLoaderData<typeof loader>();
  const location = useLocation();
  return (
    <div className="space-y-6">
      <AdminHeading
        title="Email log"
        intro="What was sent, to whom and how it went. Contents are never shown."
      />
      <Form method="get" className="card flex flex-wrap items-end gap-3" aria-label="Filter emails">
        <div>
          <label htmlFor="email-status" className="label">
            Status
          </label>
          <select id="email-status" name="status" defaultValue={filter.status ?? ''} className="input mt-1">
            <option value="">Any</option>
            {EMAIL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="min-w-0 flex-1">
          <label htmlFor="email-to" className="label">
            Recipient
          </label>
          <input
            id="email-to"
            name="to"
            type="email"
            defaultValue={filter.to ?? ''}
            className="input mt-1 w-full"
          />
        </div>
        <button type="submit" className="btn-primary">
          Filter
        </button>
      </Form>
      {emails.length === 0 ? (
        <p className="text-slate-700">No emails.</p>
      ) : (
        <ScrollRegion label="Emails">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50">
              <tr>
                <th className="px-4 py-2">Email</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2">Attempts</th>
                <th className="px-4 py-2">Last error</th>
                <th className="px-4 py-2">Queued</th>
                {canResend ? <th className="px-4 py-2">Action</th> : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {emails.map((e) => (
                <tr key={e.id} data-email={e.id}>
                  <td className="px-4 py-2">
                    {e.subject}
                    <span className="block text-slate-600">
                      {e.to} · {e.template}
                    </span>
                  </td>
                  <td className="px-4 py-2">
                    <Badge tone={tone(e.status)}>{e.status}</Badge>
                  </td>
                  <td className="px-4 py-2">{e.attempts}</td>
                  <td className="max-w-64 px-4 py-2 break-words text-red-800">{e.lastError ?? ''}</td>
                  <td className="px-4 py-2 whitespace-nowrap">{formatDate(e.createdAt)}</td>
                  {canResend ? (
                    <td className="px-4 py-2">
                      {e.status === 'FAILED' || (e.status === 'QUEUED' && e.lastError) ? (
                        <Form method="post">
                          <input type="hidden" name="emailId" value={e.id} />
                          <SubmitButton
                            className="btn-secondary"
                            pendingLabel="Sending…"
                            name="emailId"
                            value={e.id}
                          >
                            Send again
                          </SubmitButton>
                          <FormAlert form={`resend-${e.id}`} />
                        </Form>
                      ) : null}
                    </td>
                  ) : null}
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
