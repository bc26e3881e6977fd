// Rows for the cron tests, inserted straight into the tables (the jobs only see rows, not how they came).
import { randomBytes } from 'node:crypto';
import type { Database } from '~db/client.server';
import {
  invitations,
  organizations,
  refreshTokens,
  sessions,
  tokenBlacklist,
  users,
  verifications,
} from '~db/schema';

export const uid = () => randomBytes(6).toString('hex');
export const minutes = (n: number) => n * 60_000;
export const days = (n: number) => n * 86_400_000;
export const at = (offsetMs: number, from = Date.now()) => new Date(from + offsetMs);

export async function createUser(db: Database) {
  const [user] = await db
    .insert(users)
    .values({ email: `cron-${uid()}@example.com`, name: 'Cron Test' })
    .returning();
  return user!;
}

export async function createOrganization(db: Database) {
  const slug = `cron-${uid()}`;
  const [organization] = await db.insert(organizations).values({ name: slug, slug }).returning();
  return organization!;
}

export async function createSession(
  db: Database,
  userId: string,
  values: { expiresAt: Date; lastUsedAt?: Date },
) {
  const [row] = await db
    .insert(sessions)
    .values({ id: uid() + uid(), userId, ...values })
    .returning();
  return row!;
}

export async function createBlacklistEntry(db: Database, expiresAt: Date) {
  const [row] = await db.insert(tokenBlacklist).values({ tokenHash: uid(), expiresAt }).returning();
  return row!;
}

export async function createRefreshToken(db: Database, userId: string, expiresAt: Date) {
  const [row] = await db
    .insert(refreshTokens)
    .values({ userId, tokenHash: uid(), familyId: uid(), expiresAt })
    .returning();
  return row!;
}

export async function createVerification(db: Database, values: { expiresAt: Date; usedAt?: Date }) {
  const [row] = await db
    .insert(verifications)
    .values({
      identifier: `cron-${uid()}@example.com`,
      purpose: 'EMAIL_VERIFICATION',
      tokenHash: uid(),
      ...values,
    })
    .returning();
  return row!;
}

export async function createInvitation(
  db: Database,
  values: { organizationId: string; inviterId: string; expiresAt: Date; status?: 'PENDING' | 'ACCEPTED' },
) {
  const [row] = await db
    .insert(invitations)
    .values({ email: `invitee-${uid()}@example.com`, role: 'MEMBER', tokenHash: uid(), ...values })
    .returning();
  return row!;
}
