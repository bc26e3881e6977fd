// One app of the organization: its current manifest, a new version (OWNER, ADMIN: the version must rise),
// retiring it (refused while rooms use it, seed 001's message), and its history: every version, newest
// first, with a line diff of the pretty-printed manifest from the version before.
import { getFormProps, getTextareaProps, useForm } from '@conform-to/react';
import { getZodConstraint, parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import {
  Field,
  FieldErrors,
  FormErrors,
  SubmitButton,
  useResetOnSuccess,
  VALIDATE_ON_SUBMIT,
} from '~/components/form';
import { appView, getApp, retireApp, updateAppManifest } from '~/events/apps.server';
import { ManifestDiff, manifestFieldSchema, prettyJson, ScrollBox } from '~/events/components';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { authorize, requireMember } from '~/orgs/access.server';
import { ActionError, formatDate, organizationTitle, PageHeading } from '~/orgs/components';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  organizationTitle(matches, data ? data.app.name : 'App', 'Apps');

const updateFormSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(100, 'Use at most 100 characters'),
  manifest: manifestFieldSchema,
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const { app, versions, activeRooms } = await getApp(db, actor, {
    organizationId: organization.id,
    appId: params.appId ?? '',
  }).catch(loaderFailure);
  const view = appView(app);
  return data({
    organization,
    app: {
      appId: view.appId,
      name: view.name,
      manifestVersion: view.manifestVersion,
      manifestText: prettyJson(view.manifest),
      createdAt: view.createdAt,
      updatedAt: view.updatedAt,
    },
    // Oldest last; each with the manifest before it, for the diff.
    versions: versions.map((v, i) => ({
      version: v.version,
      replacedAt: v.replacedAt,
      manifest: v.manifest,
      previous: versions[i + 1]
        ? { version: versions[i + 1]!.version, manifest: versions[i + 1]!.manifest }
        : null,
    })),
    activeRooms,
    canManage: can(role, 'apps:manage'),
  });
}

function retireWording(app: { name: string }, organizationName: string): Wording {
  return {
    title: `Retire the app ${app.name}?`,
    message: `This will retire ${app.name} in ${organizationName}: no new room can use it. Its app id stays reserved, and registering it again restores it.`,
    confirmLabel: 'Retire app',
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'organization:view');
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const ref = { organizationId: organization.id, appId: params.appId ?? '' };
  if (intent === 'update') {
    const submission = parseWithZod(formData, { schema: updateFormSchema });
    if (submission.status !== 'success') return formInvalid('update', submission);
    try {
      const app = await updateAppManifest(db, actor, { ...ref, ...submission.value });
      return done(
        `/o/${organization.slug}/apps/${app.appId}`,
        `App ${app.name} is now at version ${app.manifestVersion}.`,
      );
    } catch (err) {
      return formError('update', submission, err);
    }
  }
  if (intent === 'retire') {
    try {
      if (!isConfirmed(formData)) {
        await authorize(db, actor, organization.id, 'apps:manage');
        const { app } = await getApp(db, actor, ref);
        return askToConfirm({ intent, fields: {}, ...retireWording(app, organization.name) });
      }
      const app = await retireApp(db, actor, ref);
      return done(`/o/${organization.slug}/apps`, `App ${app.name} retired.`);
    } catch (err) {
      return formError('retire', null, err);
    }
  }
  return badIntent();
}

