// /settings/password: current + new password; every other session (and API refresh token) is revoked.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { changePassword, hasPassword } from '~/auth/accounts.server';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { requireRecentAuthentication } from '~/auth/sudo.server';
import { changePasswordFormSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { redirectWithFlash } from '~/lib/flash.server';
import { replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Password — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  // Sudo mode (issue 15 §4): confirm who you are before the form, and again in the action.
  requireRecentAuthentication(auth, request);
  return { hasPassword: await hasPassword(auth.db, auth.user.id) };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  requireRecentAuthentication(auth, request);
  const submission = parseWithZod(await request.formData(), { schema: changePasswordFormSchema });
  const hidden = ['currentPassword', 'newPassword'];
  if (submission.status !== 'success') return replyInvalid(submission, hidden);
  try {
    const { sessionsRevoked } = await changePassword(
      auth.db,
      actorOf(auth, request),
      auth.session.id,
      submission.value,
    );
    const others = sessionsRevoked === 1 ? '1 other session was' : `${sessionsRevoked} other sessions were`;
    return redirectWithFlash('/settings/password', {
      kind: 'success',
      message: `Your password was changed; ${others} signed out.`,
    });
  } catch (err) {
    return replyError(submission, err, hidden);
  }
}

export default function Password() {
  const { hasPassword } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(changePasswordFormSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: changePasswordFormSchema }),
  });
  return (
    <section aria-labelledby="password-heading">
      <h1 id="password-heading" className="text-2xl font-bold">
        {hasPassword ? 'Change your password' : 'Set a password'}
      </h1>
      <p className="mt-2 text-sm text-slate-700">
        {hasPassword
          ? 'Every other device signed in to your account is signed out when you change it.'
          : 'You sign in with a connected account. A password lets you sign in with your email address too.'}
      </p>
      <Form method="post" {...getFormProps(form)} className="card mt-6 max-w-xl space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        {hasPassword ? (
          <Field
            field={fields.currentPassword}
            label="Current password"
            type="password"
            autoComplete="current-password"
          />
        ) : null}
        <Field
          field={fields.newPassword}
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="8 to 128 characters."
        />
        <SubmitButton pendingLabel="Saving…">{hasPassword ? 'Change password' : 'Set password'}</SubmitButton>
      </Form>
    </section>
  );
}
