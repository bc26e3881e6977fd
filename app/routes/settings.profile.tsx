// /settings/profile: name, image URL, time zone, language.
import { getFormProps, getSelectProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { updateProfile } from '~/auth/profile.server';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { LANGUAGES, profileSchema } from '~/auth/validation';
import { Field, FieldErrors, FormErrors, SubmitButton, VALIDATE_ON_SUBMIT } from '~/components/form';
import { redirectWithFlash } from '~/lib/flash.server';
import { replyError, replyInvalid } from '~/lib/http.server';

export const meta: MetaFunction = () => [{ title: 'Profile — SaaS Platform' }];

const TIME_ZONES: string[] = (() => {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
})();

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requireUser(request);
  return {
    profile: {
      name: user.name ?? '',
      image: user.image ?? '',
      timezone: user.timezone,
      language: user.language,
    },
    email: user.email,
    verified: Boolean(user.emailVerifiedAt),
    timeZones: TIME_ZONES,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const submission = parseWithZod(await request.formData(), { schema: profileSchema });
  if (submission.status !== 'success') return replyInvalid(submission);
  try {
    await updateProfile(auth.db, actorOf(auth, request), submission.value);
  } catch (err) {
    return replyError(submission, err);
  }
  return redirectWithFlash('/settings/profile', { kind: 'success', message: 'Your profile was saved.' });
}

export default function Profile() {
  const { profile, email, verified, timeZones } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    defaultValue: profile,
    constraint: getZodConstraint(profileSchema),
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: profileSchema }),
  });
  return (
    <section aria-labelledby="profile-heading">
      <h1 id="profile-heading" className="text-2xl font-bold">
        Profile
      </h1>
      <p className="mt-2 text-sm text-slate-700">
        Signed in as <strong>{email}</strong>{' '}
        {verified ? (
          <span data-testid="email-status" className="rounded bg-green-100 px-2 py-0.5 text-green-900">
            verified
          </span>
        ) : (
          <>
            <span data-testid="email-status" className="rounded bg-amber-100 px-2 py-0.5 text-amber-900">
              not verified
            </span>{' '}
            <Link to="/verify-email" className="link">
              Send a new confirmation link
            </Link>
          </>
        )}
      </p>
      <Form method="post" {...getFormProps(form)} className="card mt-6 max-w-xl space-y-4">
        <FormErrors id={form.errorId} errors={form.errors} />
        <Field field={fields.name} label="Name" autoComplete="name" />
        <Field
          field={fields.image}
          label="Image URL"
          type="url"
          hint="An https:// link to a square picture (optional)."
        />
        <div>
          <label htmlFor={fields.timezone.id} className="label">
            Time zone
          </label>
          <select {...getSelectProps(fields.timezone)} key={fields.timezone.key} className="input mt-1">
            {timeZones.map((tz) => (
              <option key={tz} value={tz}>
                {tz}
              </option>
            ))}
          </select>
          <FieldErrors id={fields.timezone.errorId} errors={fields.timezone.errors} />
        </div>
        <div>
          <label htmlFor={fields.language.id} className="label">
            Language
          </label>
          <select {...getSelectProps(fields.language)} key={fields.language.key} className="input mt-1">
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code}>
                {l.label}
              </option>
            ))}
          </select>
          <FieldErrors id={fields.language.errorId} errors={fields.language.errors} />
        </div>
        <SubmitButton pendingLabel="Saving…">Save profile</SubmitButton>
      </Form>
    </section>
  );
}
