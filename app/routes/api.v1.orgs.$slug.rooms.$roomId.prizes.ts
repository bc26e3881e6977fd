// /api/v1/orgs/:slug/rooms/:roomId/prizes (issue 12 §7). GET (scope rooms:read): the room's prizes with
// how many are awarded and remain. POST (scope rooms:write; the organizer or OWNER/ADMIN): add a prize
// `{name, description?, quantity}` → 201.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { createPrize, createPrizeBodySchema, listPrizes, prizeView } from '~/events/prizes.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'rooms:read', async (db, context) => {
    const rows = await listPrizes(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json({ prizes: rows.map(prizeView) }, { headers: rateLimitHeaders(context) });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const body = await parseJsonBody(request, createPrizeBodySchema);
    const prize = await createPrize(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json(prizeView(prize), { status: 201, headers: rateLimitHeaders(context) });
  });
}
