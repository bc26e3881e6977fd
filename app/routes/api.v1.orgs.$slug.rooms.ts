// /api/v1/orgs/:slug/rooms (issue 12 §7). GET (scope rooms:read): the organization's rooms, deleted ones
// hidden, newest first. POST (scope rooms:write): create a room from an app → 201 with the room, whose
// appManifestVersion is the app's version now (locked); appSettings must fit that version's settings.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { createRoom, createRoomBodySchema, listRooms, roomView } from '~/events/rooms.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export async function loader({ request, params }: LoaderFunctionArgs) {
  return withApiContext(request, params.slug, 'rooms:read', async (db, context) => {
    const rows = await listRooms(db, context.actor, context.organization.id);
    return Response.json(
      { rooms: rows.map((r) => ({ ...roomView(r.room), participantCount: r.participantCount })) },
      { headers: rateLimitHeaders(context) },
    );
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('GET, POST');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const body = await parseJsonBody(request, createRoomBodySchema);
    const room = await createRoom(db, context.actor, { ...body, organizationId: context.organization.id });
    return Response.json(
      { ...roomView(room), participantCount: 0 },
      { status: 201, headers: rateLimitHeaders(context) },
    );
  });
}
