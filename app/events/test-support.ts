// Factories for the events tests: an organization with one member per role, an app, an open room with
// participants and a prize, all through the domain functions (so each test starts from real rows).
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import { addMember, createOrg, createUser, type TestUser, uid } from '~/orgs/test-support';
import type { Database } from '~db/client.server';
import { users } from '~db/schema';
import { registerApp } from './apps.server';
import type { manifestSchema } from './manifest';
import { addParticipant } from './participants.server';
import { createPrize } from './prizes.server';
import { createRoom, updateRoom } from './rooms.server';

export type ManifestInput = z.input<typeof manifestSchema>;

/** A manifest with one setting of each type; `version` goes to meta.version. */
export function sampleManifest(version = '1.0.0', extra: Partial<ManifestInput> = {}): ManifestInput {
  return {
    name: 'Raffle',
    meta: { version },
    settings: {
      rounds: { type: 'number', min: 1, max: 10, default: 3 },
      theme: { type: 'enum', options: ['light', 'dark'], default: 'light' },
      greeting: { type: 'string', max: 40 },
      anonymous: { type: 'boolean', required: true },
    },
    prizeTypes: ['physical', 'voucher'],
    ...extra,
  };
}

export interface EventOrg {
  organization: { id: string; slug: string; name: string };
  owner: TestUser;
  admin: TestUser & { memberId: string };
  member: TestUser & { memberId: string };
  billing: TestUser & { memberId: string };
}

export async function eventOrg(db: Database): Promise<EventOrg> {
  const { organization, owner } = await createOrg(db);
  const [admin, member, billing] = [
    await addMember(db, organization.id, 'ADMIN'),
    await addMember(db, organization.id, 'MEMBER'),
    await addMember(db, organization.id, 'BILLING'),
  ];
  return { organization, owner, admin, member, billing };
}

export async function sampleApp(db: Database, org: EventOrg, manifest: unknown = sampleManifest()) {
  const appId = `raffle-${uid()}`;
  const { app } = await registerApp(db, org.owner.actor, {
    organizationId: org.organization.id,
    appId,
    manifest: manifest as never,
  });
  return app;
}

/** A room of the organization organized by `organizer` (default the owner), ACTIVE unless told. */
export async function sampleRoom(
  db: Database,
  org: EventOrg,
  options: {
    appId?: string;
    organizer?: TestUser;
    isPublic?: boolean;
    maxParticipants?: number | null;
    status?: 'DRAFT' | 'ACTIVE' | 'COMPLETED' | 'CANCELED';
  } = {},
) {
  const appId = options.appId ?? (await sampleApp(db, org)).appId;
  const organizer = options.organizer ?? org.owner;
  let room = await createRoom(db, organizer.actor, {
    organizationId: org.organization.id,
    appId,
    name: `Room ${uid()}`,
    isPublic: options.isPublic ?? true,
    maxParticipants: options.maxParticipants ?? null,
    appSettings: { anonymous: false },
  });
  const status = options.status ?? 'ACTIVE';
  const path: Record<typeof status, ('ACTIVE' | 'COMPLETED' | 'CANCELED')[]> = {
    DRAFT: [],
    ACTIVE: ['ACTIVE'],
    COMPLETED: ['ACTIVE', 'COMPLETED'],
    CANCELED: ['CANCELED'],
  };
  for (const next of path[status])
    room = await updateRoom(db, organizer.actor, {
      organizationId: org.organization.id,
      roomId: room.id,
      status: next,
    });
  return room;
}

/** `n` new users added to the room by its organizer (role PARTICIPANT unless told). */
export async function addPeople(
  db: Database,
  org: EventOrg,
  roomId: string,
  n: number,
  role: 'PARTICIPANT' | 'VIEWER' | 'MODERATOR' = 'PARTICIPANT',
  organizer: TestUser = org.owner,
) {
  const people = [];
  for (let i = 0; i < n; i++) {
    const user = await createUser(db);
    const participant = await addParticipant(db, organizer.actor, {
      organizationId: org.organization.id,
      roomId,
      userId: user.id,
      role,
    });
    people.push({ user, participant });
  }
  return people;
}

export async function samplePrize(db: Database, org: EventOrg, roomId: string, quantity = 1) {
  return createPrize(db, org.owner.actor, {
    organizationId: org.organization.id,
    roomId,
    name: `Prize ${uid()}`,
    quantity,
  });
}

/** Makes the user platform staff (users.role). */
export async function makePlatformAdmin(db: Database, userId: string) {
  await db.update(users).set({ role: 'ADMIN' }).where(eq(users.id, userId));
}
