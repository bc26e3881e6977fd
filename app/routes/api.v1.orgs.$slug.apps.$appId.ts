// PUT /api/v1/orgs/:slug/apps/:appId (issue 12 §7; scope rooms:write; OWNER/ADMIN): a new manifest
// `{name?, manifest}` for one of the organization's apps. The manifest's meta.version must be strictly
// higher (409 otherwise); the replaced manifest is appended to manifestHistory.
import type { ActionFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { appView, updateAppBodySchema, updateAppManifest } from '~/events/apps.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export const loader = () => methodNotAllowed('PUT');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'PUT') return methodNotAllowed('PUT');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const body = await parseJsonBody(request, updateAppBodySchema);
    const app = await updateAppManifest(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
      appId: params.appId ?? '',
    });
    return Response.json(appView(app), { headers: rateLimitHeaders(context) });
  });
}
