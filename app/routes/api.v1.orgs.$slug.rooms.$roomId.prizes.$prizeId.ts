// DELETE /api/v1/orgs/:slug/rooms/:roomId/prizes/:prizeId (issue 12 §7; scope rooms:write; the organizer
// or OWNER/ADMIN): soft-deletes the prize → 204, or 409 "Cannot delete prize: N winner(s) exist. Revoke
// winners first." while it has active winners (seed 001).
import type { ActionFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { deletePrize } from '~/events/prizes.server';
import { methodNotAllowed } from '~/lib/http.server';

export const loader = () => methodNotAllowed('DELETE');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'DELETE') return methodNotAllowed('DELETE');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    await deletePrize(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
      prizeId: params.prizeId ?? '',
    });
    return new Response(null, { status: 204, headers: rateLimitHeaders(context) });
  });
}
