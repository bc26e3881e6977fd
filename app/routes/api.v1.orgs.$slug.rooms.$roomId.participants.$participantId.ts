// DELETE /api/v1/orgs/:slug/rooms/:roomId/participants/:participantId (issue 12 §7; scope rooms:write;
// the organizer or OWNER/ADMIN): removes the participant (soft delete) → 204. Their wins are kept.
import type { ActionFunctionArgs } from '@remix-run/node';
import { authenticateApiRequest, rateLimitHeaders } from '~/api-keys/authenticate.server';
import { getDb } from '~/db.server';
import { removeParticipant } from '~/events/participants.server';
import { apiError, methodNotAllowed } from '~/lib/http.server';

export const loader = () => methodNotAllowed('DELETE');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'DELETE') return methodNotAllowed('DELETE');
  try {
    const db = await getDb();
    const context = await authenticateApiRequest(db, request, params.slug, 'rooms:write');
    await removeParticipant(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
      participantId: params.participantId ?? '',
    });
    return new Response(null, { status: 204, headers: rateLimitHeaders(context) });
  } catch (err) {
    return apiError(err);
  }
}
