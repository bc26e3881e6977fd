// /settings/delete-account: SPEC §6 — refused while the user is the only OWNER of an organization; else the
// account is anonymised (never hard-deleted), and every session ends.
import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { deleteAccount, soleOwnerships } from '~/auth/profile.server';
import { actorOf, luciaFor, requireUser } from '~/auth/sessions.server';
import { requireRecentAuthentication } from '~/auth/sudo.server';
import { deleteAccountSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { redirectWithFlash } from '~/lib/flash.server';
import { replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Delete account — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  // Sudo mode (issue 15 §4): confirm who you are before the form, and again in the action.
  requireRecentAuthentication(auth, request);
  return { email: auth.user.email, soleOwnerOf: await soleOwnerships(auth.db, auth.user.id) };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  requireRecentAuthentication(auth, request);
  const submission = parseWithZod(await request.formData(), { schema: deleteAccountSchema });
  if (submission.status !== 'success') return replyInvalid(submission);
  try {
    await deleteAccount(auth.db, actorOf(auth, request), submission.value);
  } catch (err) {
    return replyError(submission, err);
  }
  return redirectWithFlash(
    '/',
    { kind: 'info', message: 'Your account was deleted. We are sorry to see you go.' },
    { headers: { 'Set-Cookie': luciaFor(auth.db).createBlankSessionCookie().serialize() } },
  );
}

export default function DeleteAccount() {
  const { email, soleOwnerOf } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(deleteAccountSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: deleteAccountSchema }),
  });
  return (
    <section aria-labelledby="delete-heading">
      <h1 id="delete-heading" className="text-2xl font-bold">
        Delete your account
      </h1>
      <p className="mt-2 max-w-2xl text-sm text-slate-700">
        Deleting your account signs you out everywhere, removes your sign-in methods, your memberships and
        team memberships, deactivates the API keys you created and closes the rooms you organized. Invoices
        and the audit trail stay with their organizations. This cannot be undone.
      </p>
      {soleOwnerOf.length > 0 ? (
        <div
          role="alert"
          className="mt-4 max-w-2xl rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200"
        >
          <p>You are the only owner of:</p>
          <ul className="ml-5 list-disc">
            {soleOwnerOf.map((o) => (
              <li key={o.id}>
                <Link to={`/o/${o.slug}/members`} className="link">
                  {o.name}
                </Link>
              </li>
            ))}
          </ul>
          <p className="mt-2">Transfer ownership to another member or delete the organization first.</p>
        </div>
      ) : null}
      <Form method="post" {...getFormProps(form)} className="card mt-6 max-w-xl space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.confirm} label={`Type ${email} to confirm`} autoComplete="off" />
        <SubmitButton className="btn-danger" pendingLabel="Deleting…">
          Delete my account
        </SubmitButton>
      </Form>
    </section>
  );
}
