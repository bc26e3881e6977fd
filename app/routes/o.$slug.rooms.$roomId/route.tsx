// A room of the organization, as its organizer (or an OWNER/ADMIN) runs it: the status buttons its life
// cycle allows, its details and settings (against the manifest version it locked), participants (add an
// existing user by email, remove), prizes (add, edit, delete: refused while winners exist), "Draw
// winners" per prize, and the winners with a link to verify each draw and Revoke. Other members see it
// read-only. Every form is a plain POST; destructive ones ask first (ConfirmAction). With JavaScript the
// page follows joins and draws live (Server-Sent Events).
import { getFormProps, getInputProps, getSelectProps, useForm } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { z } from 'zod';
import {
  askToConfirm,
  ConfirmAction,
  ConfirmationPage,
  isConfirmed,
  type Wording,
} from '~/components/confirm';
import { Field, FieldErrors, FormErrors, SubmitButton, TextareaField } from '~/components/form';
import {
  DateTimeField,
  formDateSchema,
  LiveIndicator,
  localInputValue,
  RoomStatusBadge,
  type RoomStatusName,
  readAppSettings,
  replyErrors,
  SettingsFields,
  scheduleText,
  submittedSettings,
  useRoomLive,
} from '~/events/components';
import { drawWinners, listWinners, revokeWinner } from '~/events/draws.server';
import {
  addParticipant,
  listParticipants,
  participantRoleSchema,
  removeParticipant,
} from '~/events/participants.server';
import {
  createPrize,
  createPrizeBodySchema,
  deletePrize,
  listPrizes,
  prizeView,
  updatePrize,
} from '~/events/prizes.server';
import {
  changeRoomStatus,
  createRoomBodySchema,
  deleteRoom,
  getRoom,
  updateRoom,
} from '~/events/rooms.server';
import { Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, formatDate, organizationTitle, PageHeading, RowAction } from '~/orgs/components';
import { forbiddenMessage } from '~/orgs/permissions';
import { PARTICIPANT_ROLES } from '~db/schema';

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  organizationTitle(matches, data ? data.room.name : 'Room', 'Rooms');

const ROLE_LABELS: Record<(typeof PARTICIPANT_ROLES)[number], string> = {
  ADMIN: 'Admin',
  ORGANIZER: 'Organizer',
  MODERATOR: 'Moderator',
  PARTICIPANT: 'Participant',
  VIEWER: 'Viewer',
};

// ---- form schemas (the domain's fields, as a form sends them) -----------------------------------------

const roomFormSchema = createRoomBodySchema
  .omit({ appId: true, appSettings: true, isPublic: true, startsAt: true, endsAt: true })
  .extend({
    isPublic: z.boolean().optional(),
    startsAt: formDateSchema,
    endsAt: formDateSchema.optional(),
  })
  .strip();

const addParticipantFormSchema = z.object({
  email: z
    .string({ required_error: 'Enter an email address' })
    .trim()
    .toLowerCase()
    .email('Enter an email address')
    .max(254),
  role: participantRoleSchema.default('PARTICIPANT'),
});

const prizeFormSchema = createPrizeBodySchema.strip();

// ---- loader -------------------------------------------------------------------------------------------

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'organization:view');
  const ref = { organizationId: organization.id, roomId: params.roomId ?? '' };
  const [detail, participants, prizes, winners] = await Promise.all([
    getRoom(db, actor, ref),
    listParticipants(db, actor, ref),
    listPrizes(db, actor, ref),
    listWinners(db, actor, ref),
  ]).catch(loaderFailure);
  const { room } = detail;
  return data({
    organization,
    room: {
      id: room.id,
      name: room.name,
      description: room.description,
      status: room.status as RoomStatusName,
      isPublic: room.isPublic,
      maxParticipants: room.maxParticipants,
      appSettings: (room.appSettings ?? {}) as Record<string, string | number | boolean>,
      appManifestVersion: room.appManifestVersion,
      startsAt: room.startsAt,
      endsAt: room.endsAt,
      createdAt: room.createdAt,
    },
    app: detail.app,
    settings: detail.manifest?.settings ?? {},
    prizeTypes: detail.manifest?.prizeTypes ?? [],
    manifestMissing: detail.manifest === null,
    participantCount: detail.participantCount,
    nextStatuses: [...detail.nextStatuses] as RoomStatusName[],
    canManage: detail.canManage,
    participants: participants.map((p) => ({
      id: p.id,
      name: p.name,
      email: p.email,
      role: p.role,
      joinedAt: p.createdAt,
    })),
    prizes: prizes.map((p) => prizeView(p)),
    winners: winners.map((w) => ({
      id: w.id,
      prizeId: w.prizeId,
      prizeName: w.prizeName,
      displayName: w.displayName,
      drawnAt: w.createdAt,
    })),
    roles: [...PARTICIPANT_ROLES],
  });
}

