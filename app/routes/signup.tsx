// /signup: answers "check your email" whether or not the address already has an account (no
// enumeration; an existing owner is told by email). `redirectTo` (e.g. an invitation) rides along in the
// verification link, through safeRedirectPath. With sign-ups closed (system setting `signups.enabled`) the
// page says so instead of the form, except on the way from an invitation (signUp checks the address).
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { readSetting } from '~/admin/settings.server';
import { SIGN_UP_ANSWER, SIGN_UPS_CLOSED, signUp } from '~/auth/accounts.server';
import { enabledProviders } from '~/auth/oauth.server';
import { providerLabel } from '~/auth/profile.server';
import { safeRedirectPath } from '~/auth/redirect';
import { requestContext, requireAnonymous } from '~/auth/sessions.server';
import { NAME_MAX, NAME_MIN, signUpSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { OAuthButtons } from '~/components/oauth-buttons';
import { getDb } from '~/db.server';
import { deliverSoon } from '~/email/outbox.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Create your account — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '');
  await requireAnonymous(request, redirectTo || '/orgs');
  const open = await readSetting(await getDb(), 'signups.enabled');
  // Closed: the form stays for someone coming from an invitation link; the action decides by the address.
  const signUps = open ? 'open' : redirectTo.startsWith('/invitations/') ? 'invited' : 'closed';
  return {
    providers: enabledProviders().map((id) => ({ id, label: providerLabel(id) })),
    redirectTo,
    signUps,
    closedMessage: SIGN_UPS_CLOSED,
  } as const;
}

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: signUpSchema });
  if (submission.status !== 'success') return replyInvalid(submission, ['password']);
  const db = await getDb();
  const { email, redirectTo } = submission.value;
  try {
    const { emailIds } = await signUp(db, submission.value, requestContext(request), { redirectTo });
    deliverSoon(db, emailIds);
  } catch (err) {
    return replyError(submission, err, ['password']);
  }
  // The same answer for a new and a registered address; nobody is signed in until the link is opened.
  const next = safeRedirectPath(redirectTo, '');
  return redirectWithFlash(`/verify-email${next ? `?${new URLSearchParams({ redirectTo: next })}` : ''}`, {
    kind: 'success',
    message: SIGN_UP_ANSWER(email),
  });
}

export default function SignUp() {
  const lastResult = useActionData<typeof action>();
  const { providers, redirectTo, signUps, closedMessage } = useLoaderData<typeof loader>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(signUpSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signUpSchema }),
  });
  const signInLink = redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : '/login';
  if (signUps === 'closed')
    return (
      <div className="mx-auto max-w-md">
        <h1 className="text-2xl font-bold">Sign-ups are closed</h1>
        <div role="status" className="card mt-6 space-y-3">
          <p>{closedMessage}</p>
          <p>
            <Link to={signInLink} className="btn-primary">
              Sign in
            </Link>
          </p>
        </div>
      </div>
    );
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Create your account</h1>
      <p className="mt-2 text-sm text-slate-700">
        Already have one?{' '}
        <Link to={signInLink} className="link">
          Sign in
        </Link>
      </p>
      {signUps === 'invited' ? (
        <p role="status" className="mt-4 rounded-md bg-sky-50 px-4 py-3 text-sky-900 ring-1 ring-sky-200">
          Sign-ups are by invitation only right now: use the address your invitation was sent to.
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        {/* No maxLength: the server says when a name is too long instead of the browser cutting it. */}
        <Field
          field={fields.name}
          label="Name"
          autoComplete="name"
          maxLength={undefined}
          hint={`${NAME_MIN} to ${NAME_MAX} characters.`}
        />
        <Field field={fields.email} label="Email" type="email" autoComplete="email" />
        <Field
          field={fields.password}
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="8 to 128 characters."
        />
        <SubmitButton pendingLabel="Creating account…">Create account</SubmitButton>
      </Form>
      <OAuthButtons providers={providers} redirectTo={redirectTo || '/orgs'} />
    </div>
  );
}
