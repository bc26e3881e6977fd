// /api/v1/orgs/:slug/rooms/:roomId/participants (issue 12 §7). GET (scope rooms:read): the room's active
// participants. POST (scope rooms:write; the organizer or OWNER/ADMIN): add an existing user `{userId}` or
// `{email}`, optional `role` → 201; 409 when the room is full, closed or they are in it already.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import {
  addParticipant,
  addParticipantBodySchema,
  listParticipants,
  participantView,
} from '~/events/participants.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'rooms:read', async (db, context) => {
    const rows = await listParticipants(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json({ participants: rows.map(participantView) }, { headers: rateLimitHeaders(context) });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const body = await parseJsonBody(request, addParticipantBodySchema);
    const participant = await addParticipant(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json(participantView(participant), { status: 201, headers: rateLimitHeaders(context) });
  });
}
