// /verify-email?token=…: confirms the address (single-use, 24 h link). Without a usable token: a page that
// offers a new link (the signed-in user's own address, or an address typed by a visitor).
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { requestVerificationEmail, resendVerification, verifyEmail } from '~/auth/accounts.server';
import { getAuth, requestContext } from '~/auth/sessions.server';
import { resendVerificationSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { getDb } from '~/db.server';
import { deliverSoon } from '~/email/outbox.server';
import { NotFound } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';
import { replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Confirm your email — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const db = await getDb();
  const auth = await getAuth(request, db);
  const token = new URL(request.url).searchParams.get('token');
  const signedIn = auth ? { email: auth.user.email, verified: Boolean(auth.user.emailVerifiedAt) } : null;
  if (!token) return { state: 'pending' as const, signedIn };
  try {
    await verifyEmail(db, token.slice(0, 200), requestContext(request));
  } catch (err) {
    if (err instanceof NotFound) return data({ state: 'invalid' as const, signedIn }, { status: 400 });
    throw err;
  }
  return redirectWithFlash(auth ? '/settings/profile' : '/login', {
    kind: 'success',
    message: auth
      ? 'Your email address is confirmed.'
      : 'Your email address is confirmed. You can sign in now.',
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: resendVerificationSchema });
  if (submission.status !== 'success') return replyInvalid(submission);
  const db = await getDb();
  const auth = await getAuth(request, db);
  try {
    let emailIds: string[];
    if (auth) ({ emailIds } = await resendVerification(db, auth.user.id));
    else if (submission.value.email)
      ({ emailIds } = await requestVerificationEmail(db, submission.value.email));
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
  const { state, signedIn } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(resendVerificationSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resendVerificationSchema }),
  });
  const sent = Boolean(lastResult && 'sent' in lastResult && lastResult.sent);
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">
        {state === 'invalid' ? 'This link no longer works' : 'Confirm your email address'}
      </h1>
      {state === 'invalid' ? (
        <p className="mt-2 text-slate-700">
          The confirmation link is invalid, expired (links last 24 hours) or was already used. Ask for a new
          one below.
        </p>
      ) : signedIn?.verified ? (
        <p className="mt-2 text-slate-700">Your email address {signedIn.email} is already confirmed.</p>
      ) : (
        <p className="mt-2 text-slate-700">
          We sent a confirmation link{signedIn ? ` to ${signedIn.email}` : ''}. Open it within 24 hours. No
          email? Ask for a new one.
        </p>
      )}
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
      {signedIn?.verified ? null : (
        <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
          <FormErrors id={form.errorId} errors={form.errors} />
          {signedIn ? null : <Field field={fields.email} label="Email" type="email" autoComplete="email" />}
          <SubmitButton pendingLabel="Sending…">Send a new link</SubmitButton>
        </Form>
      )}
      <p className="mt-6 text-sm">
        <Link to={signedIn ? '/settings/profile' : '/login'} className="link">
          {signedIn ? 'Back to your settings' : 'Back to sign in'}
        </Link>
      </p>
    </div>
  );
}
