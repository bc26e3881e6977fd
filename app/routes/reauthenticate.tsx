// /reauthenticate?redirectTo=…: sudo mode's "confirm it's you" (issue 15 §4). Password, a code from the
// authenticator app, or a passkey (with JavaScript; app/routes/reauthenticate.passkey.ts) sets the
// session's reauthenticated_at and goes back. Someone with none of these (signed up through GitHub or
// Google) signs in again, which is a fresh proof too. Wrong answers are counted per user.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { useId } from 'react';
import { usePasskeyCeremony, usePasskeySupport } from '~/auth/passkeys-client';
import { safeRedirectPath } from '~/auth/redirect';
import { actorOf, destroySession, requireUser } from '~/auth/sessions.server';
import {
  isRecentlyAuthenticated,
  reauthenticateWithPassword,
  reauthenticateWithTotp,
  reauthenticationMethods,
  SUDO_WINDOW_MINUTES,
} from '~/auth/sudo.server';
import { SubmitButton } from '~/components/form';
import { redirectWithFlash } from '~/lib/flash.server';
import { httpErrorOf, passThrottleHeaders } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Confirm it’s you — SaaS Platform' }];

/** A throttled 429 keeps its Retry-After. */
export const headers = passThrottleHeaders;

const backTo = (request: Request) =>
  safeRedirectPath(new URL(request.url).searchParams.get('redirectTo'), '/settings');

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const redirectTo = backTo(request);
  if (isRecentlyAuthenticated(auth.session)) throw redirect(redirectTo);
  return {
    redirectTo,
    email: auth.user.email,
    windowMinutes: SUDO_WINDOW_MINUTES,
    methods: await reauthenticationMethods(auth.db, auth.user.id),
  };
}

interface Answer {
  form: 'password' | 'totp' | 'unknown';
  error: string;
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const form = await request.formData();
  const intent = form.get('intent');
  const redirectTo = backTo(request);
  const actor = actorOf(auth, request);
  try {
    if (intent === 'password') {
      await reauthenticateWithPassword(auth.db, actor, auth.session.id, String(form.get('password') ?? ''));
    } else if (intent === 'totp') {
      await reauthenticateWithTotp(auth.db, actor, auth.session.id, String(form.get('code') ?? ''));
    } else if (intent === 'sign-in-again') {
      const { cookie } = await destroySession(request, auth.db);
      return redirect(`/login?${new URLSearchParams({ redirectTo })}`, { headers: { 'Set-Cookie': cookie } });
    } else {
      return data<Answer>({ form: 'unknown', error: 'Unknown action.' }, { status: 400 });
    }
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data<Answer>(
      { form: intent === 'totp' ? 'totp' : 'password', error: failure.message },
      { status: failure.status, headers: failure.headers },
    );
  }
  return redirectWithFlash(redirectTo, { kind: 'success', message: 'Thanks, that was you. Go ahead.' });
}

function PasskeyConfirm({ redirectTo }: { redirectTo: string }) {
  const support = usePasskeySupport();
  const { run, pending, error } = usePasskeyCeremony(
    'authenticate',
    `/reauthenticate/passkey?${new URLSearchParams({ redirectTo })}`,
  );
  if (support !== 'supported')
    return (
      <p className="text-sm text-slate-700" data-testid="passkeys-need-javascript">
        {support === 'server'
          ? 'Confirming with a passkey needs JavaScript; use another way below, or turn JavaScript on.'
          : 'This browser cannot use passkeys; use another way below.'}
      </p>
    );
  return (
    <div className="space-y-2">
      <button
        type="button"
        className="btn-primary"
        disabled={pending}
        aria-busy={pending}
        onClick={async () => {
          const answer = await run();
          if (answer && typeof answer.redirectTo === 'string') window.location.assign(answer.redirectTo);
        }}
      >
        {pending ? 'Waiting for your passkey…' : 'Confirm with a passkey'}
      </button>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function CodeField({
  name,
  label,
  type,
  autoComplete,
  error,
  inputMode,
}: {
  name: string;
  label: string;
  type: string;
  autoComplete: string;
  error?: string;
  inputMode?: 'numeric';
}) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        inputMode={inputMode}
        required
        className="input mt-1"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export default function Reauthenticate() {
  const { redirectTo, email, methods, windowMinutes } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const none = !methods.password && !methods.totp && !methods.passkey;
  return (
    <div className="mx-auto max-w-md space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Confirm it’s you</h1>
        <p className="mt-2 text-sm text-slate-700">
          You are about to change something sensitive for <strong className="break-all">{email}</strong>.
          Confirm who you are; you will not be asked again for {windowMinutes} minutes.
        </p>
      </div>
      {answer?.form === 'unknown' ? (
        <p role="alert" className="text-sm text-red-700">
          {answer.error}
        </p>
      ) : null}
      {methods.passkey ? (
        <section aria-labelledby="reauth-passkey" className="card space-y-3">
          <h2 id="reauth-passkey" className="text-lg font-semibold">
            Passkey
          </h2>
          <PasskeyConfirm redirectTo={redirectTo} />
        </section>
      ) : null}
      {methods.password ? (
        <Form method="post" className="card space-y-4" aria-labelledby="reauth-password">
          <h2 id="reauth-password" className="text-lg font-semibold">
            Password
          </h2>
          <input type="hidden" name="intent" value="password" />
          <CodeField
            name="password"
            label="Your password"
            type="password"
            autoComplete="current-password"
            error={answer?.form === 'password' ? answer.error : undefined}
          />
          <SubmitButton pendingLabel="Checking…">Confirm with password</SubmitButton>
        </Form>
      ) : null}
      {methods.totp ? (
        <Form method="post" className="card space-y-4" aria-labelledby="reauth-totp">
          <h2 id="reauth-totp" className="text-lg font-semibold">
            Authenticator app
          </h2>
          <input type="hidden" name="intent" value="totp" />
          <CodeField
            name="code"
            label="6-digit code from your app"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            error={answer?.form === 'totp' ? answer.error : undefined}
          />
          <SubmitButton pendingLabel="Checking…">Confirm with code</SubmitButton>
        </Form>
      ) : null}
      <Form method="post" className={none ? 'card space-y-3' : 'space-y-2'}>
        <input type="hidden" name="intent" value="sign-in-again" />
        <p className="text-sm text-slate-700">
          {none
            ? 'You sign in through a connected account. Sign in again to confirm it’s you; you come back here afterwards.'
            : 'Or sign out and sign in again, then come back.'}
        </p>
        <button type="submit" className={none ? 'btn-primary' : 'btn-secondary'}>
          Sign in again
        </button>
      </Form>
    </div>
  );
}
