// /verify-email?token=…[&redirectTo=…]: confirms the address (single-use, 24 h link), then goes on to
// redirectTo (through sign-in when signed out). Without a usable token: a page that offers a new link
// (the signed-in user's own address, or an address typed by a visitor), unless already confirmed.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requestVerificationEmail, resendVerification, verifyEmail } from '~/auth/accounts.server';
import { safeRedirectPath } from '~/auth/redirect';
import { getAuth, requestContext } from '~/auth/sessions.server';
import { resendVerificationSchema } from '~/auth/validation';
import { verifyEmailCopy } from '~/auth/verify-email-copy';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { getDb } from '~/db.server';
import { deliverSoon } from '~/email/outbox.server';
import { NotFound } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Confirm your email — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = await getDb();
  const auth = await getAuth(request, db);
  const url = new URL(request.url);
  const token = url.searchParams.get('token');
  // Where sign-up was headed (e.g. an invitation), kept through the link.
  const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'), '');
  const signedIn = auth ? { email: auth.user.email, verified: Boolean(auth.user.emailVerifiedAt) } : null;
  if (!token) return { state: 'pending' as const, signedIn, redirectTo };
  try {
    await verifyEmail(db, token.slice(0, 200), requestContext(request));
  } catch (err) {
    if (err instanceof NotFound)
      return data({ state: 'invalid' as const, signedIn, redirectTo }, { status: 400 });
    throw err;
  }
  if (auth)
    return redirectWithFlash(redirectTo || '/settings/profile', {
      kind: 'success',
      message: 'Your email address is confirmed.',
    });
  return redirectWithFlash(redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : '/login', {
    kind: 'success',
    message: 'Your email address is confirmed. You can sign in now.',
  });
}

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resendVerificationSchema });
  if (submission.status !== 'success') return replyInvalid(submission);
  const db = await getDb();
  const auth = await getAuth(request, db);
  const redirectTo = safeRedirectPath(submission.value.redirectTo, '');
  try {
    let emailIds: string[];
    if (auth) ({ emailIds } = await resendVerification(db, auth.user.id, { redirectTo }));
    else if (submission.value.email)
      ({ emailIds } = await requestVerificationEmail(db, submission.value.email, requestContext(request), {
        redirectTo,
      }));
    else
      return data(submission.reply({ fieldErrors: { email: ['Enter your email address'] } }), {
        status: 400,
      });
    deliverSoon(db, emailIds);
    return { ...submission.reply({ resetForm: true }), sent: true };
  } catch (err) {
    return replyError(submission, err);
  }
}

export default function VerifyEmail() {
  const { state, signedIn, redirectTo } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(resendVerificationSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resendVerificationSchema }),
  });
  const sent = Boolean(lastResult && 'sent' in lastResult && lastResult.sent);
  const verified = Boolean(signedIn?.verified);
  const copy = verifyEmailCopy({ state, signedIn });
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">{copy.heading}</h1>
      <p className="mt-2 text-slate-700">{copy.message}</p>
      {sent ? (
        <p
          role="status"
          className="mt-4 rounded-md bg-green-50 px-4 py-3 text-green-900 ring-1 ring-green-200"
        >
          {signedIn
            ? `A new link is on its way to ${signedIn.email}.`
            : 'If that address has an unconfirmed account, a new link is on its way.'}
        </p>
      ) : null}
      {copy.offerNewLink ? (
        <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4" aria-label="New link">
          <FormErrors id={form.errorId} errors={form.errors} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          {signedIn ? null : <Field field={fields.email} label="Email" type="email" autoComplete="email" />}
          <SubmitButton pendingLabel="Sending…">Send a new link</SubmitButton>
        </Form>
      ) : null}
      <p className="mt-6 text-sm">
        {signedIn ? (
          <Link to={verified ? redirectTo || '/orgs' : '/settings/profile'} className="link">
            {verified ? 'Continue' : 'Back to your settings'}
          </Link>
        ) : (
          <Link to={redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : '/login'} className="link">
            Back to sign in
          </Link>
        )}
      </p>
    </div>
  );
}
