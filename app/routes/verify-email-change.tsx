// /verify-email-change?token=…: the link sent to a new address (issue 15 §5). The page shows what it will
// do and a button: a POST makes the change (a link scanner's GET changes nothing). Single use, 24 hours.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { confirmEmailChange, EMAIL_CHANGE_LINK_INVALID, findEmailChange } from '~/auth/email-change.server';
import { getAuth, requestContext } from '~/auth/sessions.server';
import { SubmitButton } from '~/components/form';
import { getDb } from '~/db.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { httpErrorOf } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Confirm your new email — SaaS Platform' }];

const tokenOf = (value: FormDataEntryValue | string | null) =>
  typeof value === 'string' && /^[A-Za-z0-9_-]{16,200}$/.test(value) ? value : null;

export async function loader({ request }: LoaderFunctionArgs) {
  const token = tokenOf(new URL(request.url).searchParams.get('token'));
  const found = token ? await findEmailChange(await getDb(), token) : null;
  if (!token || !found)
    return data({ token: null, newEmail: null, invalid: EMAIL_CHANGE_LINK_INVALID }, { status: 400 });
  return { token, newEmail: found.newEmail, invalid: null };
}

export async function action({ request }: ActionFunctionArgs) {
  const db = await getDb();
  const token = tokenOf((await request.formData()).get('token'));
  if (!token) return data({ error: EMAIL_CHANGE_LINK_INVALID }, { status: 400 });
  try {
    const changed = await confirmEmailChange(db, token, requestContext(request));
    const auth = await getAuth(request, db);
    const message = `Your sign-in email is now ${changed.email}.`;
    return redirectWithFlash(auth?.user.id === changed.userId ? '/settings/email' : '/login', {
      kind: 'success',
      message: auth ? message : `${message} Sign in with it.`,
    });
  } catch (err) {
    const failure = httpErrorOf(err);
    if (!failure) throw err;
    return data({ error: failure.message }, { status: failure.status });
  }
}

export default function VerifyEmailChange() {
  const { token, newEmail, invalid } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <div className="mx-auto max-w-md space-y-4">
      <h1 className="text-2xl font-bold">Confirm your new email address</h1>
      {answer?.error ? (
        <p role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200">
          {answer.error}
        </p>
      ) : null}
      {token && newEmail ? (
        <Form method="post" className="card space-y-4">
          <input type="hidden" name="token" value={token} />
          <p className="text-sm text-slate-800">
            Your account will sign in with <strong className="break-all">{newEmail}</strong> from now on.
          </p>
          <SubmitButton pendingLabel="Confirming…">Confirm new address</SubmitButton>
        </Form>
      ) : (
        <div className="card space-y-3 text-sm text-slate-800">
          <p>{invalid}</p>
          <p>
            Ask for a new link on{' '}
            <Link to="/settings/email" className="link">
              your email settings
            </Link>
            .
          </p>
        </div>
      )}
    </div>
  );
}
