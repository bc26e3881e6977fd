// /api/v1/orgs/:slug/apps (issue 12 §7). GET (scope rooms:read): the organization's apps, retired ones
// hidden. POST (scope rooms:write; OWNER/ADMIN): register an app `{appId, name?, manifest}` → 201, or 200
// when it restores a retired app id of the organization; 409 when the app id is taken.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { appView, listApps, registerApp, registerAppBodySchema } from '~/events/apps.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'rooms:read', async (db, context) => {
    const apps = await listApps(db, context.actor, context.organization.id);
    return Response.json({ apps: apps.map(appView) }, { headers: rateLimitHeaders(context) });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const body = await parseJsonBody(request, registerAppBodySchema);
    const { app, restored } = await registerApp(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
    });
    return Response.json(appView(app), { status: restored ? 200 : 201, headers: rateLimitHeaders(context) });
  });
}