// ---- wording of the destructive actions ---------------------------------------------------------------

function statusWording(room: { name: string }, status: 'COMPLETED' | 'CANCELED'): Wording {
  return status === 'COMPLETED'
    ? {
        title: `Complete the room ${room.name}?`,
        message: `This will close ${room.name}: nobody can join any more, and its details and prizes can no longer change. Winners can still be drawn. It cannot be undone.`,
        confirmLabel: 'Complete room',
      }
    : {
        title: `Cancel the room ${room.name}?`,
        message: `This will cancel ${room.name}: nobody can join and no winners can be drawn. It cannot be undone.`,
        confirmLabel: 'Cancel room',
      };
}

function deleteRoomWording(room: { name: string }, organizationName: string): Wording {
  return {
    title: `Delete the room ${room.name}?`,
    message: `This will delete ${room.name} for everyone in ${organizationName}: its page disappears and nobody can join it. Its participants, prizes and winners stay on record.`,
    confirmLabel: 'Delete room',
  };
}

function removeWording(who: string, roomName: string): Wording {
  return {
    title: `Remove ${who} from ${roomName}?`,
    message: `This will remove ${who} from ${roomName}: they no longer take part in its draws. Prizes they already won stay theirs until revoked. They can be added again.`,
    confirmLabel: 'Remove participant',
  };
}

function deletePrizeWording(prize: { name: string }, roomName: string): Wording {
  return {
    title: `Delete the prize ${prize.name}?`,
    message: `This will delete ${prize.name} from ${roomName}. It cannot be undone.`,
    confirmLabel: 'Delete prize',
  };
}

function revokeWording(winner: { displayName: string; prizeName: string }): Wording {
  return {
    title: `Revoke ${winner.displayName}’s ${winner.prizeName}?`,
    message: `This will revoke the win of ${winner.displayName}: the prize ${winner.prizeName} gets a free place to draw again. The draw that picked them can still be verified.`,
    confirmLabel: 'Revoke winner',
  };
}

// ---- action -------------------------------------------------------------------------------------------

