// Two production app processes (A and B) on ONE PostgreSQL database, as behind a load balancer (issue 9):
// a session made on A is valid on B, the sign-in throttle counts across both, 20 concurrent calls of one
// cron job spread over both run it once, and a key revoked on A is refused by B at once. Nothing is held
// in process memory that the next request might meet on the other instance. Plain HTTP to 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { userActor } from '~/audit/audit.server';
import { SIGN_IN_LIMIT } from '~/auth/accounts.server';
import { createPasswordUser } from '~/auth/test-helpers.server';
import { createOrganization } from '~/orgs/organizations.server';
import { type Connection, connectPostgres } from '~db/client.server';
import { cloneTemplate, databaseUrl, dropDatabase, ensureTemplate } from '../support/pg';
import { type Instance, SHARED_SECRETS, startInstance } from './instances';

// Set by global-setup only when the production build exists and the database is PostgreSQL
// (PGlite allows one process; without Chromium nothing is built).
const available = inject('e2eDatabaseUrl') !== null;
const describeInstances = available
  ? describe
  : describe.skip.bind(describe, 'several instances (needs the e2e build on PostgreSQL): skipped');

const id = () => randomBytes(4).toString('hex');

/** A form POST as a browser without JavaScript sends it: same Origin as the instance addressed. */
function postForm(instance: Instance, path: string, form: Record<string, string>, cookie?: string) {
  return fetch(`${instance.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      origin: instance.url,
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(form),
  });
}

/** The cookie header a browser would send back after `res` (name=value pairs of its Set-Cookie). */
function cookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

async function signIn(instance: Instance, email: string, password: string): Promise<string> {
  const res = await postForm(instance, '/login', { email, password, redirectTo: '/orgs' });
  expect(res.status, `sign-in on ${instance.name}: ${await res.clone().text()}`).toBe(302);
  const cookie = cookieOf(res);
  expect(cookie).not.toBe('');
  return cookie;
}

describeInstances('several instances on one database', () => {
  let dbName: string | undefined;
  let conn: Connection | undefined;
  let raw: postgres.Sql | undefined;
  let a: Instance;
  let b: Instance;
  const db = () => {
    if (!conn) throw new Error('database not ready');
    return conn.db;
  };
  const sql = () => {
    if (!raw) throw new Error('database not ready');
    return raw;
  };

  beforeAll(async () => {
    dbName = await cloneTemplate(await ensureTemplate());
    const url = databaseUrl(dbName);
    conn = connectPostgres(url, { max: 4 });
    raw = postgres(url, { max: 2, onnotice: () => {} });
    [a, b] = await Promise.all([startInstance('A', url), startInstance('B', url)]);
  }, 90_000);

  afterAll(async () => {
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await conn?.close();
    await raw?.end({ timeout: 1 });
    if (dbName) await dropDatabase(dbName);
    // Both drained and exited cleanly on SIGTERM.
    expect(codes).toEqual([0, 0]);
  }, 30_000);

  it('a session made on A is valid on B', async () => {
    const user = await createPasswordUser(db(), { email: `session-${id()}@example.com` });
    const cookie = await signIn(a, user.email, user.password);

    const onB = await fetch(`${b.url}/settings/profile`, { headers: { cookie }, redirect: 'manual' });
    expect(onB.status).toBe(200);
    expect(await onB.text()).toContain(user.email);
    // Without the cookie B sends the visitor to sign in: the 200 above is the session's doing.
    const anonymous = await fetch(`${b.url}/settings/profile`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/login/);
  });

  it('the sign-in throttle counts failures on A and B together', async () => {
    const user = await createPasswordUser(db(), { email: `throttle-${id()}@example.com` });
    const wrong = { email: user.email, password: 'not-the-password-123' };
    // SIGN_IN_LIMIT (5) failures alternating A, B, A, B, A: each instance saw at most 3.
    for (let i = 0; i < SIGN_IN_LIMIT; i++) {
      const instance = i % 2 === 0 ? a : b;
      const res = await postForm(instance, '/login', wrong);
      expect(res.status, `attempt ${i + 1} on ${instance.name}`).toBe(401);
    }
    // The 6th is refused whichever instance answers, even with the right password.
    for (const [instance, password] of [
      [b, wrong.password],
      [a, wrong.password],
      [b, user.password],
    ] as const) {
      const res = await postForm(instance, '/login', { email: user.email, password });
      expect(res.status, `over the limit on ${instance.name}`).toBe(429);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    // One count in the shared table, not one per process: 5 failures + 3 refused attempts.
    const [counted] = await sql()<{ n: number }[]>`
      SELECT coalesce(sum(count), 0)::int AS n FROM rate_limits WHERE key LIKE ${`login:${user.email}:%`}`;
    expect(counted?.n).toBe(SIGN_IN_LIMIT + 3);
  });

  it('20 concurrent calls of one cron job over A and B run it exactly once', async () => {
    // Something for the run to do: one expired PENDING invitation, expired once and audited once.
    const owner = await createPasswordUser(db(), { email: `cron-${id()}@example.com` });
    const actor = { ...userActor(owner.id), userId: owner.id };
    const organization = await createOrganization(db(), actor, { name: 'Cron Org', slug: `cron-${id()}` });
    const [invitation] = await sql()<{ id: string }[]>`
      INSERT INTO invitations (organization_id, email, inviter_id, token_hash, expires_at)
      VALUES (${organization.id}, ${`late-${id()}@example.com`}, ${owner.id}, ${id() + id()}, now() - interval '1 hour')
      RETURNING id`;

    // The job is a few milliseconds of SQL: fast enough for one run to finish before a late request
    // arrives, which would then rightly run again. A SHARE lock on invitations holds the first run inside
    // its UPDATE until all others have answered, so every call overlaps the one run, as in a slow job.
    let answered = 0;
    const calls: Promise<{ status: number; body: { status?: string; counts?: Record<string, number> } }>[] =
      [];
    await sql().begin(async (tx) => {
      await tx`LOCK TABLE invitations IN SHARE MODE`;
      for (let i = 0; i < 20; i++) {
        const instance = i % 2 === 0 ? a : b;
        calls.push(
          fetch(`${instance.url}/cron/expire-invitations`, {
            method: 'POST',
            headers: { authorization: `Bearer ${SHARED_SECRETS.CRON_SECRET}` },
            signal: AbortSignal.timeout(30_000),
          })
            .then(async (res) => ({ status: res.status, body: await res.json() }))
            .finally(() => answered++),
        );
      }
      const deadline = Date.now() + 20_000;
      while (answered < 19 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    });
    const results = await Promise.all(calls);

    const statuses = results.map((r) => r.status).sort((x, y) => x - y);
    expect(statuses).toEqual([200, ...Array<number>(19).fill(409)]);
    const ran = results.find((r) => r.status === 200);
    expect(ran?.body).toMatchObject({ status: 'succeeded', counts: { invitations: 1 } });
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.status).toBe('skipped');

    const runs = await sql()<{ status: string; n: number }[]>`
      SELECT status, count(*)::int AS n FROM cron_runs WHERE job = 'expire-invitations'
      GROUP BY status ORDER BY status::text`;
    expect(runs.map((r) => [r.status, r.n])).toEqual([
      ['SKIPPED', 19],
      ['SUCCEEDED', 1],
    ]);
    const [state] = await sql()<{ status: string; audited: number }[]>`
      SELECT i.status,
        (SELECT count(*)::int FROM audit_logs WHERE action = 'invitation.expired' AND entity_id = i.id) AS audited
      FROM invitations i WHERE i.id = ${invitation?.id ?? ''}`;
    expect(state).toEqual({ status: 'EXPIRED', audited: 1 });
  });

  it('an API key revoked on A is refused by B at once', async () => {
    const owner = await createPasswordUser(db(), { email: `keys-${id()}@example.com` });
    const actor = { ...userActor(owner.id), userId: owner.id };
    const slug = `keys-${id()}`;
    const organization = await createOrganization(db(), actor, { name: 'Keys Org', slug });
    const key = await createApiKey(db(), actor, {
      organizationId: organization.id,
      name: 'Shared key',
      scopes: ['usage:read'],
    });
    const usageOnB = () =>
      fetch(`${b.url}/api/v1/orgs/${slug}/usage`, { headers: { authorization: `Bearer ${key.key}` } });

    expect((await usageOnB()).status).toBe(200);

    // Revoked through A's API keys page, as the owner (confirm=yes: the confirmation step's answer).
    const cookie = await signIn(a, owner.email, owner.password);
    const revoked = await postForm(
      a,
      `/o/${slug}/api-keys`,
      { intent: 'revoke', apiKeyId: key.id, confirm: 'yes' },
      cookie,
    );
    expect(revoked.status, await revoked.clone().text()).toBe(302);

    const refused = await usageOnB();
    expect(refused.status).toBe(401);
    expect(JSON.stringify(await refused.json())).toContain('revoked');
  });
});
