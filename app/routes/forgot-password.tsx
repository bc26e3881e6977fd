// /forgot-password: always answers the same, whether or not the address has an account.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { requestPasswordReset } from '~/auth/accounts.server';
import { requestContext } from '~/auth/sessions.server';
import { forgotPasswordSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { getDb } from '~/db.server';
import { deliverSoon } from '~/email/outbox.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Reset your password — SaaS Platform' }];

export const FORGOT_PASSWORD_ANSWER =
  'If an account exists for that address, we sent a link to reset its password. The link is valid for 1 hour.';

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: forgotPasswordSchema });
  if (submission.status !== 'success') return replyInvalid(submission);
  const db = await getDb();
  try {
    const { emailIds } = await requestPasswordReset(db, submission.value.email, requestContext(request));
    deliverSoon(db, emailIds);
  } catch (err) {
    // Throttled per network: 429 with Retry-After, the message next to the form.
    return replyError(submission, err);
  }
  return { ...submission.reply(), sent: true };
}

export default function ForgotPassword() {
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(forgotPasswordSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: forgotPasswordSchema }),
  });
  const sent = Boolean(lastResult && 'sent' in lastResult && lastResult.sent);
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Reset your password</h1>
      <p className="mt-2 text-slate-700">
        Enter the email address of your account; we will send you a link to choose a new password.
      </p>
      {sent ? (
        <p
          role="status"
          className="mt-4 rounded-md bg-green-50 px-4 py-3 text-green-900 ring-1 ring-green-200"
        >
          {FORGOT_PASSWORD_ANSWER}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.email} label="Email" type="email" autoComplete="email" />
        <SubmitButton pendingLabel="Sending…">Send reset link</SubmitButton>
      </Form>
      <p className="mt-6 text-sm">
        <Link to="/login" className="link">
          Back to sign in
        </Link>
      </p>
    </div>
  );
}
