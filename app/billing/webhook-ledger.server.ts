// The webhook idempotency ledger (SPEC §4 webhook_events, §6), shared by every provider (Stripe, Paynow).
// A delivery claims its event's row in the transaction that applies the effect:
//   INSERT … ON CONFLICT (provider, event_id) DO UPDATE SET attempts = attempts + 1
//     WHERE processed_at IS NULL RETURNING id
// A new event, or one whose earlier delivery failed, is returned (and row-locked until commit); a
// processed one is not, so the delivery changes nothing. Concurrent deliveries queue on the row and the
// losers find it processed. A failed delivery is rolled back, then noted here in its own statement.
import { eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { webhookEvents } from '~db/schema';

export type Provider = 'stripe' | 'paynow';
export type LedgerOutcome = 'APPLIED' | 'IGNORED' | 'STALE';

export interface LedgerEvent {
  provider: Provider;
  eventId: string;
  type: string;
  payload: unknown;
  createdAt?: Date | null;
}

/** The ledger row's id when this delivery may apply the event; null for one processed already. */
export async function claimWebhookEvent(tx: Database, event: LedgerEvent): Promise<string | null> {
  const [claimed] = await tx
    .insert(webhookEvents)
    .values({
      provider: event.provider,
      eventId: event.eventId,
      type: event.type,
      payload: event.payload,
      eventCreatedAt: event.createdAt ?? null,
      attempts: 1,
    })
    .onConflictDoUpdate({
      target: [webhookEvents.provider, webhookEvents.eventId],
      set: { attempts: sql`${webhookEvents.attempts} + 1` },
      setWhere: isNull(webhookEvents.processedAt),
    })
    .returning({ id: webhookEvents.id });
  return claimed?.id ?? null;
}

/** Marks the claimed row processed, with what happened (and why nothing did, for IGNORED / STALE). */
export async function finishWebhookEvent(
  tx: Database,
  id: string,
  outcome: LedgerOutcome,
  note: string | null,
): Promise<void> {
  await tx
    .update(webhookEvents)
    .set({ processedAt: sql`now()`, outcome, error: note })
    .where(eq(webhookEvents.id, id));
}

/** The reason a delivery failed, for staff: the driver's message, not Drizzle's wrapper with parameters. */
export function failureReason(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}

/** After a rollback: the failure on the (still unprocessed) row, so staff see it and a retry is let in. */
export async function recordWebhookFailure(db: Database, event: LedgerEvent, err: unknown): Promise<void> {
  const error = failureReason(err).slice(0, 2000);
  await db
    .insert(webhookEvents)
    .values({
      provider: event.provider,
      eventId: event.eventId,
      type: event.type,
      payload: event.payload,
      eventCreatedAt: event.createdAt ?? null,
      attempts: 1,
      outcome: 'FAILED',
      error,
    })
    .onConflictDoUpdate({
      target: [webhookEvents.provider, webhookEvents.eventId],
      set: { attempts: sql`${webhookEvents.attempts} + 1`, outcome: 'FAILED', error },
      setWhere: isNull(webhookEvents.processedAt),
    })
    .catch((e) => console.error(`[${event.provider}] could not record the failure`, e));
}
