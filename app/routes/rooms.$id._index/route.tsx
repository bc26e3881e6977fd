// /rooms/:id (SPEC §7): a room as a signed-in user sees it — its prizes, what is left of each, the
// winners with a link to verify each draw, and Join / Leave. A public room is open to every signed-in
// user; a private one to its organization's members and its participants (anyone else: 404). With
// JavaScript the page follows joins and draws as they happen (Server-Sent Events, then a revalidation);
// without it, a reload shows the same. `_index`: the verify page and the live stream under /rooms/:id/
// are not nested in this one (the verify page is open to visitors who are not signed in).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { actorOf, requireUser } from '~/auth/sessions.server';
import { IntentFields, SubmitButton } from '~/components/form';
import { LiveIndicator, RoomStatusBadge, scheduleText, useRoomLive } from '~/events/components';
import { joinRoom, leaveRoom } from '~/events/participants.server';
import { getRoomPage } from '~/events/rooms.server';
import { badIntent, done, formError, loaderFailure } from '~/lib/http.server';
import { Alert, formatDate } from '~/orgs/components';

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `${d.room.name} — SaaS Platform` : 'Room — SaaS Platform' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const page = await getRoomPage(auth.db, auth.user.id, String(params.id ?? '')).catch(loaderFailure);
  const { room } = page;
  return data(
    {
      room: {
        id: room.id,
        name: room.name,
        description: room.description,
        status: room.status,
        isPublic: room.isPublic,
        maxParticipants: room.maxParticipants,
        startsAt: room.startsAt,
        endsAt: room.endsAt,
      },
      appName: page.appName,
      prizes: page.prizes,
      winners: page.winners,
      participantCount: page.participantCount,
      myParticipantId: page.myParticipantId,
      joinRefusal: page.joinRefusal,
    },
    { headers: auth.headers },
  );
}

export async function action({ request, params }: ActionFunctionArgs) {
  const auth = await requireUser(request);
  const actor = actorOf(auth, request);
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  const roomId = String(params.id ?? '');
  const here = `/rooms/${encodeURIComponent(roomId)}`;
  if (intent === 'join') {
    try {
      await joinRoom(auth.db, actor, { roomId });
      return done(here, 'You joined the room. Good luck in the draws!');
    } catch (err) {
      return formError('join', null, err);
    }
  }
  if (intent === 'leave') {
    try {
      await leaveRoom(auth.db, actor, { roomId });
      return done(here, 'You left the room. You can join again while it is open.');
    } catch (err) {
      return formError('leave', null, err);
    }
  }
  return badIntent();
}

export default function PublicRoom() {
  const { room, appName, prizes, winners, participantCount, myParticipantId, joinRefusal } =
    useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const live = useRoomLive(room.id);
  const joined = myParticipantId !== null;
  const errorFor = (form: string) => (answer?.form === form && answer.error ? answer.error : null);
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <header className="space-y-2">
        <div className="flex flex-wrap items-center gap-3">
          <RoomStatusBadge status={room.status} />
          <span className="text-sm text-slate-700">{room.isPublic ? 'Public room' : 'Private room'}</span>
          <LiveIndicator open={live} />
        </div>
        <h1 className="text-2xl font-bold tracking-tight break-words">{room.name}</h1>
        <p className="text-sm text-slate-700">
          {appName} · {scheduleText(room.startsAt, room.endsAt)}
        </p>
        {room.description ? <p className="whitespace-pre-line text-slate-800">{room.description}</p> : null}
      </header>

      <section aria-labelledby="taking-part-heading" className="card space-y-3">
        <h2 id="taking-part-heading" className="text-lg font-semibold">
          Taking part
        </h2>
        <p className="text-sm text-slate-800" data-testid="participant-count">
          {participantCount} {participantCount === 1 ? 'participant' : 'participants'}
          {room.maxParticipants === null ? '' : ` of ${room.maxParticipants} places`}
        </p>
        {joined ? (
          <Form method="post" className="flex flex-wrap items-center gap-3">
            <IntentFields intent="leave" fields={{}} />
            <p className="text-sm font-medium text-green-800">You have joined this room.</p>
            <SubmitButton className="btn-secondary" pendingLabel="Leaving…">
              Leave room
            </SubmitButton>
          </Form>
        ) : joinRefusal ? (
          <p className="text-sm text-slate-800" data-testid="join-refusal">
            {joinRefusal}
          </p>
        ) : (
          <Form method="post">
            <IntentFields intent="join" fields={{}} />
            <SubmitButton pendingLabel="Joining…">Join room</SubmitButton>
          </Form>
        )}
        {errorFor('join') ? <Alert message={errorFor('join')!} /> : null}
        {errorFor('leave') ? <Alert message={errorFor('leave')!} /> : null}
      </section>

      <section aria-labelledby="prizes-heading" className="space-y-4">
        <h2 id="prizes-heading" className="text-lg font-semibold">
          Prizes
        </h2>
        {prizes.length === 0 ? (
          <p className="text-slate-700">No prizes yet.</p>
        ) : (
          <ul className="space-y-4">
            {prizes.map((p) => {
              const won = winners.filter((w) => w.prizeId === p.id);
              return (
                <li key={p.id} className="card space-y-3" data-prize={p.name}>
                  <div>
                    <h3 className="font-semibold break-words">{p.name}</h3>
                    {p.description ? (
                      <p className="text-sm whitespace-pre-line text-slate-700">{p.description}</p>
                    ) : null}
                    <p className="text-sm text-slate-700">
                      {p.quantity} to win · {p.remaining} left
                    </p>
                  </div>
                  {won.length > 0 ? (
                    <div>
                      <h4 className="text-sm font-medium">Winners</h4>
                      <ul className="mt-1 divide-y divide-slate-100" aria-label={`Winners of ${p.name}`}>
                        {won.map((w) => (
                          <li
                            key={w.id}
                            className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm"
                            data-winner={w.id}
                          >
                            <span className="break-words">
                              <span className="font-medium">{w.displayName}</span>
                              {w.participantId === myParticipantId ? ' (you)' : ''}
                              <span className="text-slate-600"> · {formatDate(w.createdAt)}</span>
                            </span>
                            <Link
                              to={`/rooms/${room.id}/draws/${w.id}/verify`}
                              className="link"
                              aria-label={`Verify the draw of ${w.displayName} (${p.name})`}
                            >
                              Verify
                            </Link>
                          </li>
                        ))}
                      </ul>
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
