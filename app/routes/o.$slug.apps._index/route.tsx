// The organization's apps (seed 001): every member sees them; OWNER and ADMIN register one from its
// manifest (JSON). Updating, history and retiring are on the app's own page.
import { getFormProps, getTextareaProps, useForm } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { Field, FieldErrors, FormErrors, SubmitButton } from '~/components/form';
import { appIdSchema, listApps, registerApp } from '~/events/apps.server';
import { EXAMPLE_MANIFEST, manifestFieldSchema } from '~/events/components';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, formatDate, organizationTitle, PageHeading } from '~/orgs/components';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Apps');

const registerFormSchema = z.object({
  appId: appIdSchema,
  name: z.string().trim().max(100, 'Use at most 100 characters').optional(),
  manifest: manifestFieldSchema,
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const apps = await listApps(db, actor, organization.id).catch(loaderFailure);
  return data({
    organization,
    apps: apps.map((a) => ({
      appId: a.appId,
      name: a.name,
      manifestVersion: a.manifestVersion,
      versions: 1 + (Array.isArray(a.manifestHistory) ? a.manifestHistory.length : 0),
      updatedAt: a.updatedAt,
    })),
    canManage: can(role, 'apps:manage'),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'organization:view');
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  if (intent !== 'register') return badIntent();
  const submission = parseWithZod(formData, { schema: registerFormSchema });
  if (submission.status !== 'success') return formInvalid('register', submission);
  try {
    const { app, restored } = await registerApp(db, actor, {
      organizationId: organization.id,
      ...submission.value,
    });
    return done(
      `/o/${organization.slug}/apps/${app.appId}`,
      restored
        ? `App ${app.name} restored at version ${app.manifestVersion}.`
        : `App ${app.name} registered at version ${app.manifestVersion}.`,
    );
  } catch (err) {
    return formError('register', submission, err);
  }
}

export default function Apps() {
  const { organization, apps, canManage } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm<z.input<typeof registerFormSchema>>({
    id: 'register-app',
    lastResult: answer?.form === 'register' ? answer.result : undefined,
  });
  const base = `/o/${organization.slug}/apps`;
  return (
    <div className="space-y-8">
      <PageHeading title="Apps">
        <Link to={`/o/${organization.slug}/rooms`} className="link text-sm">
          Rooms
        </Link>
      </PageHeading>
      <ActionError />
      <p className="max-w-2xl text-slate-700">
        An app describes what its rooms can be set up with. Each room locks the manifest version it was
        created from, so a new version never changes a room that exists.
      </p>
      {apps.length === 0 ? (
        <p className="text-slate-700">No apps yet.</p>
      ) : (
        <ul className="card divide-y divide-slate-200 p-0" aria-label="Apps">
          {apps.map((a) => (
            <li
              key={a.appId}
              className="flex flex-wrap items-center justify-between gap-3 px-6 py-4"
              data-app={a.appId}
            >
              <div className="min-w-0">
                <p className="font-medium break-words">
                  <Link to={`${base}/${a.appId}`} className="link">
                    {a.name}
                  </Link>{' '}
                  <span className="font-mono text-sm break-all text-slate-600">{a.appId}</span>
                </p>
                <p className="text-sm text-slate-700">
                  Version {a.manifestVersion} · {a.versions} version{a.versions === 1 ? '' : 's'} · updated{' '}
                  {formatDate(a.updatedAt)}
                </p>
              </div>
              <Link
                to={`${base}/${a.appId}`}
                className="btn-secondary"
                aria-label={`${a.name}: details and history`}
              >
                Details
              </Link>
            </li>
          ))}
        </ul>
      )}
      {canManage ? (
        <section aria-labelledby="register-app-heading">
          <h2 id="register-app-heading" className="text-lg font-semibold">
            Register an app
          </h2>
          <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4">
            <input type="hidden" name="intent" value="register" />
            <FormErrors id={form.errorId} errors={form.errors} />
            <Field
              field={fields.appId}
              label="App id"
              hint="Unique for good: lowercase letters, digits, “.”, “_” and “-”. A retired app id is restored."
              autoComplete="off"
            />
            <Field field={fields.name} label="Name (optional)" hint="Defaults to the manifest’s name." />
            <div>
              <label htmlFor={fields.manifest.id} className="label">
                Manifest (JSON)
              </label>
              <textarea
                {...getTextareaProps(fields.manifest, { ariaDescribedBy: `${fields.manifest.id}-hint` })}
                key={fields.manifest.key}
                className="input mt-1 font-mono text-xs"
                rows={14}
                spellCheck={false}
                placeholder={EXAMPLE_MANIFEST}
              />
              <p id={`${fields.manifest.id}-hint`} className="mt-1 text-sm text-slate-600">
                <code className="font-mono text-xs">name</code>,{' '}
                <code className="font-mono text-xs">meta.version</code> (semver, default 1.0.0), the{' '}
                <code className="font-mono text-xs">settings</code> a room can set (type string, number,
                boolean or enum; label, required, default, min, max, options) and{' '}
                <code className="font-mono text-xs">prizeTypes</code>.
              </p>
              <FieldErrors id={fields.manifest.errorId} errors={fields.manifest.errors} />
            </div>
            <SubmitButton pendingLabel="Registering…">Register app</SubmitButton>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
