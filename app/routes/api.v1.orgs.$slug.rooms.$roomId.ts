// /api/v1/orgs/:slug/rooms/:roomId (issue 12 §7). GET (scope rooms:read): the room. PATCH (scope
// rooms:write; its organizer or OWNER/ADMIN): change name, description, isPublic, maxParticipants,
// appSettings (against the locked manifest version), startsAt, endsAt and `status` (DRAFT → ACTIVE →
// COMPLETED, or → CANCELED; 409 otherwise). DELETE: soft delete → 204. Another organization's room is a 404.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import {
  countParticipants,
  deleteRoom,
  getRoom,
  ROOM_TRANSITIONS,
  roomView,
  updateRoom,
  updateRoomBodySchema,
} from '~/events/rooms.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

const ALLOW = 'GET, PATCH, DELETE';

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'rooms:read', async (db, context) => {
    const { room, participantCount, nextStatuses } = await getRoom(db, context.actor, {
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
    });
    return Response.json(
      { ...roomView(room), participantCount, nextStatuses },
      { headers: rateLimitHeaders(context) },
    );
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'PATCH' && request.method !== 'DELETE') return methodNotAllowed(ALLOW);
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const ref = { organizationId: context.organization.id, roomId: params.roomId ?? '' };
    if (request.method === 'DELETE') {
      await deleteRoom(db, context.actor, ref);
      return new Response(null, { status: 204, headers: rateLimitHeaders(context) });
    }
    const body = await parseJsonBody(request, updateRoomBodySchema);
    const room = await updateRoom(db, context.actor, { ...body, ...ref });
    return Response.json(
      {
        ...roomView(room),
        participantCount: await countParticipants(db, room.id),
        nextStatuses: ROOM_TRANSITIONS[room.status],
      },
      { headers: rateLimitHeaders(context) },
    );
  });
}
