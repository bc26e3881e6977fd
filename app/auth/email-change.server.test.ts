// Email change (issue 15 §5): a link to the new address, a notice to the old one, the old address signs in
// until the link is opened, a taken address is never confirmed as taken, single use, audited.
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { decryptLink } from '~/email/outbox.server';
import { createUser } from '~/orgs/test-support';
import { auditLogs, emailChangeRequests, emailLogs, users, verifications } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { signIn } from './accounts.server';
import {
  cancelEmailChange,
  confirmEmailChange,
  EMAIL_CHANGE_LIMIT,
  EMAIL_CHANGE_LINK_INVALID,
  pendingEmailChange,
  requestEmailChange,
} from './email-change.server';
import { createPasswordUser, uniqueEmail } from './test-helpers.server';
import { sha256Hex } from './tokens.server';

const t = useTestDatabase();

async function mails(to: string) {
  return t.db
    .select({ template: emailLogs.template, templateData: emailLogs.templateData })
    .from(emailLogs)
    .where(eq(emailLogs.to, to))
    .orderBy(desc(emailLogs.createdAt));
}

async function tokenSentTo(to: string): Promise<string> {
  const [mail] = (await mails(to)).filter((m) => m.template === 'email-change-verify');
  const link = decryptLink(mail?.templateData);
  if (!link) throw new Error(`no email-change link to ${to}`);
  return new URL(link).searchParams.get('token') ?? '';
}

async function emailOf(userId: string) {
  const [u] = await t.db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  return u?.email;
}

const actorFor = (id: string) => ({ type: 'USER' as const, userId: id, ipAddress: '203.0.113.7' });

describe('email change', () => {
  it('sends a link to the new address and a notice to the old; the old address signs in until it is opened', async () => {
    const me = await createPasswordUser(t.db);
    const next = uniqueEmail('new');
    await requestEmailChange(t.db, actorFor(me.id), { newEmail: next.toUpperCase() });
    expect((await mails(next)).map((m) => m.template)).toEqual(['email-change-verify']);
    expect((await mails(me.email)).map((m) => m.template)).toContain('email-change-requested');
    expect(await emailOf(me.id)).toBe(me.email);
    expect((await pendingEmailChange(t.db, me.id))?.newEmail).toBe(next);
    // Still the sign-in email; the new one is not yet.
    await expect(signIn(t.db, { email: me.email, password: me.password })).resolves.toMatchObject({
      id: me.id,
    });
    await expect(signIn(t.db, { email: next, password: me.password })).rejects.toMatchObject({ status: 401 });

    const token = await tokenSentTo(next);
    const changed = await confirmEmailChange(t.db, token);
    expect(changed).toMatchObject({ userId: me.id, email: next, previousEmail: me.email });
    expect(await emailOf(me.id)).toBe(next);
    expect((await mails(me.email)).map((m) => m.template)).toContain('email-changed');
    await expect(signIn(t.db, { email: next, password: me.password })).resolves.toMatchObject({ id: me.id });
    await expect(signIn(t.db, { email: me.email, password: me.password })).rejects.toMatchObject({
      status: 401,
    });
    // Single use.
    await expect(confirmEmailChange(t.db, token)).rejects.toThrow(EMAIL_CHANGE_LINK_INVALID);
    const actions = (
      await t.db.select({ action: auditLogs.action }).from(auditLogs).where(eq(auditLogs.userId, me.id))
    ).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['user.email_change_requested', 'user.email_changed']));
  });

  it('never says an address is taken: no link, the owner is told, the answer is the same', async () => {
    const me = await createUser(t.db);
    const owner = await createUser(t.db);
    const answer = await requestEmailChange(t.db, me.actor, { newEmail: owner.email });
    expect(answer.emailIds).toHaveLength(2);
    expect((await mails(owner.email)).map((m) => m.template)).toEqual(['email-change-address-taken']);
    expect(await pendingEmailChange(t.db, me.id)).toBeNull();
    expect(await emailOf(me.id)).toBe(me.email);
    // The audit row does not carry the full address either.
    const [row] = await t.db
      .select({ newValues: auditLogs.newValues })
      .from(auditLogs)
      .where(and(eq(auditLogs.userId, me.id), eq(auditLogs.action, 'user.email_change_requested')));
    expect(JSON.stringify(row?.newValues)).not.toContain(owner.email);
  });

  it('refuses at confirmation when the address was taken meanwhile, and changes nothing', async () => {
    const me = await createUser(t.db);
    const next = uniqueEmail('race');
    await requestEmailChange(t.db, me.actor, { newEmail: next });
    const token = await tokenSentTo(next);
    await createUser(t.db, next);
    await expect(confirmEmailChange(t.db, token)).rejects.toMatchObject({ status: 409 });
    expect(await emailOf(me.id)).toBe(me.email);
  });

  it('refuses the current address, junk, and too many requests', async () => {
    const me = await createUser(t.db);
    await expect(requestEmailChange(t.db, me.actor, { newEmail: me.email })).rejects.toThrow(
      'already your email',
    );
    await expect(requestEmailChange(t.db, me.actor, { newEmail: 'not-an-email' })).rejects.toThrow();
    for (let i = 0; i < EMAIL_CHANGE_LIMIT; i++)
      await requestEmailChange(t.db, me.actor, { newEmail: uniqueEmail(`n${i}`) });
    await expect(requestEmailChange(t.db, me.actor, { newEmail: uniqueEmail('over') })).rejects.toMatchObject(
      {
        status: 429,
      },
    );
  });

  it('a newer request or a cancel ends the older link; an expired link does nothing', async () => {
    const me = await createUser(t.db);
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    await requestEmailChange(t.db, me.actor, { newEmail: first });
    const firstToken = await tokenSentTo(first);
    await requestEmailChange(t.db, me.actor, { newEmail: second });
    await expect(confirmEmailChange(t.db, firstToken)).rejects.toThrow(EMAIL_CHANGE_LINK_INVALID);
    const secondToken = await tokenSentTo(second);
    await cancelEmailChange(t.db, me.actor);
    await expect(confirmEmailChange(t.db, secondToken)).rejects.toThrow(EMAIL_CHANGE_LINK_INVALID);
    await expect(cancelEmailChange(t.db, me.actor)).rejects.toMatchObject({ status: 404 });
    const third = uniqueEmail('third');
    await requestEmailChange(t.db, me.actor, { newEmail: third });
    const thirdToken = await tokenSentTo(third);
    await t.db
      .update(emailChangeRequests)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(emailChangeRequests.tokenHash, sha256Hex(thirdToken)));
    await expect(confirmEmailChange(t.db, thirdToken)).rejects.toThrow(EMAIL_CHANGE_LINK_INVALID);
    expect(await emailOf(me.id)).toBe(me.email);
  });

  it('ends password reset links mailed to the old address', async () => {
    const me = await createUser(t.db);
    await t.db.insert(verifications).values({
      identifier: me.email,
      purpose: 'PASSWORD_RESET',
      tokenHash: sha256Hex(`reset-${me.id}`),
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const next = uniqueEmail('moved');
    await requestEmailChange(t.db, me.actor, { newEmail: next });
    await confirmEmailChange(t.db, await tokenSentTo(next));
    const [reset] = await t.db
      .select({ usedAt: verifications.usedAt })
      .from(verifications)
      .where(eq(verifications.tokenHash, sha256Hex(`reset-${me.id}`)));
    expect(reset?.usedAt).toBeInstanceOf(Date);
  });
});
