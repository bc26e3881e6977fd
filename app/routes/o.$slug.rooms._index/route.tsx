// The organization's rooms (seed 001) and the form that opens one from an app: name, description, public
// or private, a participant limit, the schedule, and the settings the app's manifest describes, rendered
// as inputs. The app is chosen first (`?app=`, a GET form), so the settings shown are that app's, with or
// without JavaScript; the room locks the app's current version and the domain checks the settings
// against it. Every member but BILLING may create a room and organizes the rooms they create.
import { getFormProps, getInputProps, useForm } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSubmit } from '@remix-run/react';
import { z } from 'zod';
import { Field, FieldErrors, FormErrors, SubmitButton, TextareaField } from '~/components/form';
import { listAvailableApps } from '~/events/apps.server';
import {
  DateTimeField,
  formDateSchema,
  RoomStatusBadge,
  readAppSettings,
  replyErrors,
  type SettingsDescription,
  SettingsFields,
  scheduleText,
  submittedSettings,
} from '~/events/components';
import { manifestSchema } from '~/events/manifest';
import { createRoom, createRoomBodySchema, listRooms } from '~/events/rooms.server';
import { badIntent, done, formError, formInvalid, loaderFailure } from '~/lib/http.server';
import { requireMember } from '~/orgs/access.server';
import { ActionError, organizationTitle, PageHeading } from '~/orgs/components';
import { can } from '~/orgs/permissions';

export const meta: MetaFunction = ({ matches }) => organizationTitle(matches, 'Rooms');

/** The room form: the API body's fields, with the checkbox and UTC date inputs a form sends. */
const roomFormSchema = createRoomBodySchema
  .omit({ appSettings: true, isPublic: true, startsAt: true, endsAt: true })
  .extend({
    isPublic: z.boolean().optional(),
    startsAt: formDateSchema.optional(),
    endsAt: formDateSchema.optional(),
  })
  .strip();

