// "Use a passkey" on /login (the ceremony: app/routes/login.passkey.ts) and on the second step
// /login/two-factor (app/routes/login_.two-factor.passkey.ts). Server-rendered as a note that passkeys need
// JavaScript; the button appears once the page is hydrated, so without JavaScript the page's other forms
// are the whole page, as before.
import { usePasskeyCeremony, usePasskeySupport } from '~/auth/passkeys-client';

export function PasskeySignIn({
  redirectTo,
  endpoint = '/login/passkey',
  needsJavaScript = 'Signing in with a passkey needs JavaScript.',
}: {
  redirectTo: string;
  endpoint?: string;
  /** What the page says before hydration and without JavaScript. */
  needsJavaScript?: string;
}) {
  const support = usePasskeySupport();
  const { run, pending, error } = usePasskeyCeremony('authenticate', endpoint);
  return (
    <section aria-label="Passkey" className="mt-6 space-y-2">
      {support === 'supported' ? (
        <>
          <button
            type="button"
            className="btn-secondary w-full"
            disabled={pending}
            aria-busy={pending}
            onClick={async () => {
              const answer = await run({ redirectTo });
              if (answer && typeof answer.redirectTo === 'string') window.location.assign(answer.redirectTo);
            }}
          >
            {pending ? 'Waiting for your passkey…' : 'Use a passkey'}
          </button>
          {error ? (
            <p role="alert" className="text-sm text-red-700">
              {error}
            </p>
          ) : null}
        </>
      ) : (
        <p className="text-center text-sm text-slate-600" data-testid="passkeys-need-javascript">
          {support === 'server' ? needsJavaScript : 'This browser cannot sign in with a passkey.'}
        </p>
      )}
    </section>
  );
}
