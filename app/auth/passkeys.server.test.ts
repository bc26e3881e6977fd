// Passkeys end to end on the server, answered by a software authenticator: registration, sign-in as a
// whole sign-in, re-authentication, and every refusal the issue names (another user's passkey, a wrong
// origin or RP ID, a replayed challenge) — each leaves nothing changed.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createUser } from '~/orgs/test-support';
import { auditLogs, emailLogs, webauthnChallenges, webauthnCredentials } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import {
  authenticationResponseSchema,
  countPasskeys,
  finishPasskeyRegistration,
  listPasskeys,
  PASSKEY_EXPIRED,
  parseCredentialJson,
  registrationResponseSchema,
  relyingParty,
  removePasskey,
  signInWithPasskey,
  startPasskeyReauthentication,
  startPasskeyRegistration,
  startPasskeySignIn,
  verifyPasskeyReauthentication,
} from './passkeys.server';
import { TestPasskey } from './passkeys.test-authenticator';

const t = useTestDatabase();

const device = () => new TestPasskey(relyingParty().origin, relyingParty().id);

async function registered(name = 'Laptop') {
  const user = await createUser(t.db);
  const passkey = device();
  const options = await startPasskeyRegistration(t.db, user.actor);
  const row = await finishPasskeyRegistration(t.db, user.actor, null, {
    name,
    response: passkey.register(options),
  });
  return { user, passkey, row };
}

async function auditCount(userId: string, action: string) {
  const rows = await t.db
    .select({ id: auditLogs.id })
    .from(auditLogs)
    .where(and(eq(auditLogs.userId, userId), eq(auditLogs.action, action)));
  return rows.length;
}

describe('passkey registration', () => {
  it('stores a named passkey for the user, audited, and lists it with its last use', async () => {
    const { user, row } = await registered('Work laptop');
    const list = await listPasskeys(t.db, user.id);
    expect(list).toEqual([expect.objectContaining({ id: row.id, name: 'Work laptop', lastUsedAt: null })]);
    expect(await auditCount(user.id, 'second_factor.added')).toBe(1);
  });

  it('registers several, each a factor change (audited, emailed)', async () => {
    const user = await createUser(t.db);
    const seen: string[] = [];
    for (const name of ['Phone', 'Security key']) {
      const options = await startPasskeyRegistration(t.db, user.actor);
      const added = await finishPasskeyRegistration(t.db, user.actor, null, {
        name,
        response: device().register(options),
      });
      seen.push(added.name);
    }
    expect(seen).toEqual(['Phone', 'Security key']);
    // Each addition is a factor change: audited and emailed (afterFactorChange).
    expect(await auditCount(user.id, 'second_factor.added')).toBe(2);
    const mails = await t.db
      .select({ id: emailLogs.id })
      .from(emailLogs)
      .where(and(eq(emailLogs.entityId, user.id), eq(emailLogs.template, 'second-factor-changed')));
    expect(mails).toHaveLength(2);
    expect((await listPasskeys(t.db, user.id)).map((p) => p.name)).toEqual(['Phone', 'Security key']);
  });

  it('offers the existing passkeys as excluded, so one device is not registered twice', async () => {
    const { user, passkey } = await registered();
    const options = await startPasskeyRegistration(t.db, user.actor);
    expect(options.excludeCredentials?.map((c) => c.id)).toEqual([passkey.id]);
    expect(options.rp.id).toBe(relyingParty().id);
    expect(options.authenticatorSelection?.userVerification).toBe('required');
    // And if a browser ignores the hint, the second registration of that credential is refused.
    await expect(
      finishPasskeyRegistration(t.db, user.actor, null, {
        name: 'Again',
        response: passkey.register(options),
      }),
    ).rejects.toThrow('already registered');
    expect(await countPasskeys(t.db, user.id)).toBe(1);
  });

  it('refuses a wrong origin, a wrong RP ID, no user verification, a blank name — and stores nothing', async () => {
    const user = await createUser(t.db);
    const cases = [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { noUserVerification: true },
    ];
    for (const overrides of cases) {
      const options = await startPasskeyRegistration(t.db, user.actor);
      await expect(
        finishPasskeyRegistration(t.db, user.actor, null, {
          name: 'Bad',
          response: device().register(options, overrides),
        }),
      ).rejects.toMatchObject({ status: 401 });
    }
    const options = await startPasskeyRegistration(t.db, user.actor);
    await expect(
      finishPasskeyRegistration(t.db, user.actor, null, {
        name: '   ',
        response: device().register(options),
      }),
    ).rejects.toThrow('Give the passkey a name');
    expect(await countPasskeys(t.db, user.id)).toBe(0);
  });

  it('refuses a replayed registration and a challenge issued to another user', async () => {
    const user = await createUser(t.db);
    const other = await createUser(t.db);
    const options = await startPasskeyRegistration(t.db, user.actor);
    const passkey = device();
    const response = passkey.register(options);
    await finishPasskeyRegistration(t.db, user.actor, null, { name: 'Once', response });
    await expect(
      finishPasskeyRegistration(t.db, user.actor, null, { name: 'Twice', response }),
    ).rejects.toThrow(PASSKEY_EXPIRED);
    const theirs = await startPasskeyRegistration(t.db, other.actor);
    await expect(
      finishPasskeyRegistration(t.db, user.actor, null, {
        name: 'Stolen',
        response: device().register(theirs),
      }),
    ).rejects.toThrow(PASSKEY_EXPIRED);
    expect(await countPasskeys(t.db, user.id)).toBe(1);
    expect(await countPasskeys(t.db, other.id)).toBe(0);
  });

  it('refuses an expired challenge', async () => {
    const user = await createUser(t.db);
    const options = await startPasskeyRegistration(t.db, user.actor);
    await t.db
      .update(webauthnChallenges)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(webauthnChallenges.challenge, options.challenge));
    await expect(
      finishPasskeyRegistration(t.db, user.actor, null, {
        name: 'Late',
        response: device().register(options),
      }),
    ).rejects.toThrow(PASSKEY_EXPIRED);
  });

  it('removes only the actor’s own passkey, as a factor change', async () => {
    const { user, row } = await registered();
    const other = await createUser(t.db);
    await expect(removePasskey(t.db, other.actor, null, row.id)).rejects.toMatchObject({ status: 404 });
    expect(await countPasskeys(t.db, user.id)).toBe(1);
    await removePasskey(t.db, user.actor, null, row.id);
    expect(await countPasskeys(t.db, user.id)).toBe(0);
    expect(await auditCount(user.id, 'second_factor.removed')).toBe(1);
  });
});

