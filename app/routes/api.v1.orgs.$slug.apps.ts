// /api/v1/orgs/:slug/apps (issue 12 §7). GET (scope rooms:read): the organization's apps, retired ones
// hidden. POST (scope rooms:write; OWNER/ADMIN): register an app `{appId, name?, manifest}` → 201, or 200
// when it restores a retired app id of the organization; 409 when the app id is taken.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { authenticateApiRequest, rateLimitHeaders } from '~/api-keys/authenticate.server';
import { getDb } from '~/db.server';
import { appView, listApps, registerApp, registerAppBodySchema } from '~/events/apps.server';
import { apiError, methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  try {
    const db = await getDb();
    const context = await authenticateApiRequest(db, request, params.slug, 'rooms:read');
    const apps = await listApps(db, context.actor, context.organization.id);
    return Response.json({ apps: apps.map(appView) }, { headers: rateLimitHeaders(context) });
  } catch (err) {
    return apiError(err);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  try {
    const db = await getDb();
    const context = await authenticateApiRequest(db, request, params.slug, 'rooms:write');
    const body = await parseJsonBody(request, registerAppBodySchema);
    const { app, restored } = await registerApp(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
    });
    return Response.json(appView(app), { status: restored ? 200 : 201, headers: rateLimitHeaders(context) });
  } catch (err) {
    return apiError(err);
  }
}
