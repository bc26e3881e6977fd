// /api/v1/orgs/:slug/rooms/:roomId/participants (issue 12 §7). GET (scope rooms:read): the room's active
// participants. POST (scope rooms:write; the organizer or OWNER/ADMIN): add an existing user `{userId}` or
// `{email}`, optional `role` → 201; 409 when the room is full, closed or they are in it already.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { authenticateApiRequest, rateLimitHeaders } from '~/api-keys/authenticate.server';
import { getDb } from '~/db.server';
import {
  addParticipant,
  addParticipantBodySchema,
  listParticipants,
  participantView,
} from '~/events/participants.server';
import { apiError, methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  try {
    const db = await getDb();
    const context = await authenticateApiRequest(db, request, params.slug, 'rooms:read');
    const rows = await listParticipants(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json({ participants: rows.map(participantView) }, { headers: rateLimitHeaders(context) });
  } catch (err) {
    return apiError(err);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  try {
    const db = await getDb();
    const context = await authenticateApiRequest(db, request, params.slug, 'rooms:write');
    const body = await parseJsonBody(request, addParticipantBodySchema);
    const participant = await addParticipant(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json(participantView(participant), { status: 201, headers: rateLimitHeaders(context) });
  } catch (err) {
    return apiError(err);
  }
}
