// API keys (seeds 002, 004): `sk_<prefix>_<secret>`, shown once at creation. Only the SHA-256 of the whole
// key and its display prefix are stored (SPEC §3). OWNER and ADMIN manage them ('api-keys:manage'); a key
// acts as the member who created it and is deactivated when that member leaves (members.server.ts).
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { type Actor, recordAudit } from '~/audit/audit.server';
import { generateToken, sha256Hex } from '~/auth/tokens.server';
import { storableDateSchema } from '~/lib/dates';
import { NotFound, ValidationFailed } from '~/lib/errors';
import { authorize } from '~/orgs/access.server';
import type { Database } from '~db/client.server';
import { apiKeys, users } from '~db/schema';
import {
  API_SCOPES,
  type ApiScope,
  apiKeyNameSchema,
  DEFAULT_RATE_LIMIT,
  rateLimitSchema,
  scopeSchema,
} from './scopes';

export { API_SCOPES, type ApiScope };

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PREFIX_LENGTH = 8;
/** `sk_` + 8 lowercase letters/digits + `_` + the base64url secret (which may itself hold `_`). */
export const API_KEY_PATTERN = /^sk_[a-z0-9]{8}_[A-Za-z0-9_-]{32,}$/;

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('sk_');
}

/** A new key: the full value (shown once), its hash (stored) and its display prefix `sk_<prefix>` (stored). */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const bytes = randomBytes(PREFIX_LENGTH);
  const prefix = Array.from(bytes, (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('');
  const key = `sk_${prefix}_${generateToken(32)}`;
  return { key, hash: hashApiKey(key), prefix: `sk_${prefix}` };
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

const orgId = z.string().min(1);

export const createApiKeyInput = z.object({
  organizationId: orgId,
  name: apiKeyNameSchema,
  scopes: z.array(scopeSchema).min(1, 'Choose at least one scope'),
  expiresAt: storableDateSchema.nullish(),
  rateLimit: rateLimitSchema.default(DEFAULT_RATE_LIMIT),
});

export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  expiresAt: Date | null;
  rateLimit: number;
  /** The full key: returned once, never stored. */
  key: string;
}

export async function createApiKey(
  db: Database,
  actor: Actor,
  input: z.input<typeof createApiKeyInput>,
): Promise<CreatedApiKey> {
  const { organizationId, name, scopes, expiresAt, rateLimit } = createApiKeyInput.parse(input);
  const unique = API_SCOPES.filter((s) => scopes.includes(s));
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'api-keys:manage');
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new ValidationFailed('The expiry must be in the future.', {
        expiresAt: ['Choose a date in the future'],
      });
    }
    const generated = generateApiKey();
    const [row] = await tx
      .insert(apiKeys)
      .values({
        organizationId,
        // authorize refuses an actor without a user.
        userId: actor.userId!,
        name,
        keyHash: generated.hash,
        keyPrefix: generated.prefix,
        scopes: unique,
        rateLimit,
        expiresAt: expiresAt ?? null,
      })
      .returning({ id: apiKeys.id });
    if (!row) throw new Error('api key insert returned nothing');
    await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.created',
      entityType: 'api_key',
      entityId: row.id,
      // Never the key itself: only what the list shows.
      newValues: {
        name,
        prefix: generated.prefix,
        scopes: unique,
        rateLimit,
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    });
    return {
      id: row.id,
      name,
      prefix: generated.prefix,
      scopes: unique,
      expiresAt: expiresAt ?? null,
      rateLimit,
      key: generated.key,
    };
  });
}

export type ApiKeyStatus = 'active' | 'revoked' | 'expired';

export function apiKeyStatus(
  key: { isActive: boolean; expiresAt: Date | null },
  now = new Date(),
): ApiKeyStatus {
  if (!key.isActive) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** The organization's keys, active first, newest first; never the hash. */
export async function listApiKeys(db: Database, actor: Actor, organizationId: string) {
  await authorize(db, actor, organizationId, 'api-keys:manage');
  const rows = await db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.keyPrefix,
      scopes: apiKeys.scopes,
      isActive: apiKeys.isActive,
      rateLimit: apiKeys.rateLimit,
      expiresAt: apiKeys.expiresAt,
      lastUsedAt: apiKeys.lastUsedAt,
      createdAt: apiKeys.createdAt,
      createdByName: users.name,
      createdByEmail: users.email,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.organizationId, organizationId))
    .orderBy(desc(apiKeys.isActive), desc(apiKeys.createdAt), asc(apiKeys.id));
  const now = new Date();
  return rows.map((r) => ({ ...r, scopes: r.scopes as ApiScope[], status: apiKeyStatus(r, now) }));
}

export const revokeApiKeyInput = z.object({ organizationId: orgId, apiKeyId: z.string() });

/** Deactivates the key (is_active = false); revoking a revoked key changes nothing and writes no audit row. */
export async function revokeApiKey(db: Database, actor: Actor, input: z.input<typeof revokeApiKeyInput>) {
  const { organizationId, apiKeyId } = revokeApiKeyInput.parse(input);
  return db.transaction(async (tx) => {
    await authorize(tx, actor, organizationId, 'api-keys:manage');
    const [key] = await tx
      .select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.keyPrefix, isActive: apiKeys.isActive })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, apiKeyId), eq(apiKeys.organizationId, organizationId)))
      .for('update');
    // Another organization's key id is "not found" (tenant isolation, SPEC §7).
    if (!key) throw new NotFound('API key not found');
    if (!key.isActive) return { ...key, changed: false };
    await tx.update(apiKeys).set({ isActive: false }).where(eq(apiKeys.id, key.id));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.revoked',
      entityType: 'api_key',
      entityId: key.id,
      oldValues: { isActive: true },
      newValues: { isActive: false },
      metadata: { name: key.name, prefix: key.prefix },
    });
    return { ...key, isActive: false, changed: true };
  });
}
