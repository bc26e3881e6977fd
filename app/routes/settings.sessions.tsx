// /settings/sessions: every active session (device, IP, last used); sign out one, or all others.
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import {
  actorOf,
  describeSignIn,
  listSessions,
  requireUser,
  revokeAllOtherSessions,
  revokeSession,
} from '~/auth/sessions.server';
import { FormErrors, SubmitButton } from '~/components/form';
import { DomainError } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';
import { ScrollRegion } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Sessions — SaaS Platform' }];

const sessionActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('revoke'), sessionId: z.string().regex(/^[0-9a-f]{64}$/) }),
  z.object({ intent: z.literal('revoke-others') }),
]);

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const sessions = await listSessions(auth.db, auth.user.id, auth.session.id);
  return {
    sessions: sessions.map((s) => ({
      ...s,
      signedInWith: describeSignIn(s),
      lastUsedAt: s.lastUsedAt.toISOString(),
      createdAt: s.createdAt.toISOString(),
    })),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const submission = parseWithZod(await request.formData(), { schema: sessionActionSchema });
  if (submission.status !== 'success')
    return data({ error: 'Choose a session to sign out.' }, { status: 400 });
  const actor = actorOf(auth, request);
  try {
    if (submission.value.intent === 'revoke-others') {
      const n = await revokeAllOtherSessions(auth.db, actor, auth.session.id);
      return redirectWithFlash('/settings/sessions', {
        kind: 'success',
        message: n === 1 ? '1 other session was signed out.' : `${n} other sessions were signed out.`,
      });
    }
    if (submission.value.sessionId === auth.session.id) {
      return data(
        { error: 'This is the session you are using: sign out from the menu instead.' },
        { status: 400 },
      );
    }
    const revoked = await revokeSession(auth.db, actor, submission.value.sessionId);
    return redirectWithFlash('/settings/sessions', {
      kind: 'success',
      message: `The session on ${revoked.userAgent ? 'that device' : 'an unknown device'} was signed out.`,
    });
  } catch (err) {
    if (err instanceof DomainError) return data({ error: err.message }, { status: err.status });
    throw err;
  }
}

const formatTime = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export default function Sessions() {
  const { sessions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const others = sessions.filter((s) => !s.current).length;
  return (
    <section aria-labelledby="sessions-heading">
      <h1 id="sessions-heading" className="text-2xl font-bold">
        Active sessions
      </h1>
      <p className="mt-2 text-sm text-slate-700">
        Devices signed in to your account. Sign out any you do not recognize.
      </p>
      <div className="mt-4">
        <FormErrors id="sessions-error" errors={result?.error ? [result.error] : undefined} />
      </div>
      {/* Four columns do not fit a phone: the table scrolls inside its region, never the page. */}
      <div className="mt-4">
        <ScrollRegion label="Active sessions">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Active sessions</caption>
            <thead className="border-b border-slate-200 text-slate-700">
              <tr>
                <th scope="col" className="px-4 py-2">
                  Device
                </th>
                <th scope="col" className="px-4 py-2">
                  Signed in with
                </th>
                <th scope="col" className="px-4 py-2">
                  IP address
                </th>
                <th scope="col" className="px-4 py-2">
                  Last used
                </th>
                <th scope="col" className="px-4 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {sessions.map((s) => (
                <tr key={s.id} data-session={s.current ? 'current' : 'other'}>
                  <td className="px-4 py-2">
                    {s.device}
                    {s.current ? (
                      <span className="ml-2 rounded bg-green-100 px-2 py-0.5 text-green-900">
                        this device
                      </span>
                    ) : null}
                  </td>
                  <td className="px-4 py-2" data-sign-in>
                    {s.signedInWith}
                  </td>
                  <td className="px-4 py-2">{s.ipAddress ?? 'unknown'}</td>
                  <td className="px-4 py-2">
                    <time dateTime={s.lastUsedAt}>{formatTime(s.lastUsedAt)}</time>
                  </td>
                  <td className="px-4 py-2 text-right">
                    {s.current ? null : (
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <SubmitButton
                          className="btn-secondary"
                          name="sessionId"
                          value={s.id}
                          pendingLabel="Signing out…"
                        >
                          Sign out this session
                        </SubmitButton>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      </div>
      {others > 0 ? (
        <Form method="post" className="mt-6">
          <input type="hidden" name="intent" value="revoke-others" />
          <SubmitButton className="btn-secondary" pendingLabel="Signing out…">
            Sign out all other sessions
          </SubmitButton>
        </Form>
      ) : null}
    </section>
  );
}
