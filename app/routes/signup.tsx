import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { signUp } from '~/auth/accounts.server';
import { enabledProviders } from '~/auth/oauth.server';
import { providerLabel } from '~/auth/profile.server';
import { createUserSession, requestContext, requireAnonymous } from '~/auth/sessions.server';
import { signUpSchema } from '~/auth/validation';
import { Field, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { OAuthButtons } from '~/components/oauth-buttons';
import { getDb } from '~/db.server';
import { deliverSoon } from '~/email/outbox.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Create your account — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request, '/orgs');
  return { providers: enabledProviders().map((id) => ({ id, label: providerLabel(id) })) };
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: signUpSchema });
  if (submission.status !== 'success') return replyInvalid(submission, ['password']);
  const db = await getDb();
  try {
    const { user, emailIds } = await signUp(db, submission.value, requestContext(request));
    deliverSoon(db, emailIds);
    const cookie = await createUserSession(db, user.id, request);
    return redirectWithFlash(
      '/orgs/new',
      { kind: 'success', message: `Welcome! We sent a confirmation link to ${user.email}.` },
      { headers: { 'Set-Cookie': cookie } },
    );
  } catch (err) {
    return replyError(submission, err, ['password']);
  }
}

export default function SignUp() {
  const lastResult = useActionData<typeof action>();
  const { providers } = useLoaderData<typeof loader>();
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(signUpSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: signUpSchema }),
  });
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-2xl font-bold">Create your account</h1>
      <p className="mt-2 text-sm text-slate-700">
        Already have one?{' '}
        <Link to="/login" className="link">
          Sign in
        </Link>
      </p>
      <Form method="post" {...getFormProps(form)} className="card mt-6 space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.name} label="Name" autoComplete="name" />
        <Field field={fields.email} label="Email" type="email" autoComplete="email" />
        <Field
          field={fields.password}
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="8 to 128 characters."
        />
        <SubmitButton pendingLabel="Creating account…">Create account</SubmitButton>
      </Form>
      <OAuthButtons providers={providers} redirectTo="/orgs/new" />
    </div>
  );
}
