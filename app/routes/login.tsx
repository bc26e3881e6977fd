import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { signIn } from '~/auth/accounts.server';
import { enabledProviders } from '~/auth/oauth.server';
import { providerLabel } from '~/auth/profile.server';
import { safeRedirectPath } from '~/auth/redirect';
import { startSignedInSession, twoFactorStepPath } from '~/auth/second-factor.server';
import { getAuth, requestContext } from '~/auth/sessions.server';
import { signInSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { OAuthButtons } from '~/components/oauth-buttons';
import { PasskeySignIn } from '~/components/passkey-sign-in';
import { getDb } from '~/db.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Sign in — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/orgs');
  if (await getAuth(request)) throw redirect(redirectTo);
  return { providers: enabledProviders().map((id) => ({ id, label: providerLabel(id) })), redirectTo };
}

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: signInSchema });
  if (submission.status !== 'success') return replyInvalid(submission, ['password']);
  const db = await getDb();
  try {
    const user = await signIn(db, submission.value, requestContext(request));
    // With TOTP on, this is a partial session that can only open the second step (ADR 0019).
    const { cookie, twoFactorPending } = await startSignedInSession(db, request, user.id, {
      signInMethod: 'password',
    });
    const next = safeRedirectPath(submission.value.redirectTo, '/orgs');
    return redirect(twoFactorPending ? twoFactorStepPath(next) : next, {
      headers: { 'Set-Cookie': cookie },
    });
  } catch (err) {
    return replyError(submission, err, ['password']);
  }
}

export default function Login() {
  const lastResult = useActionData<typeof action>();
  const { providers, redirectTo } = useLoaderData<typeof loader>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(signInSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signInSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Sign in</h1>
      <p className="mt-2 text-sm text-slate-700">
        New here?{' '}
        <Link
          to={redirectTo === '/orgs' ? '/signup' : `/signup?${new URLSearchParams({ redirectTo })}`}
          className="link"
        >
          Create an account
        </Link>
      </p>
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <Field field={fields.email} label="Email" type="email" autoComplete="email" />
        <Field field={fields.password} label="Password" type="password" autoComplete="current-password" />
        <div className="flex items-center justify-between">
          <SubmitButton pendingLabel="Signing in…">Sign in</SubmitButton>
          <Link to="/forgot-password" className="link text-sm">
            Forgot your password?
          </Link>
        </div>
      </Form>
      <OAuthButtons providers={providers} redirectTo={redirectTo} />
      <PasskeySignIn redirectTo={redirectTo} />
    </div>
  );
}
