// /admin/apps (SPEC §2: "Apps whose organization was deleted are managed by platform ADMIN"): the apps no
// organization owns any more, with their manifest version and the rooms of other organizations that still
// use them; ADMIN publishes a new manifest version or retires one (refused while rooms use it). SUPPORT
// gets 403 with the reason; everyone else 404, like every /admin URL for non-staff.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { requireStaff } from '~/admin/staff.server';
import { SubmitButton } from '~/components/form';
import { appView, listUnownedApps, retireUnownedApp, updateUnownedAppManifest } from '~/events/apps.server';
import { ValidationFailed } from '~/lib/errors';
import { badIntent, done, type FormAnswer, formError, loaderFailure } from '~/lib/http.server';
import { ErrorMessage, formatDate, PageHeading } from '~/orgs/components';

export const meta: MetaFunction = () => [{ title: 'Apps without an organization · Admin · SaaS Platform' }];

/** ADMIN only: SUPPORT reads users and organizations, not apps (SPEC §2): a 403 that says so. */
const requireAdmin = (request: Request) => requireStaff(request, 'apps:manage');

export async function loader({ request }: LoaderFunctionArgs) {
  const { db, actor } = await requireAdmin(request);
  const apps = await listUnownedApps(db, actor).catch(loaderFailure);
  return data({ apps: apps.map(appView) });
}

export async function action({ request }: ActionFunctionArgs) {
  const { db, actor } = await requireAdmin(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const appId = String(form.get('appId') ?? '');
  try {
    if (intent === 'update') {
      let manifest: unknown;
      try {
        manifest = JSON.parse(String(form.get('manifest') ?? ''));
      } catch {
        return formError(`update-${appId}`, null, new ValidationFailed('The manifest must be JSON.'));
      }
      await updateUnownedAppManifest(db, actor, { appId, manifest });
      return done('/admin/apps', `Published a new manifest of ${appId}.`);
    }
    if (intent === 'retire') {
      await retireUnownedApp(db, actor, { appId });
      return done('/admin/apps', `Retired ${appId}.`);
    }
  } catch (err) {
    return formError(`${intent}-${appId}`, null, err);
  }
  return badIntent();
}

export default function OwnerlessApps() {
  const { apps } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as FormAnswer | undefined;
  const alert = (form: string) =>
    answer?.form === form && answer.error ? (
      <p role="alert" className="text-sm text-red-700">
        <ErrorMessage message={answer.error} />
      </p>
    ) : null;
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-600">Platform admin</p>
        <PageHeading title="Apps without an organization" />
        <p className="text-sm text-slate-700">
          Their organizations were deleted; rooms of other organizations may still use them.
        </p>
      </div>
      {apps.length === 0 ? <p className="card text-slate-700">Every app has its organization.</p> : null}
      <ul className="space-y-4">
        {apps.map((a) => (
          <li key={a.id} className="card space-y-3" data-app={a.appId}>
            <h2 className="text-lg font-semibold">
              {a.name}{' '}
              <span className="text-sm font-normal text-slate-600">
                ({a.appId}, v{a.manifestVersion})
              </span>
            </h2>
            <p className="text-sm text-slate-600">Updated {formatDate(a.updatedAt)}</p>
            <Form method="post" className="space-y-2">
              <input type="hidden" name="intent" value="update" />
              <input type="hidden" name="appId" value={a.appId} />
              <label className="block text-sm font-medium" htmlFor={`manifest-${a.id}`}>
                Manifest (JSON; raise meta.version)
              </label>
              <textarea
                id={`manifest-${a.id}`}
                name="manifest"
                rows={8}
                className="input w-full font-mono text-xs"
                defaultValue={JSON.stringify(a.manifest, null, 2)}
              />
              <SubmitButton className="btn-primary" pendingLabel="Publishing…">
                Publish new version
              </SubmitButton>
              {alert(`update-${a.appId}`)}
            </Form>
            <Form method="post">
              <input type="hidden" name="intent" value="retire" />
              <input type="hidden" name="appId" value={a.appId} />
              <SubmitButton className="btn-danger" pendingLabel="Retiring…">
                Retire app
              </SubmitButton>
              {alert(`retire-${a.appId}`)}
            </Form>
          </li>
        ))}
      </ul>
    </div>
  );
}
