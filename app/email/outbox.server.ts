// The email outbox (SPEC §4 email_logs): an email is a row written in the same transaction as the
// action that causes it; delivery happens after commit (right away, and again by the send-emails cron
// with backoff), so a rolled-back action never sends mail and a mail server outage loses nothing.
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { env } from '~/env.server';
import type { Database } from '~db/client.server';
import { emailLogs } from '~db/schema';
import { transport } from './mailer.server';
import { decryptSecret, encryptSecret } from './payload-crypto.server';
import { renderEmail, type TemplateName } from './templates.server';

export const MAX_ATTEMPTS = 5;

export interface QueuedEmail {
  to: string;
  template: TemplateName;
  /** Non-secret template data (names, amounts). */
  data?: Record<string, unknown>;
  /** The link carrying a token: stored encrypted, cleared once the email is sent or given up. */
  link?: string;
  entityType?: string;
  entityId?: string;
}

export async function queueEmail(tx: Database, email: QueuedEmail): Promise<string> {
  const data = { ...(email.data ?? {}), ...(email.link ? { link: encryptSecret(email.link) } : {}) };
  const { subject } = renderEmail(email.template, { ...email.data, link: email.link });
  const [row] = await tx
    .insert(emailLogs)
    .values({
      to: email.to.toLowerCase(),
      subject,
      template: email.template,
      templateData: data,
      status: 'QUEUED',
      attempts: 0,
      nextAttemptAt: new Date(),
      entityType: email.entityType ?? null,
      entityId: email.entityId ?? null,
    })
    .returning({ id: emailLogs.id });
  if (!row) throw new Error('email insert returned nothing');
  return row.id;
}

/** Reads a queued email's link back (tests and the admin email log's "resend" use it). */
export function decryptLink(templateData: unknown): string | null {
  const sealed = (templateData as { link?: unknown } | null)?.link;
  return typeof sealed === 'string' ? decryptSecret(sealed) : null;
}

/** Exponential backoff: 1, 2, 4, 8 minutes between attempts. */
export function backoffMs(attempts: number): number {
  return 60_000 * 2 ** Math.max(0, attempts - 1);
}

/**
 * Delivers due emails. Rows are claimed with FOR UPDATE SKIP LOCKED and marked SENDING in one short
 * transaction, so several instances never send the same email twice.
 */
export async function deliverDueEmails(
  db: Database,
  options: { limit?: number; ids?: string[]; now?: Date } = {},
) {
  // `now` lets the send-emails cron use one clock for the whole run (and tests move it forward).
  const now = options.now ?? new Date();
  const claimed = await db.transaction(async (tx) => {
    const due = await tx
      .select()
      .from(emailLogs)
      .where(
        and(
          eq(emailLogs.status, 'QUEUED'),
          lte(emailLogs.nextAttemptAt, now),
          options.ids ? inArray(emailLogs.id, options.ids) : undefined,
        ),
      )
      .orderBy(asc(emailLogs.nextAttemptAt), asc(emailLogs.id))
      .limit(options.limit ?? 50)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    await tx
      .update(emailLogs)
      .set({ status: 'SENDING', attempts: sql`${emailLogs.attempts} + 1` })
      .where(
        inArray(
          emailLogs.id,
          due.map((d) => d.id),
        ),
      );
    return due;
  });

  let sent = 0;
  let failed = 0;
  let retried = 0;
  for (const email of claimed) {
    const attempts = email.attempts + 1;
    try {
      const data = { ...((email.templateData as Record<string, unknown> | null) ?? {}) };
      const link = decryptLink(email.templateData);
      const rendered = renderEmail(email.template, { ...data, link: link ?? undefined });
      await transport().send({ ...rendered, template: email.template, to: email.to, from: env().EMAIL_FROM });
      await db
        .update(emailLogs)
        .set({ status: 'SENT', sentAt: new Date(), templateData: null, lastError: null })
        .where(eq(emailLogs.id, email.id));
      sent++;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const giveUp = attempts >= MAX_ATTEMPTS;
      await db
        .update(emailLogs)
        .set(
          giveUp
            ? { status: 'FAILED', lastError: message, templateData: null }
            : {
                status: 'QUEUED',
                lastError: message,
                nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)),
              },
        )
        .where(eq(emailLogs.id, email.id));
      if (giveUp) failed++;
      else retried++;
    }
  }
  return { claimed: claimed.length, sent, retried, failed };
}

/** After a commit that queued emails: try to deliver them now, without delaying the response. */
export function deliverSoon(db: Database, ids: string[]): void {
  if (ids.length === 0 || env().EMAIL_DELIVERY === 'cron') return;
  void deliverDueEmails(db, { ids }).catch((err) => console.error('[email] delivery failed', err));
}
