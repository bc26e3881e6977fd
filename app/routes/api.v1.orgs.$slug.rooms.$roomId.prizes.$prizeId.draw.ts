// POST /api/v1/orgs/:slug/rooms/:roomId/prizes/:prizeId/draw (issue 12 §7; scope rooms:write; the
// organizer or OWNER/ADMIN): draws `{count?}` winners (default: what is left of the quantity, capped by
// the eligible participants) → 201 `{winners: [{id, participantId, userId, metadata: {seed, algorithm,
// candidateIds}}]}`; 409 when the prize is exhausted, the count is more than is left, or no one is eligible.
import type { ActionFunctionArgs } from '@remix-run/node';
import { rateLimitHeaders, withApiContext } from '~/api-keys/authenticate.server';
import { drawBodySchema, drawWinners, winnerView } from '~/events/draws.server';
import { methodNotAllowed, parseJsonBody } from '~/lib/http.server';

export const loader = () => methodNotAllowed('POST');

export async function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== 'POST') return methodNotAllowed('POST');
  return withApiContext(request, params.slug, 'rooms:write', async (db, context) => {
    const body = await parseJsonBody(request, drawBodySchema, { optional: true });
    const winners = await drawWinners(db, context.actor, {
      ...body,
      organizationId: context.organization.id,
      roomId: params.roomId ?? '',
      prizeId: params.prizeId ?? '',
    });
    return Response.json(
      { winners: winners.map((w) => winnerView(w)) },
      { status: 201, headers: rateLimitHeaders(context) },
    );
  });
}