const settingsOf = (manifest: unknown): SettingsDescription => {
  const parsed = manifestSchema.safeParse(manifest);
  return parsed.success ? (parsed.data.settings ?? {}) : {};
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { db, actor, organization, role } = await requireMember(request, params.slug, 'organization:view');
  const canCreate = can(role, 'rooms:create');
  const [rooms, available] = await Promise.all([
    listRooms(db, actor, organization.id),
    canCreate ? listAvailableApps(db, actor, organization.id) : Promise.resolve([]),
  ]).catch(loaderFailure);
  const wanted = new URL(request.url).searchParams.get('app');
  const chosen = available.find((a) => a.appId === wanted) ?? available[0];
  return data({
    organization,
    rooms: rooms.map((r) => ({
      id: r.room.id,
      name: r.room.name,
      status: r.room.status,
      isPublic: r.room.isPublic,
      appName: r.appName,
      appManifestVersion: r.room.appManifestVersion,
      maxParticipants: r.room.maxParticipants,
      participantCount: r.participantCount,
      startsAt: r.room.startsAt,
      endsAt: r.room.endsAt,
      organizerName: r.organizerName,
    })),
    apps: available.map((a) => ({ appId: a.appId, name: a.name, version: a.manifestVersion, own: a.ownApp })),
    chosen: chosen
      ? {
          appId: chosen.appId,
          name: chosen.name,
          version: chosen.manifestVersion,
          settings: settingsOf(chosen.manifest),
        }
      : null,
    canCreate,
    canManageApps: can(role, 'apps:manage'),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { db, actor, organization } = await requireMember(request, params.slug, 'rooms:create');
  const formData = await request.formData();
  const intent = String(formData.get('intent') ?? '');
  if (intent !== 'create') return badIntent();
  const submission = parseWithZod(formData, { schema: roomFormSchema });
  if (submission.status !== 'success') return formInvalid('create', submission);
  try {
    // The settings inputs are typed by the app's manifest: read them as its current version describes.
    const app = (await listAvailableApps(db, actor, organization.id)).find(
      (a) => a.appId === submission.value.appId,
    );
    const room = await createRoom(db, actor, {
      organizationId: organization.id,
      ...submission.value,
      isPublic: submission.value.isPublic ?? false,
      appSettings: readAppSettings(app ? settingsOf(app.manifest) : undefined, formData),
    });
    return done(
      `/o/${organization.slug}/rooms/${room.id}`,
      `Room ${room.name} created as a draft. Activate it when people may join.`,
    );
  } catch (err) {
    return formError('create', submission, err);
  }
}

export default function Rooms() {
  const { organization, rooms, apps, chosen, canCreate, canManageApps } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submit = useSubmit();
  const lastResult = answer?.form === 'create' ? answer.result : undefined;
  const [form, fields] = useForm<z.input<typeof roomFormSchema>>({
    id: 'create-room',
    lastResult,
  });
  const base = `/o/${organization.slug}/rooms`;
  return (
    <div className="space-y-8">
      <PageHeading title="Rooms">
        <Link to={`/o/${organization.slug}/apps`} className="link text-sm">
          Apps
        </Link>
      </PageHeading>
      <ActionError />
      {rooms.length === 0 ? (
        <p className="text-slate-700">No rooms yet.</p>
      ) : (
        <ul className="card divide-y divide-slate-200 p-0" aria-label="Rooms">
          {rooms.map((r) => (
            <li key={r.id} className="space-y-1 px-6 py-4" data-room={r.id}>
              <p className="flex flex-wrap items-center gap-2 font-medium">
                <Link to={`${base}/${r.id}`} className="link break-words">
                  {r.name}
                </Link>
                <RoomStatusBadge status={r.status} />
                <span className="text-xs text-slate-700">{r.isPublic ? 'Public' : 'Private'}</span>
              </p>
              <p className="text-sm text-slate-700">
                {r.appName} {r.appManifestVersion} · {r.participantCount}
                {r.maxParticipants === null ? '' : ` of ${r.maxParticipants}`} participant
                {r.participantCount === 1 && r.maxParticipants === null ? '' : 's'} · organized by{' '}
                {r.organizerName ?? 'a former member'}
              </p>
              <p className="text-xs text-slate-600">{scheduleText(r.startsAt, r.endsAt)}</p>
            </li>
          ))}
        </ul>
      )}

      {canCreate ? (
        <section aria-labelledby="new-room-heading" className="space-y-4">
          <h2 id="new-room-heading" className="text-lg font-semibold">
            New room
          </h2>
          {apps.length === 0 || !chosen ? (
            <p className="text-slate-700">
              A room is created from an app.{' '}
              {canManageApps ? (
                <Link to={`/o/${organization.slug}/apps`} className="link">
                  Register an app first.
                </Link>
              ) : (
                'Ask an owner or admin of the organization to register one.'
              )}
            </p>
          ) : (
            <div className="card space-y-6">
              <Form
                method="get"
                className="flex flex-wrap items-end gap-2"
                onChange={(event) => submit(event.currentTarget, { replace: true, preventScrollReset: true })}
              >
                <div className="min-w-0 flex-1">
                  <label htmlFor="room-app" className="label">
                    App
                  </label>
                  <select id="room-app" name="app" defaultValue={chosen.appId} className="input mt-1">
                    {apps.map((a) => (
                      <option key={a.appId} value={a.appId}>
                        {a.name} ({a.version}){a.own ? '' : ' — another organization’s'}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="submit" className="btn-secondary">
                  Use this app
                </button>
              </Form>
              <Form method="post" {...getFormProps(form)} className="space-y-4">
                <input type="hidden" name="intent" value="create" />
                <input type="hidden" name="appId" value={chosen.appId} />
                <FormErrors id={form.errorId} errors={form.errors} />
                <p className="text-sm text-slate-700">
                  The room locks version <strong>{chosen.version}</strong> of {chosen.name}.
                </p>
                <Field field={fields.name} label="Name" />
                <TextareaField field={fields.description} label="Description (optional)" />
                <div>
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
                  <FieldErrors id={fields.isPublic.errorId} errors={fields.isPublic.errors} />
                </div>
                <Field
                  field={fields.maxParticipants}
                  label="Maximum participants (optional)"
                  type="number"
                  min={1}
                  inputMode="numeric"
                />
                <div className="grid gap-4 sm:grid-cols-2">
                  <DateTimeField field={fields.startsAt} label="Starts (UTC, optional)" hint="Empty: now." />
                  <DateTimeField field={fields.endsAt} label="Ends (UTC, optional)" />
                </div>
                <fieldset className="space-y-4" key={chosen.appId}>
                  <legend className="text-sm font-semibold">
                    Settings of {chosen.name} {chosen.version}
                  </legend>
                  <SettingsFields
                    settings={chosen.settings}
                    values={submittedSettings(lastResult) ?? {}}
                    errors={replyErrors(lastResult)}
                    idPrefix="create-room"
                  />
                </fieldset>
                <SubmitButton pendingLabel="Creating…">Create room</SubmitButton>
              </Form>
            </div>
          )}
        </section>
      ) : null}
    </div>
  );
}
