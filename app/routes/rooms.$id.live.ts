// GET /rooms/:id/live: the room's live updates as Server-Sent Events (app/events/live.server.ts says how
// a page uses them). Signed-in users who may see the room only; an unknown room and a room the user may
// not see are the same 404, so the answer does not tell which room ids exist.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { getAuth } from '~/auth/sessions.server';
import { canWatchRoom, roomEventStream } from '~/events/live.server';

const refusal = (status: 401 | 404, message: string, extra?: Headers) => {
  const headers = new Headers(extra);
  headers.set('Content-Type', 'text/plain; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  return new Response(message, { status, headers });
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const auth = await getAuth(request);
  if (!auth) return refusal(401, 'Sign in to watch this room.');
  const roomId = String(params.id ?? '');
  if (roomId.length === 0 || roomId.length > 64 || !(await canWatchRoom(auth.db, auth.user.id, roomId)))
    return refusal(404, 'Room not found.', auth.headers);

  const headers = new Headers(auth.headers);
  headers.set('Content-Type', 'text/event-stream; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  // nginx and the like: pass each event on at once instead of buffering the response.
  headers.set('X-Accel-Buffering', 'no');
  return new Response(roomEventStream(roomId, request.signal), { status: 200, headers });
}
