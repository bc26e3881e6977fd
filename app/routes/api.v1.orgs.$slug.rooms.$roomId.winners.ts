// GET /api/v1/orgs/:slug/rooms/:roomId/winners (issue 12 §7; scope rooms:read): the room's active
// winners in the order they were drawn, each with its draw record.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { listWinners, winnerView } from '~/events/draws.server';
import { methodNotAllowed } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'rooms:read', async (db, context) => {
    const rows = await listWinners(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json({ winners: rows.map(winnerView) }, { headers: rateLimitHeaders(context) });
  });
}

export const action = (_: ActionFunctionArgs) => methodNotAllowed('GET');
