// Open redirect (issue 8 §2): every redirectTo goes through safeRedirectPath, which checks the path it
// returns (URL parsing turns `/.//evil` into `//evil`), for sign-in (signed in or not), sign-up and email
// verification.
import { describe, expect, it } from 'vitest';
import { useAppTestDatabase } from '../../tests/support/db';
import { action as loginAction, loader as loginLoader } from '../routes/login';
import { loader as signupLoader } from '../routes/signup';
import { safeRedirectPath } from './redirect';
import { createUserSession } from './sessions.server';
import { call, createPasswordUser, makeRequest, outcome } from './test-helpers.server';

const t = useAppTestDatabase();

const HOSTILE = [
  '/.//evil.example',
  '/././/evil.example/x',
  '/a/..//evil.example',
  '/..//evil.example',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  '/%2F%2Fevil.example',
  '/%2f/evil.example',
  '/%5C%5Cevil.example',
  'https://evil.example',
  'HTTPS://evil.example',
  'http:evil.example',
  '//evil.example@localhost',
  'javascript:alert(1)',
  ' /\t/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n//evil.example',
  '/\u0000//evil.example',
  ' https://evil.example',
  'evil.example',
  '',
];

/** Where a browser would go when it follows `location` from our origin. */
const originOf = (location: string) => new URL(location, 'http://localhost:3000').origin;

describe('safeRedirectPath', () => {
  it.each(HOSTILE)('refuses %j', (value) => {
    const result = safeRedirectPath(value, '/orgs');
    expect(result).toBe('/orgs');
  });

  it('keeps same-origin paths with their query and hash, normalized', () => {
    expect(safeRedirectPath('/o/acme?tab=1#x')).toBe('/o/acme?tab=1#x');
    expect(safeRedirectPath('/invitations/abc123')).toBe('/invitations/abc123');
    expect(safeRedirectPath('/a/./b/../c')).toBe('/a/c');
    expect(safeRedirectPath('/search?q=//evil.example')).toBe('/search?q=//evil.example');
    expect(safeRedirectPath(null, '/orgs')).toBe('/orgs');
    expect(safeRedirectPath(undefined)).toBe('/');
  });

  it('whatever it returns is a same-origin path that does not start with // or /\\', () => {
    for (const value of HOSTILE) {
      const result = safeRedirectPath(value, '/fallback');
      expect(result.startsWith('/')).toBe(true);
      expect(result.startsWith('//') || result.startsWith('/\\')).toBe(false);
      expect(originOf(result)).toBe('http://localhost:3000');
    }
  });
});

describe('routes', () => {
  it.each(HOSTILE)('/login?redirectTo=%j, already signed in, redirects to /orgs', async (redirectTo) => {
    const user = await createPasswordUser(t.db);
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/'))).split(';')[0] as string;
    const res = await outcome(
      await call(loginLoader, makeRequest(`/login?${new URLSearchParams({ redirectTo })}`, { cookie })),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/orgs');
  });

  it.each(HOSTILE)('signing in with redirectTo=%j lands on /orgs', async (redirectTo) => {
    const user = await createPasswordUser(t.db);
    const res = await outcome(
      await call(
        loginAction,
        makeRequest('/login', { form: { email: user.email, password: user.password, redirectTo } }),
        {},
      ),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/orgs');
  });

  it('the sign-in form carries only the checked redirectTo, and so does the sign-up link', async () => {
    const res = await outcome(await call(loginLoader, makeRequest('/login?redirectTo=/.//evil.example')));
    expect(res.data).toMatchObject({ redirectTo: '/orgs' });
    const kept = await outcome(await call(loginLoader, makeRequest('/login?redirectTo=/invitations/abc')));
    expect(kept.data).toMatchObject({ redirectTo: '/invitations/abc' });
  });

  it('sign-up keeps a safe redirectTo and drops a hostile one; a signed-in visitor is sent on safely', async () => {
    const safe = await outcome(await call(signupLoader, makeRequest('/signup?redirectTo=/invitations/abc')));
    expect(safe.data).toMatchObject({ redirectTo: '/invitations/abc' });
    const hostile = await outcome(
      await call(signupLoader, makeRequest('/signup?redirectTo=/.//evil.example')),
    );
    expect(hostile.data).toMatchObject({ redirectTo: '' });
    const user = await createPasswordUser(t.db);
    const cookie = (await createUserSession(t.db, user.id, makeRequest('/'))).split(';')[0] as string;
    const away = await outcome(
      await call(signupLoader, makeRequest('/signup?redirectTo=/.//evil.example', { cookie })),
    );
    expect(away.headers.get('location')).toBe('/orgs');
  });
});
