// DELETE /api/v1/orgs/:slug/rooms/:roomId/winners/:winnerId (issue 12 §7; scope rooms:write; the
// organizer or OWNER/ADMIN): revokes the winner (soft delete) → 204, which frees the prize's slot.
import type { ActionFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { revokeWinner } from '~/events/draws.server';
import { methodNotAllowed } from '~/lib/http.server';

export const loader = () => methodNotAllowed('DELETE');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'DELETE') return methodNotAllowed('DELETE');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    await revokeWinner(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
      winnerId: params.winnerId ?? '',
    });
    return new Response(null, { status: 204, headers: rateLimitHeaders(context) });
  });
}
