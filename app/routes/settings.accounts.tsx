// /settings/accounts: connected GitHub / Google accounts; disconnect only while another sign-in method remains.
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { enabledProviders } from '~/auth/oauth.server';
import { listSignInMethods, OAUTH_PROVIDERS, providerLabel, unlinkAccount } from '~/auth/profile.server';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { FormErrors, SubmitButton } from '~/components/form';
import { DomainError } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';

export const meta: MetaFunction = () => [{ title: 'Connected accounts — SaaS Platform' }];

const unlinkSchema = z.object({ intent: z.literal('unlink'), providerId: z.enum(OAUTH_PROVIDERS) });

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const methods = await listSignInMethods(auth.db, auth.user.id);
  const enabled = enabledProviders();
  return {
    hasPassword: methods.hasPassword,
    providers: OAUTH_PROVIDERS.map((id) => {
      const connected = methods.providers.find((p) => p.providerId === id);
      return {
        id,
        label: providerLabel(id),
        connectedAt: connected?.connectedAt.toISOString() ?? null,
        available: enabled.includes(id),
      };
    }),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const submission = parseWithZod(await request.formData(), { schema: unlinkSchema });
  if (submission.status !== 'success')
    return data({ error: 'Choose an account to disconnect.' }, { status: 400 });
  try {
    await unlinkAccount(auth.db, actorOf(auth, request), submission.value.providerId);
  } catch (err) {
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
  return redirectWithFlash('/settings/accounts', {
    kind: 'success',
    message: `${providerLabel(submission.value.providerId)} was disconnected.`,
  });
}

export default function ConnectedAccounts() {
  const { hasPassword, providers } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const methods = providers.filter((p) => p.connectedAt).length + (hasPassword ? 1 : 0);
  return (
    <section aria-labelledby="accounts-heading">
      <h1 id="accounts-heading" className="text-2xl font-bold">
        Connected accounts
      </h1>
      <p className="mt-2 text-sm text-slate-700">
        Sign in with any of these. You can disconnect one as long as another way to sign in remains.
      </p>
      <div className="mt-4">
        <FormErrors id="accounts-error" errors={result?.error ? [result.error] : undefined} />
      </div>
      <ul className="mt-4 divide-y divide-slate-200 rounded-md bg-white ring-1 ring-slate-200">
        <li className="flex items-center justify-between gap-4 px-4 py-3">
          <div>
            <p className="font-medium">Email and password</p>
            <p className="text-sm text-slate-600">{hasPassword ? 'Password set' : 'No password yet'}</p>
          </div>
          <Link to="/settings/password" className="btn-secondary">
            {hasPassword ? 'Change password' : 'Set a password'}
          </Link>
        </li>
        {providers.map((p) => (
          <li key={p.id} className="flex items-center justify-between gap-4 px-4 py-3" data-provider={p.id}>
            <div>
              <p className="font-medium">{p.label}</p>
              <p className="text-sm text-slate-600">
                {p.connectedAt
                  ? `Connected on ${new Date(p.connectedAt).toISOString().slice(0, 10)}`
                  : 'Not connected'}
              </p>
            </div>
            {p.connectedAt ? (
              <Form method="post">
                <input type="hidden" name="intent" value="unlink" />
                <input type="hidden" name="providerId" value={p.id} />
                <SubmitButton className="btn-secondary" pendingLabel="Disconnecting…">
                  {methods > 1 ? `Disconnect ${p.label}` : `Disconnect ${p.label} (set a password first)`}
                </SubmitButton>
              </Form>
            ) : p.available ? (
              <a href={`/auth/${p.id}?redirectTo=/settings/accounts`} className="btn-secondary">
                Connect {p.label}
              </a>
            ) : (
              <span className="text-sm text-slate-600">Not configured on this server</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
