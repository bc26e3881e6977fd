// Prizes (issue 12 §4; seed 001 "Prize Deletion Policy"): create and edit with quantity > 0, soft
// deletion refused while active winners exist (seed 001's message), the RESTRICT of winners.prize_id in
// raw SQL (the code) and a foreign-key error reaching the service translated (the message).
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '~/lib/errors';
import { addMember } from '~/orgs/test-support';
import { pgErrorCode } from '~db/client.server';
import { auditLogs, prizes } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { drawWinners, revokeWinner } from './draws.server';
import {
  createPrize,
  deletePrize,
  explainPrizeForeignKeyError,
  listPrizes,
  prizeHasWinnersMessage,
  prizeView,
  updatePrize,
} from './prizes.server';
import { addPeople, eventOrg, samplePrize, sampleRoom } from './test-support';

const t = useTestDatabase();

const prizeRow = async (id: string) => (await t.db.select().from(prizes).where(eq(prizes.id, id)))[0]!;

async function prizeWithWinners(n: number) {
  const org = await eventOrg(t.db);
  const room = await sampleRoom(t.db, org);
  await addPeople(t.db, org, room.id, n + 1);
  const prize = await samplePrize(t.db, org, room.id, n);
  const ref = { organizationId: org.organization.id, roomId: room.id, prizeId: prize.id };
  const drawn = await drawWinners(t.db, org.owner.actor, ref);
  return { org, room, prize, ref, drawn };
}

describe('creating and editing prizes', () => {
  it('creates with quantity > 0 and a type from the locked manifest; edits; audited', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { organizer: org.member });
    const ref = { organizationId: org.organization.id, roomId: room.id };
    const prize = await createPrize(t.db, org.member.actor, {
      ...ref,
      name: ' Bicycle ',
      description: 'Red',
      quantity: 2,
      type: 'physical',
    });
    expect(prizeView(prize)).toMatchObject({
      name: 'Bicycle',
      description: 'Red',
      quantity: 2,
      type: 'physical',
      awarded: 0,
      remaining: 2,
    });
    for (const quantity of [0, -1, 1.5]) {
      await expect(createPrize(t.db, org.member.actor, { ...ref, name: 'X', quantity })).rejects.toThrow();
    }
    const badType = createPrize(t.db, org.member.actor, { ...ref, name: 'X', quantity: 1, type: 'crypto' });
    await expect(badType).rejects.toBeInstanceOf(ValidationFailed);
    await expect(badType).rejects.toThrow('one of physical, voucher');
    const edited = await updatePrize(t.db, org.member.actor, {
      ...ref,
      prizeId: prize.id,
      name: 'Tandem',
      quantity: 3,
      description: null,
    });
    expect(edited).toMatchObject({ name: 'Tandem', quantity: 3, description: null });
    await expect(updatePrize(t.db, org.member.actor, { ...ref, prizeId: prize.id })).rejects.toThrow(
      'at least one field',
    );
    expect((await listPrizes(t.db, org.owner.actor, ref)).map((p) => p.name)).toEqual(['Tandem']);
    const audits = await t.db
      .select({ action: auditLogs.action })
      .from(auditLogs)
      .where(eq(auditLogs.entityId, prize.id));
    expect(audits.map((a) => a.action).sort()).toEqual(['prize.created', 'prize.updated']);
  });

  it('the quantity never drops below the winners drawn', async () => {
    const { org, ref, prize } = await prizeWithWinners(2);
    const refused = updatePrize(t.db, org.owner.actor, { ...ref, quantity: 1 });
    await expect(refused).rejects.toBeInstanceOf(Conflict);
    await expect(refused).rejects.toThrow('2 winner(s) have been drawn');
    expect((await prizeRow(prize.id)).quantity).toBe(2);
    expect((await updatePrize(t.db, org.owner.actor, { ...ref, quantity: 5 })).quantity).toBe(5);
  });

  it('the matrix and other organizations: 403 for another MEMBER’s room, 404 for foreign ids', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { organizer: org.member });
    const colleague = await addMember(t.db, org.organization.id, 'MEMBER');
    const ref = { organizationId: org.organization.id, roomId: room.id };
    await expect(
      createPrize(t.db, colleague.actor, { ...ref, name: 'X', quantity: 1 }),
    ).rejects.toBeInstanceOf(Forbidden);
    await expect(
      createPrize(t.db, org.billing.actor, { ...ref, name: 'X', quantity: 1 }),
    ).rejects.toBeInstanceOf(Forbidden);
    const prize = await createPrize(t.db, org.admin.actor, { ...ref, name: 'By admin', quantity: 1 });
    await expect(deletePrize(t.db, colleague.actor, { ...ref, prizeId: prize.id })).rejects.toBeInstanceOf(
      Forbidden,
    );
    const other = await eventOrg(t.db);
    const theirRoom = await sampleRoom(t.db, other);
    const theirPrize = await samplePrize(t.db, other, theirRoom.id);
    await expect(
      updatePrize(t.db, org.owner.actor, { ...ref, prizeId: theirPrize.id, name: 'Mine now' }),
    ).rejects.toThrow('Prize not found');
    await expect(
      deletePrize(t.db, org.owner.actor, { ...ref, prizeId: theirPrize.id }),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      createPrize(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        roomId: theirRoom.id,
        name: 'X',
        quantity: 1,
      }),
    ).rejects.toThrow('Room not found');
    expect((await prizeRow(theirPrize.id)).name).toBe(theirPrize.name);
  });

  it('a closed room’s prizes no longer change', async () => {
    const org = await eventOrg(t.db);
    const room = await sampleRoom(t.db, org, { status: 'COMPLETED' });
    await expect(
      createPrize(t.db, org.owner.actor, {
        organizationId: org.organization.id,
        roomId: room.id,
        name: 'X',
        quantity: 1,
      }),
    ).rejects.toThrow('The room is completed: its prizes can no longer change.');
  });
});