const field = (formData: FormData, name: string) => String(formData.get(name) ?? '');
const optionalCount = (raw: string) => (raw.trim() === '' ? undefined : Number(raw));

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const formData = await request.formData();
  const intent = field(formData, 'intent');
  const ref = { organizationId: organization.id, roomId: params.roomId ?? '' };
  const here = `/o/${organization.slug}/rooms/${ref.roomId}`;

  /** For the confirmation question: the room, and that the actor may manage it (else the domain's 403). */
  const managedRoom = async () => {
    const detail = await getRoom(db, actor, ref);
    if (!detail.canManage) throw new Forbidden(forbiddenMessage(role, 'rooms:manage-any'));
    return detail.room;
  };

  switch (intent) {
    case 'status': {
      const status = field(formData, 'status');
      try {
        if ((status === 'COMPLETED' || status === 'CANCELED') && !isConfirmed(formData)) {
          const room = await managedRoom();
          return askToConfirm({ intent, fields: { status }, ...statusWording(room, status) });
        }
        const room = await changeRoomStatus(db, actor, { ...ref, status: status as RoomStatusName });
        const word = { DRAFT: 'a draft', ACTIVE: 'active', COMPLETED: 'completed', CANCELED: 'canceled' };
        return done(here, `Room ${room.name} is now ${word[room.status]}.`);
      } catch (err) {
        return formError('status', null, err);
      }
    }
    case 'update': {
      const submission = parseWithZod(formData, { schema: roomFormSchema });
      if (submission.status !== 'success') return formInvalid('update', submission);
      try {
        const { manifest } = await getRoom(db, actor, ref);
        const { endsAt, maxParticipants, description, isPublic, ...rest } = submission.value;
        const room = await updateRoom(db, actor, {
          ...ref,
          ...rest,
          description: description ?? null,
          isPublic: isPublic ?? false,
          maxParticipants: maxParticipants ?? null,
          endsAt: endsAt ?? null,
          ...(manifest ? { appSettings: readAppSettings(manifest.settings, formData) } : {}),
        });
        return done(here, `Room ${room.name} saved.`);
      } catch (err) {
        return formError('update', submission, err);
      }
    }
    case 'delete': {
      try {
        if (!isConfirmed(formData)) {
          const room = await managedRoom();
          return askToConfirm({ intent, fields: {}, ...deleteRoomWording(room, organization.name) });
        }
        const room = await deleteRoom(db, actor, ref);
        return done(`/o/${organization.slug}/rooms`, `Room ${room.name} deleted.`);
      } catch (err) {
        return formError('delete', null, err);
      }
    }
    case 'add-participant': {
      const submission = parseWithZod(formData, { schema: addParticipantFormSchema });
      if (submission.status !== 'success') return formInvalid('add-participant', submission);
      try {
        const added = await addParticipant(db, actor, { ...ref, ...submission.value });
        return done(here, `${added.name || added.email} added to the room.`);
      } catch (err) {
        // "No user has that email address" is about the field, not a missing page.
        if (err instanceof NotFound && err.fieldErrors?.email)
          return formError('add-participant', submission, new ValidationFailed(err.message, err.fieldErrors));
        return formError('add-participant', submission, err);
      }
    }
    case 'remove-participant': {
      const participantId = field(formData, 'participantId');
      try {
        if (!isConfirmed(formData)) {
          const room = await managedRoom();
          const target = (await listParticipants(db, actor, ref)).find((p) => p.id === participantId);
          if (!target) throw new NotFound('Participant not found');
          return askToConfirm({
            intent,
            fields: { participantId },
            ...removeWording(target.name || target.email, room.name),
          });
        }
        await removeParticipant(db, actor, { ...ref, participantId });
        return done(here, 'Participant removed.');
      } catch (err) {
        return formError('remove-participant', null, err);
      }
    }
    case 'create-prize': {
      const submission = parseWithZod(formData, { schema: prizeFormSchema });
      if (submission.status !== 'success') return formInvalid('create-prize', submission);
      try {
        const prize = await createPrize(db, actor, { ...ref, ...submission.value });
        return done(here, `Prize ${prize.name} added.`);
      } catch (err) {
        return formError('create-prize', submission, err);
      }
    }
    case 'update-prize': {
      const prizeId = field(formData, 'prizeId');
      const form = `update-prize:${prizeId}`;
      const submission = parseWithZod(formData, { schema: prizeFormSchema });
      if (submission.status !== 'success') return formInvalid(form, submission);
      try {
        const { name, description, quantity, type } = submission.value;
        const prize = await updatePrize(db, actor, {
          ...ref,
          prizeId,
          name,
          quantity,
          description: description ?? null,
          ...(formData.has('type') ? { type: type ?? null } : {}),
        });
        return done(here, `Prize ${prize.name} saved.`);
      } catch (err) {
        return formError(form, submission, err);
      }
    }
    case 'delete-prize': {
      const prizeId = field(formData, 'prizeId');
      try {
        if (!isConfirmed(formData)) {
          const room = await managedRoom();
          const prize = (await listPrizes(db, actor, ref)).find((p) => p.id === prizeId);
          if (!prize) throw new NotFound('Prize not found');
          return askToConfirm({ intent, fields: { prizeId }, ...deletePrizeWording(prize, room.name) });
        }
        const prize = await deletePrize(db, actor, { ...ref, prizeId });
        return done(here, `Prize ${prize.name} deleted.`);
      } catch (err) {
        return formError('delete-prize', null, err);
      }
    }
    case 'draw': {
      try {
        const drawn = await drawWinners(db, actor, {
          ...ref,
          prizeId: field(formData, 'prizeId'),
          count: optionalCount(field(formData, 'count')),
        });
        return done(here, `Drew ${drawn.length} winner${drawn.length === 1 ? '' : 's'}.`);
      } catch (err) {
        return formError('draw', null, err);
      }
    }
    case 'revoke-winner': {
      const winnerId = field(formData, 'winnerId');
      try {
        if (!isConfirmed(formData)) {
          await managedRoom();
          const winner = (await listWinners(db, actor, ref)).find((w) => w.id === winnerId);
          if (!winner) throw new NotFound('Winner not found');
          return askToConfirm({ intent, fields: { winnerId }, ...revokeWording(winner) });
        }
        await revokeWinner(db, actor, { ...ref, winnerId });
        return done(here, 'Winner revoked: the prize can be drawn again.');
      } catch (err) {
        return formError('revoke-winner', null, err);
      }
    }
    default:
      return badIntent();
  }
}

