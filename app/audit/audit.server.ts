// Writes audit_logs rows (SPEC §3: every mutation of business data, in the same transaction).
import type { Database } from '~db/client.server';
import { auditLogs } from '~db/schema';

/** Who is acting, and from where. Domain functions take it explicitly. */
export interface Actor {
  type: 'USER' | 'API_KEY' | 'SYSTEM';
  userId: string | null;
  apiKeyId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

export const systemActor: Actor = { type: 'SYSTEM', userId: null };

export function userActor(userId: string, request?: Request): Actor {
  return {
    type: 'USER',
    userId,
    ipAddress: request ? clientIp(request) : null,
    userAgent: request?.headers.get('user-agent')?.slice(0, 512) ?? null,
  };
}

/** The client address: the first X-Forwarded-For hop when behind a proxy, else unknown. */
export function clientIp(request: Request): string | null {
  const forwarded = request.headers.get('x-forwarded-for');
  if (forwarded) return forwarded.split(',')[0]?.trim() || null;
  return request.headers.get('x-real-ip');
}

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  organizationId?: string | null;
  oldValues?: unknown;
  newValues?: unknown;
  metadata?: unknown;
}

export async function recordAudit(tx: Database, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLogs).values({
    userId: actor.userId,
    actorType: actor.type,
    actorApiKeyId: actor.apiKeyId ?? null,
    organizationId: entry.organizationId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    oldValues: entry.oldValues ?? null,
    newValues: entry.newValues ?? null,
    metadata: entry.metadata ?? null,
    ipAddress: actor.ipAddress ?? null,
    userAgent: actor.userAgent ?? null,
  });
}
