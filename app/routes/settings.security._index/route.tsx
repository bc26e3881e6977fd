// /settings/security: the second factor (issue 15, docs/decisions/0019). An authenticator app (TOTP):
// set up with a QR code or the key, confirmed by a first code; ten recovery codes shown once; new codes or
// turning it off need a current code. Passkeys live on /settings/security/passkeys. `?required=<slug>`:
// an organization that requires a second factor sent the member here first.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import {
  cancelTotpEnrollment,
  confirmTotpEnrollment,
  createPasskeyRecoveryCodes,
  disableTotp,
  regenerateRecoveryCodes,
  securityOverview,
  startTotpEnrollment,
} from '~/auth/second-factor.server';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { requireRecentAuthentication } from '~/auth/sudo.server';
import { SubmitButton } from '~/components/form';
import { done, httpErrorOf, passThrottleHeaders } from '~/lib/http.server';
import { formatDate } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Security — SaaS Platform' }];

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

const code = z
  .string({ required_error: 'Enter a code' })
  .trim()
  .min(1, 'Enter a code')
  .max(64, 'That is not a code: use the 6 digits from your app or a recovery code');
const securityActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('start') }),
  z.object({ intent: z.literal('cancel') }),
  z.object({ intent: z.literal('confirm'), code }),
  z.object({ intent: z.literal('regenerate'), code }),
  z.object({ intent: z.literal('disable'), code }),
  z.object({ intent: z.literal('passkey-recovery') }),
]);

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  // Sudo mode (issue 15 §4): changing a factor needs a recent proof; asked before the page, and in the action.
  requireRecentAuthentication(auth, request);
  const overview = await securityOverview(auth.db, auth.user);
  const requiredSlug = new URL(request.url).searchParams.get('required');
  const required = overview.requiredBy.find((o) => o.slug === requiredSlug) ?? null;
  return {
    overview: { ...overview, totpEnabledAt: overview.totpEnabledAt?.toISOString() ?? null },
    hasSecondFactor: auth.user.hasSecondFactor,
    required,
  };
}

interface SecurityAnswer {
  form: string;
  error?: string;
  recoveryCodes?: string[];
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const parsed = securityActionSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const form = issue?.path[0] === 'intent' ? 'unknown' : 'code';
    return data<SecurityAnswer>(
      { form, error: issue?.path[0] === 'intent' ? 'Unknown action.' : (issue?.message ?? 'Enter a code') },
      { status: 400 },
    );
  }
  const input = parsed.data;
  if (input.intent !== 'cancel') requireRecentAuthentication(auth, request);
  const actor = actorOf(auth, request);
  const back = `/settings/security${new URL(request.url).search}`;
  try {
    switch (input.intent) {
      case 'start':
        await startTotpEnrollment(auth.db, actor);
        return done(back, 'Scan the QR code with your authenticator app, then enter the code it shows.');
      case 'cancel':
        await cancelTotpEnrollment(auth.db, actor);
        return done(back, 'The set-up was canceled.');
      case 'confirm': {
        const { recoveryCodes } = await confirmTotpEnrollment(auth.db, actor, auth.session.id, input.code);
        return data<SecurityAnswer>({ form: 'confirm', recoveryCodes });
      }
      case 'regenerate': {
        const { recoveryCodes } = await regenerateRecoveryCodes(auth.db, actor, input.code);
        return data<SecurityAnswer>({ form: 'regenerate', recoveryCodes });
      }
      case 'passkey-recovery': {
        const { recoveryCodes } = await createPasskeyRecoveryCodes(auth.db, actor, auth.session.id);
        return data<SecurityAnswer>({ form: 'passkey-recovery', recoveryCodes });
      }
      case 'disable':
        await disableTotp(auth.db, actor, auth.session.id, input.code);
        return done(back, 'Your authenticator app was turned off; every other session was signed out.');
    }
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data<SecurityAnswer>(
      { form: input.intent, error: failure.message },
      { status: failure.status, headers: failure.headers },
    );
  }
}