// ---- page ---------------------------------------------------------------------------------------------

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

export default function RoomPage() {
  const loaded = useLoaderData<typeof loader>();
  const { organization, room, app, participantCount, canManage, nextStatuses } = loaded;
  const live = useRoomLive(room.id);
  const closed = room.status === 'COMPLETED' || room.status === 'CANCELED';
  const here = `/o/${organization.slug}/rooms/${room.id}`;
  return (
    <ConfirmationPage cancelHref={here}>
      <div className="space-y-8">
        <div className="space-y-1">
          <p className="text-sm">
            <Link to={`/o/${organization.slug}/rooms`} className="link">
              Rooms
            </Link>
          </p>
          <PageHeading title={room.name}>
            <div className="flex flex-wrap items-center gap-3">
              <RoomStatusBadge status={room.status} />
              <LiveIndicator open={live} />
            </div>
          </PageHeading>
        </div>
        <ActionError />
        <dl className="card grid gap-4 text-sm sm:grid-cols-2">
          <div>
            <dt className="font-medium text-slate-900">App</dt>
            <dd className="mt-1 text-slate-800">
              <Link to={`/o/${organization.slug}/apps/${app.appId}`} className="link">
                {app.name}
              </Link>{' '}
              {room.appManifestVersion} (locked)
              {app.currentVersion && app.currentVersion !== room.appManifestVersion
                ? ` · the app is now at ${app.currentVersion}`
                : ''}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-900">Who may join</dt>
            <dd className="mt-1 text-slate-800">
              {room.isPublic ? 'Public: any signed-in user' : 'Private: added by the organizer'}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-900">Participants</dt>
            <dd className="mt-1 text-slate-800" data-testid="participant-count">
              {participantCount}
              {room.maxParticipants === null ? '' : ` of ${room.maxParticipants}`}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-slate-900">Schedule</dt>
            <dd className="mt-1 text-slate-800">{scheduleText(room.startsAt, room.endsAt)}</dd>
          </div>
          <div className="sm:col-span-2">
            <dt className="font-medium text-slate-900">Room page</dt>
            <dd className="mt-1">
              <Link to={`/rooms/${room.id}`} className="link break-all">
                /rooms/{room.id}
              </Link>
            </dd>
          </div>
          {room.description ? (
            <div className="sm:col-span-2">
              <dt className="font-medium text-slate-900">Description</dt>
              <dd className="mt-1 whitespace-pre-line text-slate-800">{room.description}</dd>
            </div>
          ) : null}
        </dl>

        {canManage ? (
          <section aria-labelledby="status-heading" className="space-y-3">
            <h2 id="status-heading" className="text-lg font-semibold">
              Status
            </h2>
            <div className="flex flex-wrap items-center gap-3">
              {nextStatuses.map((status) =>
                status === 'ACTIVE' ? (
                  <RowAction
                    key={status}
                    intent="status"
                    fields={{ status }}
                    label="Activate room"
                    pendingLabel="Activating…"
                    className="btn-primary"
                  />
                ) : status === 'COMPLETED' || status === 'CANCELED' ? (
                  <ConfirmAction
                    key={status}
                    intent="status"
                    fields={{ status }}
                    label={status === 'COMPLETED' ? 'Complete room' : 'Cancel room'}
                    pendingLabel="Working…"
                    className={status === 'COMPLETED' ? 'btn-secondary' : 'btn-danger'}
                    confirmation={statusWording(room, status)}
                  />
                ) : null,
              )}
              <ConfirmAction
                intent="delete"
                fields={{}}
                label="Delete room"
                pendingLabel="Deleting…"
                confirmation={deleteRoomWording(room, organization.name)}
              />
            </div>
            <p className="text-sm text-slate-700">
              {room.status === 'DRAFT'
                ? 'A draft: nobody can join yet. Activate it to open it.'
                : room.status === 'ACTIVE'
                  ? 'Active: people can join, and winners can be drawn.'
                  : room.status === 'COMPLETED'
                    ? 'Completed: nobody can join; winners can still be drawn.'
                    : 'Canceled.'}
            </p>
          </section>
        ) : null}

        {canManage && !closed ? <EditRoom loaded={loaded} /> : null}
        <Participants loaded={loaded} />
        <Prizes loaded={loaded} />
        <Winners loaded={loaded} />
      </div>
    </ConfirmationPage>
  );
}

