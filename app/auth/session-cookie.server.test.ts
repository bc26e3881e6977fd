// On https the session cookie is `__Host-session` (Secure, path /, no Domain): a sibling subdomain cannot
// plant or overwrite it (issue 8 §6). This file has its own database, so Lucia is built after APP_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '~/env.server';
import { createUser } from '~/orgs/test-support';
import { useTestDatabase } from '../../tests/support/db';
import { createUserSession, getAuth } from './sessions.server';

const t = useTestDatabase();
const saved = process.env.APP_URL;

beforeAll(() => {
  process.env.APP_URL = 'https://app.example.com';
  resetEnvCache();
});
afterAll(() => {
  if (saved === undefined) delete process.env.APP_URL;
  else process.env.APP_URL = saved;
  resetEnvCache();
});

describe('the session cookie on https', () => {
  it('is __Host-session, Secure, path /, without Domain; the plain name is not read', async () => {
    const user = await createUser(t.db);
    const setCookie = await createUserSession(t.db, user.id, new Request('https://app.example.com/login'));
    expect(setCookie).toMatch(/^__Host-session=/);
    expect(setCookie).toMatch(/;\s*Secure/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
    expect(setCookie).not.toMatch(/Domain=/i);
    const pair = setCookie.split(';')[0]!;
    const page = (cookie: string) => new Request('https://app.example.com/settings', { headers: { cookie } });
    expect((await getAuth(page(pair), t.db))?.user.id).toBe(user.id);
    // The same token under the plain name (what a sibling app could set) signs nobody in.
    expect(await getAuth(page(pair.replace('__Host-session=', 'session=')), t.db)).toBeNull();
  });
});