function CodeField({
  form,
  label,
  hint,
  error,
}: {
  form: string;
  label: string;
  hint: string;
  error?: string;
}) {
  const id = `${form}-code`;
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input
        id={id}
        name="code"
        className="input mt-1 max-w-xs"
        autoComplete="one-time-code"
        autoCapitalize="off"
        spellCheck={false}
        required
        maxLength={64}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error ${id}-hint` : `${id}-hint`}
      />
      <p id={`${id}-hint`} className="mt-1 text-sm text-slate-600">
        {hint}
      </p>
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <section aria-labelledby="recovery-heading" className="card mt-6 space-y-3 ring-2 ring-amber-300">
      <h2 id="recovery-heading" className="text-lg font-semibold">
        Your recovery codes
      </h2>
      <p className="text-sm text-slate-700">
        Each code signs you in once if you lose your authenticator app or your passkeys. Save them somewhere
        safe now: they are shown only this once.
      </p>
      <ul className="grid grid-cols-2 gap-2 font-mono text-base" data-recovery-codes>
        {codes.map((c) => (
          <li key={c} className="rounded bg-slate-100 px-2 py-1 text-center">
            {c}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Security() {
  const { overview, hasSecondFactor, required } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as SecurityAnswer | undefined;
  const errorOf = (form: string) => (answer?.form === form ? answer.error : undefined);
  const codes = answer?.recoveryCodes;
  return (
    <section aria-labelledby="security-heading">
      <h1 id="security-heading" className="text-2xl font-bold">
        Security
      </h1>
      <p className="mt-2 text-sm text-slate-700">
        A second factor keeps your account safe even if your password leaks: signing in then also needs a code
        from your phone or a passkey.
      </p>
      {required && !hasSecondFactor ? (
        <div
          role="alert"
          className="mt-4 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-950 ring-1 ring-amber-300"
        >
          <strong>{required.name}</strong> requires a second factor of its members. Set up an authenticator
          app or a passkey to open its pages.
        </div>
      ) : null}
      {required && hasSecondFactor ? (
        <p className="mt-4 rounded-md bg-green-50 px-4 py-3 text-sm text-green-900 ring-1 ring-green-200">
          You are all set.{' '}
          <Link to={`/o/${required.slug}`} className="link">
            Continue to {required.name}
          </Link>
        </p>
      ) : null}
      {answer?.form === 'unknown' && answer.error ? (
        <p role="alert" className="mt-4 text-sm text-red-700">
          {answer.error}
        </p>
      ) : null}
      {codes ? <RecoveryCodes codes={codes} /> : null}

      <section aria-labelledby="totp-heading" className="card mt-6 space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="totp-heading" className="text-lg font-semibold">
            Authenticator app
          </h2>
          <span
            data-totp-status={overview.totp}
            className={`rounded px-2 py-0.5 text-sm ${overview.totp === 'on' ? 'bg-green-100 text-green-900' : 'bg-slate-100 text-slate-800'}`}
          >
            {overview.totp === 'on' ? 'On' : overview.totp === 'enrolling' ? 'Setting up' : 'Off'}
          </span>
        </div>
        {overview.totp === 'off' ? (
          <>
            <p className="text-sm text-slate-700">
              Use an app such as 1Password, Google Authenticator or Authy: it shows a new 6-digit code every
              30 seconds.
            </p>
            <Form method="post">
              <input type="hidden" name="intent" value="start" />
              <SubmitButton pendingLabel="Starting…">Set up authenticator app</SubmitButton>
            </Form>
          </>
        ) : null}
        {overview.totp === 'enrolling' && overview.enrollment ? (
          <>
            <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
              <li>Scan this QR code with your authenticator app, or type the key below.</li>
              <li>Enter the 6-digit code the app shows.</li>
            </ol>
            <div className="flex flex-wrap items-start gap-6">
              <div
                role="img"
                aria-label="QR code of your authenticator key"
                className="h-44 w-44 shrink-0 rounded bg-white p-1 ring-1 ring-slate-200 [&>svg]:h-full [&>svg]:w-full"
                // Rendered on the server by the qrcode library from the otpauth:// URI: no user markup.
                // biome-ignore lint/security/noDangerouslySetInnerHtml: server-made SVG of our own URI
                dangerouslySetInnerHTML={{ __html: overview.enrollment.qrSvg }}
              />
              <div className="min-w-0 text-sm">
                <p className="font-medium">Key for manual entry</p>
                <code
                  data-totp-key
                  className="mt-1 block break-all rounded bg-slate-100 px-2 py-1 font-mono text-base"
                >
                  {overview.enrollment.manualKey}
                </code>
                <p className="mt-1 text-slate-600">Time-based, 6 digits, every 30 seconds.</p>
              </div>
            </div>
            <Form method="post" className="space-y-3">
              <input type="hidden" name="intent" value="confirm" />
              <CodeField
                form="confirm"
                label="Code from the app"
                hint="6 digits, e.g. 123456."
                error={errorOf('confirm')}
              />
              <SubmitButton pendingLabel="Checking…">Turn on</SubmitButton>
            </Form>
            <Form method="post">
              <input type="hidden" name="intent" value="cancel" />
              <SubmitButton className="btn-secondary" pendingLabel="Canceling…">
                Cancel set-up
              </SubmitButton>
            </Form>
            {errorOf('cancel') ? (
              <p role="alert" className="field-error">
                {errorOf('cancel')}
              </p>
            ) : null}
          </>
        ) : null}
        {overview.totp === 'on' ? (
          <>
            <p className="text-sm text-slate-700">
              On since {overview.totpEnabledAt ? formatDate(overview.totpEnabledAt) : 'recently'}. Signing in
              asks for a code after your password or connected account.{' '}
              <span data-recovery-left>{overview.recoveryCodesLeft} of 10 recovery codes left.</span>
            </p>
            <Form method="post" className="space-y-3">
              <input type="hidden" name="intent" value="regenerate" />
              <h3 className="font-medium">New recovery codes</h3>
              <CodeField
                form="regenerate"
                label="Current code from the app"
                hint="The old recovery codes stop working."
                error={errorOf('regenerate')}
              />
              <SubmitButton className="btn-secondary" pendingLabel="Making codes…">
                Make new recovery codes
              </SubmitButton>
            </Form>
            <Form method="post" className="space-y-3 border-t border-slate-200 pt-4">
              <input type="hidden" name="intent" value="disable" />
              <h3 className="font-medium">Turn off</h3>
              <CodeField
                form="disable"
                label="Current code or a recovery code"
                hint="Every other session is signed out."
                error={errorOf('disable')}
              />
              <SubmitButton className="btn-danger" pendingLabel="Turning off…">
                Turn off authenticator app
              </SubmitButton>
            </Form>
          </>
        ) : null}
        {errorOf('start') ? (
          <p role="alert" className="field-error">
            {errorOf('start')}
          </p>
        ) : null}
      </section>

      <section aria-labelledby="passkeys-heading" className="card mt-6 space-y-2">
        <h2 id="passkeys-heading" className="text-lg font-semibold">
          Passkeys
        </h2>
        <p className="text-sm text-slate-700">
          Sign in with your fingerprint, face or device PIN instead of a password. A passkey counts as both
          factors.
        </p>
        <Link to="/settings/security/passkeys" className="link text-sm">
          Manage passkeys
        </Link>
        {overview.passkeys > 0 && overview.totp !== 'on' ? (
          <Form method="post" className="space-y-2 border-t border-slate-200 pt-3">
            <input type="hidden" name="intent" value="passkey-recovery" />
            <h3 className="font-medium">Recovery codes</h3>
            <p className="text-sm text-slate-700" data-passkey-recovery-left>
              {overview.recoveryCodesLeft > 0
                ? `${overview.recoveryCodesLeft} of 10 recovery codes left. New codes replace them.`
                : 'Signing in with your password asks for a passkey. Make recovery codes so a lost device does not lock you out.'}
            </p>
            <SubmitButton pendingLabel="Making codes…">
              {overview.recoveryCodesLeft > 0 ? 'Make new recovery codes' : 'Make recovery codes'}
            </SubmitButton>
            {errorOf('passkey-recovery') ? (
              <p role="alert" className="field-error">
                {errorOf('passkey-recovery')}
              </p>
            ) : null}
          </Form>
        ) : null}
      </section>
    </section>
  );
}
