// /reset-password?token=…: the form shows only for a usable link (1 h, single use); a new password
// revokes every session and API refresh token of the user.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { isResetTokenUsable, resetPassword } from '~/auth/accounts.server';
import { requestContext } from '~/auth/sessions.server';
import { resetPasswordSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { getDb } from '~/db.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Choose a new password — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const token = (new URL(request.url).searchParams.get('token') ?? '').slice(0, 200);
  const usable = token ? await isResetTokenUsable(await getDb(), token) : false;
  return data({ token: usable ? token : null }, { status: usable ? 200 : 400 });
}

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resetPasswordSchema });
  if (submission.status !== 'success') return replyInvalid(submission, ['password']);
  try {
    await resetPassword(
      await getDb(),
      submission.value.token,
      submission.value.password,
      requestContext(request),
    );
  } catch (err) {
    return replyError(submission, err, ['password']);
  }
  return redirectWithFlash('/login', {
    kind: 'success',
    message: 'Your password was changed and every session was signed out. Sign in with your new password.',
  });
}

export default function ResetPassword() {
  const { token } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(resetPasswordSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resetPasswordSchema }),
  });
  if (!token) {
    return (
      <div className="mx-auto max-w-md">
        <h1 className="text-2xl font-bold">This link no longer works</h1>
        <p className="mt-2 text-slate-700">
          The password reset link is invalid, expired (links last 1 hour) or was already used.
        </p>
        <p className="mt-6">
          <Link to="/forgot-password" className="btn-primary">
            Send me a new link
          </Link>
        </p>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Choose a new password</h1>
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name="token" value={token} />
        <Field
          field={fields.password}
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="8 to 128 characters."
        />
        <SubmitButton pendingLabel="Saving…">Set new password</SubmitButton>
      </Form>
      {form.errors?.length ? (
        <p className="mt-4 text-sm">
          <Link to="/forgot-password" className="link">
            Send me a new link
          </Link>
        </p>
      ) : null}
    </div>
  );
}
