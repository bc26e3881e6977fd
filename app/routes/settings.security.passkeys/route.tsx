// /settings/security/passkeys: the user's passkeys (name, added, last used), add one (named), remove one.
// Adding needs JavaScript (WebAuthn is a browser API): without it the page says so, and removing, like
// every other method of signing in, works with plain forms. Adding or removing a passkey is a factor
// change: every other session and API token ends and an email goes out (afterFactorChange). Sudo mode:
// the page asks who you are first when the last proof is older than 10 minutes.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { type FormEvent, useId, useState } from 'react';
import { listPasskeys, removePasskey } from '~/auth/passkeys.server';
import { usePasskeyCeremony, usePasskeySupport } from '~/auth/passkeys-client';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { requireRecentAuthentication } from '~/auth/sudo.server';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import { NotFound } from '~/lib/errors';
import { badIntent, done, formError } from '~/lib/http.server';
import { ActionError, formatDate } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Passkeys — SaaS Platform' }];

const HERE = '/settings/security/passkeys';

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  requireRecentAuthentication(auth, request);
  const passkeys = await listPasskeys(auth.db, auth.user.id);
  return {
    passkeys: passkeys.map((p) => ({
      id: p.id,
      name: p.name,
      createdAt: p.createdAt.toISOString(),
      lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
      backedUp: p.backedUp,
    })),
  };
}

function removeWording(name: string): Wording {
  return {
    title: `Remove the passkey “${name}”?`,
    message: `This will stop “${name}” from signing in to your account at once, and sign out every other device signed in to it. Remove it from the device too if you no longer use it.`,
    confirmLabel: 'Remove passkey',
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  requireRecentAuthentication(auth, request);
  const formData = await request.formData();
  const intent = formData.get('intent');
  if (intent !== 'remove') return badIntent();
  const passkeyId = String(formData.get('passkeyId') ?? '');
  const actor = actorOf(auth, request);
  try {
    if (!isConfirmed(formData)) {
      const target = (await listPasskeys(auth.db, auth.user.id)).find((p) => p.id === passkeyId);
      if (!target) throw new NotFound('That passkey does not exist or was already removed.');
      return data(askToConfirm({ intent: 'remove', fields: { passkeyId }, ...removeWording(target.name) }));
    }
    const removed = await removePasskey(auth.db, actor, auth.session.id, passkeyId);
    const others = removed.sessionsRevoked;
    const signedOut =
      others === 0
        ? ''
        : others === 1
          ? ' 1 other session was signed out.'
          : ` ${others} other sessions were signed out.`;
    return done(HERE, `The passkey “${removed.name}” was removed.${signedOut}`);
  } catch (err) {
    return formError('remove', null, err);
  }
}

function AddPasskey() {
  const support = usePasskeySupport();
  const nameId = useId();
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const { run, pending, error } = usePasskeyCeremony('register', `${HERE}/register`);
  if (support === 'server')
    return (
      <p className="text-sm text-slate-700" data-testid="passkeys-need-javascript">
        Adding a passkey needs JavaScript: turn it on in your browser to add one. Your password, your
        authenticator app and your connected accounts work without it.
      </p>
    );
  if (support === 'unsupported')
    return (
      <p className="text-sm text-slate-700">
        This browser cannot create passkeys. Try a current version of Chrome, Safari, Firefox or Edge.
      </p>
    );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setNameError('Give the passkey a name, for example “Work laptop”.');
    setNameError(null);
    const answer = await run({ name: trimmed });
    if (answer && typeof answer.redirectTo === 'string') window.location.assign(answer.redirectTo);
  };
  return (
    <form onSubmit={submit} className="space-y-4" aria-describedby={error ? `${nameId}-error` : undefined}>
      <div>
        <label htmlFor={nameId} className="label">
          Name
        </label>
        <input
          id={nameId}
          name="name"
          className="input mt-1"
          maxLength={64}
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${nameId}-hint` : undefined}
        />
        {nameError ? (
          <p id={`${nameId}-hint`} className="mt-1 text-sm text-red-700">
            {nameError}
          </p>
        ) : (
          <p className="mt-1 text-sm text-slate-600">
            So you can tell your passkeys apart: “Work laptop”, “Phone”.
          </p>
        )}
      </div>
      {error ? (
        <p id={`${nameId}-error`} role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn-primary" disabled={pending} aria-busy={pending}>
        {pending ? 'Waiting for your passkey…' : 'Add a passkey'}
      </button>
    </form>
  );
}

export default function Passkeys() {
  const { passkeys } = useLoaderData<typeof loader>();
  return (
    <ConfirmationPage cancelHref={HERE}>
      <section aria-labelledby="passkeys-heading" className="space-y-6">
        <div>
          <p className="text-sm">
            <Link to="/settings/security" className="link">
              ← Security
            </Link>
          </p>
          <h1 id="passkeys-heading" className="mt-2 text-2xl font-bold">
            Passkeys
          </h1>
          <p className="mt-2 max-w-2xl text-sm text-slate-700">
            A passkey signs you in with your device’s fingerprint, face or PIN instead of a password. It
            counts as both factors, and it only works on this site, so it cannot be phished.
          </p>
        </div>
        <ActionError />
        <section aria-labelledby="your-passkeys" className="card p-0">
          <h2 id="your-passkeys" className="px-6 pt-5 text-lg font-semibold">
            Your passkeys
          </h2>
          {passkeys.length === 0 ? (
            <p className="px-6 pt-2 pb-5 text-sm text-slate-700">You have no passkey yet.</p>
          ) : (
            <ul className="mt-2 divide-y divide-slate-200">
              {passkeys.map((p) => (
                <li
                  key={p.id}
                  data-passkey={p.name}
                  className="flex flex-wrap items-center justify-between gap-3 px-6 py-4"
                >
                  <div className="min-w-0">
                    <p className="font-medium break-words">{p.name}</p>
                    <p className="text-sm text-slate-600">
                      Added {formatDate(p.createdAt)} ·{' '}
                      {p.lastUsedAt ? `last used ${formatDate(p.lastUsedAt)}` : 'never used to sign in'}
                      {p.backedUp ? ' · synced' : ''}
                    </p>
                  </div>
                  <ConfirmAction
                    intent="remove"
                    fields={{ passkeyId: p.id }}
                    label="Remove"
                    accessibleLabel={`Remove the passkey ${p.name}`}
                    pendingLabel="Removing…"
                    confirmation={removeWording(p.name)}
                  />
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="add-passkey" className="card max-w-xl space-y-4">
          <h2 id="add-passkey" className="text-lg font-semibold">
            Add a passkey
          </h2>
          <AddPasskey />
        </section>
      </section>
    </ConfirmationPage>
  );
}