describe('passkey sign-in', () => {
  it('signs the passkey’s user in, records the use and an audited sign-in', async () => {
    const { user, passkey, row } = await registered();
    const options = await startPasskeySignIn(t.db, { ipAddress: '203.0.113.9' });
    expect(options.rpId).toBe(relyingParty().id);
    expect(options.userVerification).toBe('required');
    const signedIn = await signInWithPasskey(t.db, passkey.authenticate(options), {
      ipAddress: '203.0.113.9',
    });
    expect(signedIn.id).toBe(user.id);
    const [stored] = await t.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.id, row.id));
    expect(stored?.lastUsedAt).toBeInstanceOf(Date);
    expect(await auditCount(user.id, 'user.signed_in_with_passkey')).toBe(1);
  });

  it('refuses a replayed assertion, a wrong origin, a wrong RP ID and a missing user verification', async () => {
    const { user, passkey } = await registered();
    const options = await startPasskeySignIn(t.db);
    const response = passkey.authenticate(options);
    await signInWithPasskey(t.db, response);
    await expect(signInWithPasskey(t.db, response)).rejects.toThrow(PASSKEY_EXPIRED);
    for (const overrides of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { noUserVerification: true },
    ]) {
      const fresh = await startPasskeySignIn(t.db);
      await expect(signInWithPasskey(t.db, passkey.authenticate(fresh, overrides))).rejects.toMatchObject({
        status: 401,
      });
    }
    expect(await auditCount(user.id, 'user.signed_in_with_passkey')).toBe(1);
  });

  it('refuses an unknown passkey, and a user handle naming another user', async () => {
    const { passkey } = await registered();
    const other = await createUser(t.db);
    const stranger = device();
    await expect(
      signInWithPasskey(t.db, stranger.authenticate(await startPasskeySignIn(t.db))),
    ).rejects.toMatchObject({ status: 401 });
    const otherHandle = Buffer.from(other.id).toString('base64url');
    await expect(
      signInWithPasskey(
        t.db,
        passkey.authenticate(await startPasskeySignIn(t.db), { userHandle: otherHandle }),
      ),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a counting authenticator whose count goes backwards (a cloned key)', async () => {
    const user = await createUser(t.db);
    const passkey = new TestPasskey(relyingParty().origin, relyingParty().id, true);
    const reg = await startPasskeyRegistration(t.db, user.actor);
    await finishPasskeyRegistration(t.db, user.actor, null, { name: 'Key', response: passkey.register(reg) });
    await signInWithPasskey(t.db, passkey.authenticate(await startPasskeySignIn(t.db)));
    await t.db
      .update(webauthnCredentials)
      .set({ counter: 1000 })
      .where(eq(webauthnCredentials.userId, user.id));
    await expect(
      signInWithPasskey(t.db, passkey.authenticate(await startPasskeySignIn(t.db))),
    ).rejects.toMatchObject({
      status: 401,
    });
  });
});

describe('passkey re-authentication', () => {
  it('accepts the user’s own passkey and refuses another user’s', async () => {
    const mine = await registered();
    const theirs = await registered();
    const options = await startPasskeyReauthentication(t.db, mine.user.id);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([mine.passkey.id]);
    await expect(
      verifyPasskeyReauthentication(t.db, mine.user.id, mine.passkey.authenticate(options)),
    ).resolves.toEqual({ passkeyId: mine.row.id });
    const again = await startPasskeyReauthentication(t.db, mine.user.id);
    await expect(
      verifyPasskeyReauthentication(t.db, mine.user.id, theirs.passkey.authenticate(again)),
    ).rejects.toThrow('belongs to another account');
    // A sign-in challenge is not a re-authentication challenge.
    const signIn = await startPasskeySignIn(t.db);
    await expect(
      verifyPasskeyReauthentication(t.db, mine.user.id, mine.passkey.authenticate(signIn)),
    ).rejects.toThrow(PASSKEY_EXPIRED);
  });

  it('says so when the user has no passkey', async () => {
    const user = await createUser(t.db);
    await expect(startPasskeyReauthentication(t.db, user.id)).rejects.toThrow('no passkey');
  });
});

describe('passkey responses as form fields', () => {
  it('parses good JSON and refuses junk with a 400', async () => {
    const { passkey } = await registered();
    const good = JSON.stringify(passkey.authenticate(await startPasskeySignIn(t.db)));
    expect(parseCredentialJson(authenticationResponseSchema, good).id).toBe(passkey.id);
    for (const junk of [
      undefined,
      '',
      '{',
      '[]',
      '{"id":"x"}',
      JSON.stringify({ ...JSON.parse(good), type: 'x' }),
    ]) {
      expect(() => parseCredentialJson(authenticationResponseSchema, junk)).toThrow(/passkey response/);
      expect(() => parseCredentialJson(registrationResponseSchema, junk)).toThrow(/passkey response/);
    }
  });
});