function EditRoom({ loaded }: { loaded: LoaderData }) {
  const { room, settings, app, manifestMissing } = loaded;
  const answer = useActionData<typeof action>();
  const lastResult = answer?.form === 'update' ? answer.result : undefined;
  const [form, fields] = useForm<z.input<typeof roomFormSchema>>({
    id: 'edit-room',
    lastResult,
    defaultValue: {
      name: room.name,
      description: room.description ?? '',
      isPublic: room.isPublic ? 'on' : undefined,
      maxParticipants: room.maxParticipants === null ? '' : String(room.maxParticipants),
      startsAt: localInputValue(room.startsAt),
      endsAt: localInputValue(room.endsAt),
    },
  });
  return (
    <section aria-labelledby="edit-room-heading">
      <details className="card" open={Boolean(lastResult)}>
        <summary className="cursor-pointer">
          <h2 id="edit-room-heading" className="inline text-lg font-semibold">
            Edit room
          </h2>
        </summary>
        <Form method="post" {...getFormProps(form)} className="mt-4 space-y-4">
          <input type="hidden" name="intent" value="update" />
          <FormErrors id={form.errorId} errors={form.errors} />
          <Field field={fields.name} label="Name" />
          <TextareaField field={fields.description} label="Description (optional)" />
          <div className="flex items-center gap-2">
            <input
              {...getInputProps(fields.isPublic, { type: 'checkbox' })}
              key={fields.isPublic.key}
              className="h-4 w-4"
            />
            <label htmlFor={fields.isPublic.id} className="text-sm font-medium">
              Public: any signed-in user may join
            </label>
          </div>
          <Field
            field={fields.maxParticipants}
            label="Maximum participants (optional)"
            type="number"
            min={1}
            inputMode="numeric"
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <DateTimeField field={fields.startsAt} label="Starts (UTC)" />
            <DateTimeField field={fields.endsAt} label="Ends (UTC, optional)" />
          </div>
          {manifestMissing ? (
            <p className="text-sm text-amber-900">
              The manifest version this room locked cannot be found: its settings cannot be edited.
            </p>
          ) : (
            <fieldset className="space-y-4">
              <legend className="text-sm font-semibold">
                Settings ({app.name} {room.appManifestVersion})
              </legend>
              <SettingsFields
                settings={settings}
                values={submittedSettings(lastResult) ?? room.appSettings}
                errors={replyErrors(lastResult)}
                idPrefix="edit-room"
              />
            </fieldset>
          )}
          <SubmitButton pendingLabel="Saving…">Save room</SubmitButton>
        </Form>
      </details>
    </section>
  );
}

