import { getFormProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { signUp } from '~/auth/accounts.server';
import { createUserSession, requireAnonymous } from '~/auth/sessions.server';
import { signUpSchema } from '~/auth/validation';
import { clientIp } from '~/audit/audit.server';
import { Field, FormErrors, SubmitButton } from '~/components/form';
import { getDb } from '~/db.server';
import { deliverSoon } from '~/email/outbox.server';
import { redirectWithFlash } from '~/lib/flash.server';
import { replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Create your account — SaaS Platform' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request, '/orgs');
  return null;
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: signUpSchema });
  if (submission.status !== 'success') return replyInvalid(submission, ['password']);
  const db = await getDb();
  try {
    const context = { ipAddress: clientIp(request), userAgent: request.headers.get('user-agent') };
    const { user, emailIds } = await signUp(db, submission.value, context);
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
  const [form, fields] = useForm({
    lastResult,
    constraint: getZodConstraint(signUpSchema),
    shouldValidate: 'onBlur',
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
        <Field field={fields.password} label="Password" type="password" autoComplete="new-password" hint="8 to 128 characters." />
        <SubmitButton pendingLabel="Creating account…">Create account</SubmitButton>
      </Form>
    </div>
  );
}
