// The webhook ledger's "re-process" (issue 14): a Stripe event whose first delivery failed is run again
// through the same idempotent handler from /admin/webhooks, applies once (the order is paid, the ledger row
// is processed, the staff member is the audit actor), and a second re-process is refused with nothing changed.
import { and, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { platformAdmin } from '~/invoicing/test-support';
import { cookieFor, createUser } from '~/orgs/test-support';
import { action as webhooksAction } from '~/routes/admin.webhooks/route';
import { paymentUrl, placeOrder } from '~/store/checkout.server';
import { createPublishedProduct, reloadOrder } from '~/store/test-support';
import { auditLogs, webhookEvents } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { postForm, runRoute } from '../../tests/support/routes';
import { sessionIdOf, useFakeStripe } from '../../tests/support/stripe';

const t = useAppTestDatabase();
const stripe = useFakeStripe(() => t.db);

describe('re-processing a failed webhook event', () => {
  it('applies a failed Stripe delivery once through the same handler, audited with the staff actor', async () => {
    const buyer = await createUser(t.db);
    const { price } = await createPublishedProduct(t.db, { basePrice: 1200 });
    const cart = { v: 1 as const, lines: [{ priceId: price.id, quantity: 1, seen: price.unitAmount }] };
    const order = await placeOrder(t.db, buyer.actor, cart, {});
    stripe.takeEvents();
    await stripe.fake.completeCheckout(sessionIdOf(await paymentUrl(t.db, stripe.stripe, order)));
    const [event] = stripe.takeEvents(['payment_intent.succeeded']) as Stripe.Event[];
    // The first delivery failed (our side was down mid-transaction): the ledger holds it as FAILED.
    const [failed] = await t.db
      .insert(webhookEvents)
      .values({
        provider: 'stripe',
        eventId: event!.id,
        type: event!.type,
        payload: event!,
        attempts: 1,
        outcome: 'FAILED',
        error: 'connection reset',
      })
      .returning();
    expect((await reloadOrder(t.db, order.id)).status).toBe('PENDING');

    const admin = await platformAdmin(t.db);
    const cookie = await cookieFor(t.db, admin.id);
    const reprocess = () =>
      runRoute(webhooksAction, postForm('/admin/webhooks', cookie, { eventId: failed!.id }), {});
    const answer = await reprocess();
    expect(answer.status).toBeLessThan(400);

    expect(await reloadOrder(t.db, order.id)).toMatchObject({
      status: 'COMPLETED',
      paymentStatus: 'SUCCEEDED',
    });
    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, failed!.id));
    expect(row?.processedAt).toBeInstanceOf(Date);
    expect(row?.outcome).toBe('APPLIED');
    const audit = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, 'webhook_event.reprocessed'), eq(auditLogs.entityId, failed!.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ userId: admin.id });
    expect(audit[0]?.metadata).toMatchObject({ provider: 'stripe', eventId: event!.id, outcome: 'APPLIED' });

    // Once processed, a second re-process is refused and nothing changes.
    expect((await reprocess()).status).toBe(409);
    expect(
      await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'webhook_event.reprocessed')),
    ).toHaveLength(1);
  });
});