export default function AppDetail() {
  const { organization, app, versions, activeRooms, canManage } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm({
    id: 'update-app',
    lastResult: answer?.form === 'update' ? answer.result : undefined,
    constraint: getZodConstraint(updateFormSchema),
    defaultValue: { name: app.name, manifest: app.manifestText },
    ...VALIDATE_ON_SUBMIT,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: updateFormSchema }),
  });
  // After a new version the form starts again from it.
  useResetOnSuccess(form, 'update');
  const base = `/o/${organization.slug}/apps`;
  return (
    <ConfirmationPage cancelHref={`${base}/${app.appId}`}>
      <div className="space-y-8">
        <div className="space-y-1">
          <p className="text-sm">
            <Link to={base} className="link">
              Apps
            </Link>
          </p>
          <PageHeading title={app.name}>
            {canManage ? (
              <ConfirmAction
                intent="retire"
                fields={{}}
                label="Retire app"
                pendingLabel="Retiring…"
                confirmation={retireWording(app, organization.name)}
              />
            ) : null}
          </PageHeading>
        </div>
        <ActionError />
        <dl className="card grid gap-4 text-sm sm:grid-cols-2">
          <div>
            <dt className="font-medium text-slate-900">App id</dt>
            <dd className="mt-1 font-mono break-all text-slate-800">{app.appId}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-900">Current version</dt>
            <dd className="mt-1 text-slate-800" data-testid="app-version">
              {app.manifestVersion}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-900">Rooms using it</dt>
            <dd className="mt-1 text-slate-800">{activeRooms}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-900">Registered</dt>
            <dd className="mt-1 text-slate-800">{formatDate(app.createdAt)}</dd>
          </div>
        </dl>

        {canManage ? (
          <section aria-labelledby="new-version-heading">
            <h2 id="new-version-heading" className="text-lg font-semibold">
              New version
            </h2>
            <Form method="post" {...getFormProps(form)} className="card mt-4 space-y-4">
              <input type="hidden" name="intent" value="update" />
              <FormErrors id={form.errorId} errors={form.errors} />
              <Field field={fields.name} label="Name" />
              <div>
                <label htmlFor={fields.manifest.id} className="label">
                  Manifest (JSON)
                </label>
                <textarea
                  {...getTextareaProps(fields.manifest, { ariaDescribedBy: `${fields.manifest.id}-hint` })}
                  key={fields.manifest.key}
                  className="input mt-1 font-mono text-xs"
                  rows={16}
                  spellCheck={false}
                />
                <p id={`${fields.manifest.id}-hint`} className="mt-1 text-sm text-slate-600">
                  Raise <code className="font-mono text-xs">meta.version</code> above {app.manifestVersion}:
                  rooms keep the version they were created with.
                </p>
                <FieldErrors id={fields.manifest.errorId} errors={fields.manifest.errors} />
              </div>
              <SubmitButton pendingLabel="Saving…">Save new version</SubmitButton>
            </Form>
          </section>
        ) : (
          <section aria-labelledby="manifest-heading" className="space-y-2">
            <h2 id="manifest-heading" className="text-lg font-semibold">
              Manifest
            </h2>
            <ScrollBox label="Current manifest" className="bg-white">
              <pre className="p-4 font-mono text-xs">{app.manifestText}</pre>
            </ScrollBox>
          </section>
        )}

        <section aria-labelledby="history-heading" className="space-y-4">
          <h2 id="history-heading" className="text-lg font-semibold">
            History
          </h2>
          <ol className="space-y-4">
            {versions.map((v) => (
              <li key={v.version} className="card space-y-3" data-version={v.version}>
                <h3 className="font-semibold">
                  Version {v.version}{' '}
                  <span className="text-sm font-normal text-slate-700">
                    {v.replacedAt ? `replaced ${formatDate(v.replacedAt)}` : '(current)'}
                  </span>
                </h3>
                {v.previous ? (
                  <>
                    <p className="text-sm text-slate-700">Changes from version {v.previous.version}:</p>
                    <ManifestDiff
                      before={v.previous.manifest}
                      after={v.manifest}
                      label={`Changes from version ${v.previous.version} to ${v.version}`}
                    />
                  </>
                ) : (
                  <p className="text-sm text-slate-700">The first version.</p>
                )}
                <details>
                  <summary className="cursor-pointer text-sm font-medium">
                    Manifest of version {v.version}
                  </summary>
                  <ScrollBox label={`Manifest of version ${v.version}`} className="mt-2">
                    <pre className="p-3 font-mono text-xs">{prettyJson(v.manifest)}</pre>
                  </ScrollBox>
                </details>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </ConfirmationPage>
  );
}