describe('deleting prizes (seed 001 "Prize Deletion Policy")', () => {
  it('is refused while active winners exist, with seed 001’s message; allowed once they are revoked', async () => {
    const { org, ref, prize, drawn } = await prizeWithWinners(2);
    const refused = deletePrize(t.db, org.owner.actor, ref);
    await expect(refused).rejects.toBeInstanceOf(Conflict);
    await expect(refused).rejects.toThrow('Cannot delete prize: 2 winner(s) exist. Revoke winners first.');
    expect((await prizeRow(prize.id)).deletedAt).toBeNull();
    for (const w of drawn)
      await revokeWinner(t.db, org.owner.actor, {
        organizationId: ref.organizationId,
        roomId: ref.roomId,
        winnerId: w.id,
      });
    const deleted = await deletePrize(t.db, org.owner.actor, ref);
    expect(deleted.deletedAt).not.toBeNull();
    // A soft delete: the row and its (revoked) winner history stay; lists hide it; it is gone for writes.
    expect(await prizeRow(prize.id)).toBeDefined();
    expect(await listPrizes(t.db, org.owner.actor, ref)).toHaveLength(0);
    await expect(deletePrize(t.db, org.owner.actor, ref)).rejects.toThrow('Prize not found');
    await expect(drawWinners(t.db, org.owner.actor, ref)).rejects.toThrow('Prize not found');
    const [audit] = await t.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, prize.id), eq(auditLogs.action, 'prize.deleted')));
    expect(audit).toBeDefined();
  });

  it('raw SQL: a hard delete of a prize with winners (even revoked ones) fails with the foreign-key code', async () => {
    const { org, ref, prize, drawn } = await prizeWithWinners(1);
    const code = () =>
      t.db.execute(sql`DELETE FROM prizes WHERE id = ${prize.id}`).then(
        () => null,
        (err) => pgErrorCode(err),
      );
    expect(['23503', '23001']).toContain(await code());
    await revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: drawn[0]!.id });
    expect(['23503', '23001']).toContain(await code());
    expect(await prizeRow(prize.id)).toBeDefined();
  });

  it('a foreign-key error that reaches the service becomes seed 001’s message, not a 500', async () => {
    const { org, ref, prize, drawn } = await prizeWithWinners(1);
    // The driver's own error, as Drizzle wraps it.
    const raw = await t.db.execute(sql`DELETE FROM prizes WHERE id = ${prize.id}`).catch((e: unknown) => e);
    const translated = await explainPrizeForeignKeyError(t.db, prize.id, raw);
    expect(translated).toBeInstanceOf(Conflict);
    expect((translated as Conflict).message).toBe(prizeHasWinnersMessage(1));
    const other = new Error('something else');
    expect(await explainPrizeForeignKeyError(t.db, prize.id, other)).toBe(other);

    // And through deletePrize itself: a trigger (standing in for any future hard delete underneath the
    // soft delete) hard-deletes the prize; RESTRICT refuses, the service answers with the explanation.
    await revokeWinner(t.db, org.owner.actor, { ...ref, winnerId: drawn[0]!.id });
    await t.db.execute(sql`CREATE FUNCTION test_hard_delete_prize() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM prizes WHERE id = NEW.id; RETURN NULL; END; $$`);
    await t.db.execute(sql`CREATE TRIGGER test_hard_delete_prize AFTER UPDATE OF deleted_at ON prizes
      FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION test_hard_delete_prize()`);
    try {
      const refused = deletePrize(t.db, org.owner.actor, ref);
      await expect(refused).rejects.toBeInstanceOf(Conflict);
      await expect(refused).rejects.toThrow('Cannot delete prize: 1 winner(s) exist. Revoke winners first.');
    } finally {
      await t.db.execute(sql`DROP TRIGGER test_hard_delete_prize ON prizes`);
      await t.db.execute(sql`DROP FUNCTION test_hard_delete_prize()`);
    }
    expect((await prizeRow(prize.id)).deletedAt).toBeNull();
  });
});
