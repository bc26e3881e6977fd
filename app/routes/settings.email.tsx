// /settings/email: change the sign-in email (issue 15 §5). A link goes to the new address and a notice to
// the current one; until the link is opened the current address stays the sign-in email, and a request
// waiting for its link can be canceled. Sudo mode: confirm who you are first (loader and action).
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { emailChangeSchema } from '~/auth/email-change';
import { cancelEmailChange, pendingEmailChange, requestEmailChange } from '~/auth/email-change.server';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { requireRecentAuthentication } from '~/auth/sudo.server';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { deliverSoon } from '~/email/outbox.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';
import { formatDate } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Email address — SaaS Platform' }];

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

const HERE = '/settings/email';

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  requireRecentAuthentication(auth, request);
  const pending = await pendingEmailChange(auth.db, auth.user.id);
  return {
    email: auth.user.email,
    pending: pending
      ? {
          newEmail: pending.newEmail,
          createdAt: pending.createdAt.toISOString(),
          expiresAt: pending.expiresAt.toISOString(),
        }
      : null,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  requireRecentAuthentication(auth, request);
  const formData = await request.formData();
  const actor = actorOf(auth, request);
  if (formData.get('intent') === 'cancel') {
    try {
      await cancelEmailChange(auth.db, actor);
    } catch {
      return redirectWithFlash(HERE, {
        kind: 'info',
        message: 'There was no change waiting to be canceled.',
      });
    }
    return redirectWithFlash(HERE, {
      kind: 'success',
      message: 'The email change was canceled; the link no longer works.',
    });
  }
  const submission = parseWithZod(formData, { schema: emailChangeSchema });
  if (submission.status !== 'success') return replyInvalid(submission);
  try {
    const { emailIds } = await requestEmailChange(auth.db, actor, submission.value);
    deliverSoon(auth.db, emailIds);
  } catch (err) {
    return replyError(submission, err);
  }
  return redirectWithFlash(HERE, {
    kind: 'success',
    message: `Check the inbox of ${submission.value.newEmail}: open the link there to finish. Until then you sign in with ${auth.user.email}.`,
  });
}

export default function EmailSettings() {
  const { email, pending } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'email-change',
    lastResult,
    constraint: getZodConstraint(emailChangeSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: emailChangeSchema }),
  });
  return (
    <section aria-labelledby="email-heading" className="space-y-6">
      <div>
        <h1 id="email-heading" className="text-2xl font-bold">
          Email address
        </h1>
        <p className="mt-2 text-sm text-slate-700">
          You sign in with{' '}
          <strong className="break-all" data-testid="current-email">
            {email}
          </strong>
          . Changing it sends a link to the new address; the change happens when you open it.
        </p>
      </div>
      {pending ? (
        <div
          className="card max-w-xl space-y-3 border-amber-200 bg-amber-50"
          data-testid="pending-email-change"
        >
          <p className="text-sm text-amber-950">
            Waiting for <strong className="break-all">{pending.newEmail}</strong> to be confirmed (asked{' '}
            {formatDate(pending.createdAt)}, the link works until {formatDate(pending.expiresAt)}).
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="cancel" />
            <SubmitButton className="btn-secondary" pendingLabel="Canceling…">
              Cancel the change
            </SubmitButton>
          </Form>
        </div>
      ) : null}
      <Form method="post" {...getFormProps(form)} className="card max-w-xl space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.newEmail} label="New email address" type="email" autoComplete="email" />
        <SubmitButton pendingLabel="Sending…">Send the confirmation link</SubmitButton>
      </Form>
    </section>
  );
}
