// send-emails: delivery through the outbox with a fake transport, backoff, giving up after 5 attempts,
// recovery of rows left in SENDING, and idempotency.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OutgoingEmail, setTransport } from '~/email/mailer.server';
import { backoffMs, MAX_ATTEMPTS, queueEmail } from '~/email/outbox.server';
import { emailLogs } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { runCronJob } from './runner.server';
import { INTERRUPTED, STUCK_SENDING_MS, sendEmails } from './send-emails.server';
import { minutes, uid } from './test-factories';

const t = useTestDatabase();

const outbox: OutgoingEmail[] = [];
let failWith: string | null = null;

beforeAll(() => {
  setTransport({
    name: 'test',
    async send(email) {
      if (failWith) throw new Error(failWith);
      outbox.push(email);
    },
  });
});
afterAll(() => setTransport(undefined));
beforeEach(() => {
  outbox.length = 0;
  failWith = null;
});

async function run(now = new Date()) {
  const result = await runCronJob(t.db, sendEmails, { now });
  if (result.status !== 'succeeded') throw new Error('send-emails was skipped');
  return result.counts;
}

const emailRow = async (id: string) => (await t.db.select().from(emailLogs).where(eq(emailLogs.id, id)))[0]!;

function queueInvitation(link = `http://localhost:3000/invitations/${uid()}`) {
  return queueEmail(t.db, {
    to: `Someone-${uid()}@Example.com`,
    template: 'invitation',
    data: { organizationName: 'Acme', role: 'MEMBER' },
    link,
  });
}

describe('send-emails', () => {
  it('delivers due emails (with the decrypted link), marks them SENT and clears template_data; once', async () => {
    const link = `http://localhost:3000/invitations/${uid()}`;
    const ids = [await queueInvitation(link), await queueInvitation()];
    const notYet = await queueInvitation();
    await t.db
      .update(emailLogs)
      .set({ nextAttemptAt: new Date(Date.now() + minutes(5)) })
      .where(eq(emailLogs.id, notYet));

    expect(await run()).toEqual({ sent: 2, retried: 0, failed: 0, requeued: 0 });
    for (const id of ids) {
      expect(await emailRow(id)).toMatchObject({
        status: 'SENT',
        attempts: 1,
        templateData: null,
        lastError: null,
      });
      expect((await emailRow(id)).sentAt).toBeInstanceOf(Date);
    }
    expect(outbox).toHaveLength(2);
    expect(outbox.some((e) => e.text.includes(link))).toBe(true);
    expect(outbox.every((e) => e.to === e.to.toLowerCase())).toBe(true);
    expect(await emailRow(notYet)).toMatchObject({ status: 'QUEUED', attempts: 0 });

    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 0, requeued: 0 });
    expect(outbox).toHaveLength(2);
    // Clean up for the next tests: the not-yet-due one goes out when its time comes.
    expect(await run(new Date(Date.now() + minutes(6)))).toMatchObject({ sent: 1 });
  });

  it('retries failures with exponential backoff and gives up (FAILED, payload cleared) after 5 attempts', async () => {
    failWith = 'connection refused';
    const id = await queueInvitation();
    let now = Date.now();
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      expect(await run(new Date(now))).toEqual({ sent: 0, retried: 1, failed: 0, requeued: 0 });
      const row = await emailRow(id);
      expect(row).toMatchObject({ status: 'QUEUED', attempts: attempt, lastError: 'connection refused' });
      expect(row.nextAttemptAt.getTime()).toBe(now + backoffMs(attempt));
      expect(row.templateData).not.toBeNull();
      // Not due again before its backoff: a run in between changes nothing.
      expect(await run(new Date(now + backoffMs(attempt) - 1000))).toEqual({
        sent: 0,
        retried: 0,
        failed: 0,
        requeued: 0,
      });
      now += backoffMs(attempt);
    }
    expect(await run(new Date(now))).toEqual({ sent: 0, retried: 0, failed: 1, requeued: 0 });
    expect(await emailRow(id)).toMatchObject({
      status: 'FAILED',
      attempts: MAX_ATTEMPTS,
      templateData: null,
      lastError: 'connection refused',
      sentAt: null,
    });
    failWith = null;
    expect(await run(new Date(now + minutes(60)))).toEqual({ sent: 0, retried: 0, failed: 0, requeued: 0 });
    expect(outbox).toHaveLength(0);
  });

  it('a row left in SENDING by a crashed delivery is requeued after 30 minutes (or given up on its last attempt)', async () => {
    const [retry, last] = [await queueInvitation(), await queueInvitation()];
    await t.db.update(emailLogs).set({ status: 'SENDING', attempts: 1 }).where(eq(emailLogs.id, retry));
    await t.db
      .update(emailLogs)
      .set({ status: 'SENDING', attempts: MAX_ATTEMPTS })
      .where(eq(emailLogs.id, last));

    // A recent SENDING row may still be on its way out: left alone.
    expect(await run()).toEqual({ sent: 0, retried: 0, failed: 0, requeued: 0 });
    expect((await emailRow(retry)).status).toBe('SENDING');

    const later = new Date(Date.now() + STUCK_SENDING_MS + minutes(1));
    expect(await run(later)).toEqual({ sent: 1, retried: 0, failed: 1, requeued: 1 });
    expect(await emailRow(retry)).toMatchObject({ status: 'SENT', attempts: 2, templateData: null });
    expect(await emailRow(last)).toMatchObject({
      status: 'FAILED',
      templateData: null,
      lastError: INTERRUPTED,
    });
    expect(outbox).toHaveLength(1);
    expect(await run(later)).toEqual({ sent: 0, retried: 0, failed: 0, requeued: 0 });
  });
});
