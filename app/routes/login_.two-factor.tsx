// /login/two-factor: the second step of signing in (docs/decisions/0019). Only a partial session (password
// or provider right, TOTP or passkey owed) reaches it; a code from the app, a recovery code, or one of the
// user's passkeys (app/routes/login_.two-factor.passkey.ts, needs JavaScript) replaces that session with a
// complete one (a new token). Each way is offered only when the user has it. "Cancel" signs out.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { safeRedirectPath } from '~/auth/redirect';
import { completeTwoFactorSignIn, secondStepOptions } from '~/auth/second-factor.server';
import { getAuth, getPendingSignIn, TWO_FACTOR_PENDING_MINUTES } from '~/auth/sessions.server';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { PasskeySignIn } from '~/components/passkey-sign-in';
import { getDb } from '~/db.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { passThrottleHeaders, replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Two-step verification — SaaS Platform' }];

export const twoFactorSchema = z.object({
  code: z
    .string({ required_error: 'Enter the code from your authenticator app or a recovery code' })
    .trim()
    .min(1, 'Enter the code from your authenticator app or a recovery code')
    .max(64, 'That is not a code: use the 6 digits from your app or a recovery code'),
  redirectTo: z.string().max(2000).optional(),
});

/** No partial session: a complete one goes where it was going, nobody goes to sign in. */
async function requirePending(request: Request) {
  const db = await getDb();
  const pending = await getPendingSignIn(request, db);
  if (pending) return pending;
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/orgs');
  if (await getAuth(request, db)) throw redirect(redirectTo);
  throw redirect('/login');
}

export async function loader({ request }: LoaderFunctionArgs) {
  const pending = await requirePending(request);
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/orgs');
  const factors = await secondStepOptions(pending.db, pending.user.id);
  return { redirectTo, email: pending.user.email, minutes: TWO_FACTOR_PENDING_MINUTES, factors };
}

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

export async function action({ request }: ActionFunctionArgs) {
  const pending = await requirePending(request);
  const submission = parseWithZod(await request.formData(), { schema: twoFactorSchema });
  if (submission.status !== 'success') return replyInvalid(submission, ['code']);
  try {
    const { cookie, recoveryCodesLeft } = await completeTwoFactorSignIn(
      pending.db,
      request,
      pending,
      submission.value.code,
    );
    const to = safeRedirectPath(submission.value.redirectTo, '/orgs');
    const headers = { 'Set-Cookie': cookie };
    if (recoveryCodesLeft !== null) {
      return redirectWithFlash(
        to,
        {
          kind: recoveryCodesLeft <= 3 ? 'error' : 'info',
          message: `You signed in with a recovery code; ${recoveryCodesLeft} left. Make new ones in Security settings${recoveryCodesLeft <= 3 ? ' soon' : ''}.`,
        },
        { headers },
      );
    }
    return redirect(to, { headers });
  } catch (err) {
    return replyError(submission, err, ['code']);
  }
}

/** Before hydration (and without JavaScript) the passkey button is this sentence. */
function passkeyNeedsJavaScript(factors: { totp: boolean; recoveryCodesLeft: number }): string {
  const base = 'Using a passkey needs JavaScript.';
  if (factors.totp) return base;
  return factors.recoveryCodesLeft > 0
    ? `${base} Turn JavaScript on and reload this page, or enter one of your recovery codes above.`
    : `${base} Turn JavaScript on and reload this page to continue.`;
}

export default function TwoFactorStep() {
  const { redirectTo, email, minutes, factors } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(twoFactorSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: twoFactorSchema }),
  });
  const codes = factors.totp || factors.recoveryCodesLeft > 0;
  const passkey = factors.passkeys > 0;
  const codeWays = [
    factors.totp ? 'the 6-digit code your authenticator app shows now' : null,
    factors.recoveryCodesLeft > 0 ? 'one of your recovery codes' : null,
  ]
    .filter(Boolean)
    .join(', or ');
  const instruction = codes
    ? `Enter ${codeWays}${passkey ? ', or use one of your passkeys' : ''}.`
    : passkey
      ? 'Use one of your passkeys to finish.'
      : 'Your account has no second factor left: sign out and sign in again.';
  const codeLabel = factors.totp ? 'Authentication code' : 'Recovery code';
  const codeHint = factors.totp
    ? factors.recoveryCodesLeft > 0
      ? '123456 from your app, or a recovery code like abcde-fghjk.'
      : '123456 from your app.'
    : 'A recovery code like abcde-fghjk.';
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Two-step verification</h1>
      <p className="mt-2 text-sm text-slate-700">
        Signing in as <strong className="break-all">{email}</strong>. {instruction} This step expires after{' '}
        {minutes} minutes.
      </p>
      {codes ? (
        <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
          <FormErrors id={form.errorId} errors={form.errors} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <Field
            field={fields.code}
            label={codeLabel}
            autoComplete="one-time-code"
            inputMode="text"
            autoCapitalize="off"
            spellCheck={false}
            autoFocus
            hint={codeHint}
          />
          <SubmitButton pendingLabel="Verifying…">Verify</SubmitButton>
        </Form>
      ) : null}
      {passkey ? (
        <PasskeySignIn
          redirectTo={redirectTo}
          endpoint="/login/two-factor/passkey"
          needsJavaScript={passkeyNeedsJavaScript(factors)}
        />
      ) : null}
      <Form method="post" action="/logout" className="mt-4">
        <button type="submit" className="link text-sm">
          Cancel and sign out
        </button>
      </Form>
    </div>
  );
}
