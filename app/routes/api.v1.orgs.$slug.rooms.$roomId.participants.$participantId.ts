// DELETE /api/v1/orgs/:slug/rooms/:roomId/participants/:participantId (issue 12 §7; scope rooms:write;
// the organizer or OWNER/ADMIN): removes the participant (soft delete) → 204. Their wins are kept.
import type { ActionFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { removeParticipant } from '~/events/participants.server';
import { methodNotAllowed } from '~/lib/http.server';

export const loader = () => methodNotAllowed('DELETE');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'DELETE') return methodNotAllowed('DELETE');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    await removeParticipant(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
      participantId: params.participantId ?? '',
    });
    return new Response(null, { status: 204, headers: rateLimitHeaders(context) });
  });
}