function Participants({ loaded }: { loaded: LoaderData }) {
  const { room, participants, canManage, roles } = loaded;
  const location = useLocation();
  const closed = room.status === 'COMPLETED' || room.status === 'CANCELED';
  return (
    <section aria-labelledby="participants-heading" className="space-y-4">
      <h2 id="participants-heading" className="text-lg font-semibold">
        Participants
      </h2>
      {participants.length === 0 ? (
        <p className="text-slate-700">Nobody has joined yet.</p>
      ) : (
        <ul className="card divide-y divide-slate-200 p-0" aria-label="Participants">
          {participants.map((p) => {
            const who = p.name || p.email || 'A participant';
            return (
              <li
                key={p.id}
                className="flex flex-wrap items-center justify-between gap-3 px-6 py-3"
                data-participant={p.email ?? p.id}
              >
                <div className="min-w-0">
                  <p className="font-medium break-words">{who}</p>
                  <p className="text-sm break-words text-slate-700">
                    {p.email} · {ROLE_LABELS[p.role]} · joined {formatDate(p.joinedAt)}
                  </p>
                </div>
                {canManage ? (
                  <ConfirmAction
                    intent="remove-participant"
                    fields={{ participantId: p.id }}
                    label="Remove"
                    accessibleLabel={`Remove ${who}`}
                    pendingLabel="Removing…"
                    className="btn-secondary"
                    confirmation={removeWording(who, room.name)}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {/* Keyed by the location: a new page (after adding someone) starts with an empty form. */}
      {canManage && !closed ? <AddParticipantForm key={location.key} roles={roles} /> : null}
    </section>
  );
}

function AddParticipantForm({ roles }: { roles: LoaderData['roles'] }) {
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm<z.input<typeof addParticipantFormSchema>>({
    id: 'add-participant',
    lastResult: answer?.form === 'add-participant' ? answer.result : undefined,
    defaultValue: { role: 'PARTICIPANT' },
  });
  return (
    <Form method="post" {...getFormProps(form)} className="card space-y-4">
      <input type="hidden" name="intent" value="add-participant" />
      <h3 className="font-semibold">Add someone</h3>
      <FormErrors id={form.errorId} errors={form.errors} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          field={fields.email}
          label="Email"
          type="email"
          autoComplete="off"
          hint="Of an existing account."
        />
        <div>
          <label htmlFor={fields.role.id} className="label">
            Role
          </label>
          <select {...getSelectProps(fields.role)} key={fields.role.key} className="input mt-1">
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          <p className="mt-1 text-sm text-slate-600">Only participants are drawn as winners.</p>
          <FieldErrors id={fields.role.errorId} errors={fields.role.errors} />
        </div>
      </div>
      <SubmitButton pendingLabel="Adding…">Add participant</SubmitButton>
    </Form>
  );
}

function Prizes({ loaded }: { loaded: LoaderData }) {
  const { room, prizes, canManage, prizeTypes } = loaded;
  const location = useLocation();
  const closed = room.status === 'COMPLETED' || room.status === 'CANCELED';
  const canDraw = room.status === 'ACTIVE' || room.status === 'COMPLETED';
  return (
    <section aria-labelledby="prizes-heading" className="space-y-4">
      <h2 id="prizes-heading" className="text-lg font-semibold">
        Prizes
      </h2>
      {prizes.length === 0 ? (
        <p className="text-slate-700">No prizes yet.</p>
      ) : (
        <ul className="space-y-4" aria-label="Prizes">
          {prizes.map((p) => (
            <li key={p.id} className="card space-y-3" data-prize={p.name}>
              <div>
                <h3 className="font-semibold break-words">
                  {p.name}
                  {p.type ? (
                    <span className="ml-2 text-xs font-normal text-slate-700">({p.type})</span>
                  ) : null}
                </h3>
                {p.description ? (
                  <p className="text-sm whitespace-pre-line text-slate-700">{p.description}</p>
                ) : null}
                <p className="text-sm text-slate-700" data-testid="prize-counts">
                  Quantity {p.quantity} · {p.awarded} drawn · {p.remaining} left
                </p>
              </div>
              {canManage ? (
                <div className="flex flex-wrap items-center gap-3">
                  {canDraw && p.remaining > 0 ? (
                    <RowAction
                      intent="draw"
                      fields={{ prizeId: p.id }}
                      label="Draw winners"
                      accessibleLabel={`Draw winners for ${p.name}`}
                      pendingLabel="Drawing…"
                      className="btn-primary"
                    >
                      <label htmlFor={`draw-count-${p.id}`} className="sr-only">
                        How many winners of {p.name} to draw
                      </label>
                      <input
                        id={`draw-count-${p.id}`}
                        name="count"
                        type="number"
                        min={1}
                        max={p.remaining}
                        placeholder={String(p.remaining)}
                        inputMode="numeric"
                        className="input w-20"
                      />
                    </RowAction>
                  ) : null}
                  <ConfirmAction
                    intent="delete-prize"
                    fields={{ prizeId: p.id }}
                    label="Delete"
                    accessibleLabel={`Delete ${p.name}`}
                    pendingLabel="Deleting…"
                    className="btn-secondary"
                    confirmation={deletePrizeWording(p, room.name)}
                  />
                </div>
              ) : null}
              {canManage && !closed ? <EditPrize prize={p} prizeTypes={prizeTypes} /> : null}
            </li>
          ))}
        </ul>
      )}
      {canManage && !closed ? <CreatePrizeForm key={location.key} prizeTypes={prizeTypes} /> : null}
    </section>
  );
}

function CreatePrizeForm({ prizeTypes }: { prizeTypes: string[] }) {
  const answer = useActionData<typeof action>();
  const [form, fields] = useForm<z.input<typeof prizeFormSchema>>({
    id: 'create-prize',
    lastResult: answer?.form === 'create-prize' ? answer.result : undefined,
  });
  return (
    <Form method="post" {...getFormProps(form)} className="card space-y-4">
      <input type="hidden" name="intent" value="create-prize" />
      <h3 className="font-semibold">Add a prize</h3>
      <FormErrors id={form.errorId} errors={form.errors} />
      <PrizeFields fields={fields} prizeTypes={prizeTypes} />
      <SubmitButton pendingLabel="Adding…">Add prize</SubmitButton>
    </Form>
  );
}

type PrizeFieldset = ReturnType<typeof useForm<z.input<typeof prizeFormSchema>>>[1];

function PrizeFields({ fields, prizeTypes }: { fields: PrizeFieldset; prizeTypes: string[] }) {
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field field={fields.name} label="Prize name" />
        <Field field={fields.quantity} label="Quantity" type="number" min={1} inputMode="numeric" />
      </div>
      <TextareaField field={fields.description} label="Description (optional)" rows={2} />
      {prizeTypes.length > 0 ? (
        <div>
          <label htmlFor={fields.type.id} className="label">
            Type (optional)
          </label>
          <select {...getSelectProps(fields.type)} key={fields.type.key} className="input mt-1">
            <option value="">No type</option>
            {prizeTypes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <FieldErrors id={fields.type.errorId} errors={fields.type.errors} />
        </div>
      ) : null}
    </>
  );
}

function EditPrize({ prize, prizeTypes }: { prize: LoaderData['prizes'][number]; prizeTypes: string[] }) {
  const answer = useActionData<typeof action>();
  const formName = `update-prize:${prize.id}`;
  const lastResult = answer?.form === formName ? answer.result : undefined;
  const [form, fields] = useForm<z.input<typeof prizeFormSchema>>({
    id: `edit-prize-${prize.id}`,
    lastResult,
    defaultValue: {
      name: prize.name,
      description: prize.description ?? '',
      quantity: String(prize.quantity),
      type: prize.type ?? '',
    },
  });
  return (
    <details open={Boolean(lastResult)}>
      <summary className="cursor-pointer text-sm font-medium">Edit {prize.name}</summary>
      <Form method="post" {...getFormProps(form)} className="mt-3 space-y-4">
        <input type="hidden" name="intent" value="update-prize" />
        <input type="hidden" name="prizeId" value={prize.id} />
        <FormErrors id={form.errorId} errors={form.errors} />
        <PrizeFields fields={fields} prizeTypes={prizeTypes} />
        <SubmitButton pendingLabel="Saving…">Save prize</SubmitButton>
      </Form>
    </details>
  );
}

function Winners({ loaded }: { loaded: LoaderData }) {
  const { room, winners, canManage } = loaded;
  return (
    <section aria-labelledby="winners-heading" className="space-y-4">
      <h2 id="winners-heading" className="text-lg font-semibold">
        Winners
      </h2>
      {winners.length === 0 ? (
        <p className="text-slate-700">No winners drawn yet.</p>
      ) : (
        <ul className="card divide-y divide-slate-200 p-0" aria-label="Winners">
          {winners.map((w) => (
            <li
              key={w.id}
              className="flex flex-wrap items-center justify-between gap-3 px-6 py-3"
              data-winner={w.id}
            >
              <div className="min-w-0">
                <p className="font-medium break-words">{w.displayName}</p>
                <p className="text-sm text-slate-700">
                  {w.prizeName} · drawn {formatDate(w.drawnAt)}
                </p>
              </div>
              <div className="flex flex-wrap items-center gap-3">
                <Link
                  to={`/rooms/${room.id}/draws/${w.id}/verify`}
                  className="link text-sm"
                  aria-label={`Verify the draw of ${w.displayName} (${w.prizeName})`}
                >
                  Verify
                </Link>
                {canManage ? (
                  <ConfirmAction
                    intent="revoke-winner"
                    fields={{ winnerId: w.id }}
                    label="Revoke"
                    accessibleLabel={`Revoke ${w.displayName} (${w.prizeName})`}
                    pendingLabel="Revoking…"
                    className="btn-secondary"
                    confirmation={revokeWording(w)}
                  />
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
