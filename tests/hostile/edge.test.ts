// The Express layer as the production server runs it (issue 8 §2–4, §7): body limits on the stream,
// the input guard, the route-manifest guard, caching and transport headers, the escaped-error net.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieName } from '~/lib/cookies';
import { FORM_BODY_LIMIT, JSON_BODY_LIMIT } from '~/lib/edge';
import { strictTransportSecurity } from '~/lib/security-headers.server';
import { cookieFor, createOrg, type TestUser } from '~/orgs/test-support';
import { useAppTestDatabase } from '../support/db';
import { startAppServer } from './app-server';

const t = useAppTestDatabase();
let base: string;
let stop: () => Promise<void>;
let owner: TestUser;
let slug: string;

beforeAll(async () => {
  ({ base, stop } = await startAppServer());
  const { organization, owner: o } = await createOrg(t.db);
  owner = o;
  slug = organization.slug;
});
afterAll(() => stop?.());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request; `chunks` are written one by one with Transfer-Encoding: chunked (no Content-Length). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: (string | Buffer)[] = [],
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/`, { method, path, headers: { origin: base, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // The server may answer 413 and close before the whole body is written: that is the point.
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(err)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

describe('body size limits (on the stream, chunked included)', () => {
  it('answers 413 to a chunked form body over 1 MB that declares no length', async () => {
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const res = await send('POST', '/login', FORM, [
      Buffer.from('email='),
      chunk,
      chunk,
      chunk,
      chunk,
      chunk,
    ]);
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/larger than/);
  });

  it('answers 413 from Content-Length alone, and lets a form under the limit through', async () => {
    const over = await send('POST', '/login', { ...FORM, 'content-length': String(FORM_BODY_LIMIT + 1) }, []);
    expect(over.status).toBe(413);
    const under = await send('POST', '/login', FORM, [`email=a%40b.c&password=${'x'.repeat(1000)}`]);
    expect(under.status).toBe(400);
  });

  it('allows JSON up to 2 MB and refuses chunked JSON past it', async () => {
    const padding = 'a'.repeat(1.5 * 1024 * 1024);
    const ok = await send('POST', '/api/v1/auth/token', JSON_TYPE, [
      `{"email":"a@b.c","password":"x","p":"${padding}"}`,
    ]);
    expect(ok.status).toBeLessThan(413); // the route's own answer (400/401), not the limit's
    expect(ok.body).not.toMatch(/larger than/);
    const big = Buffer.alloc(512 * 1024, 'a');
    const res = await send('POST', '/api/v1/auth/token', JSON_TYPE, [
      Buffer.from('{"p":"'),
      big,
      big,
      big,
      big,
      big,
    ]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({
      error: {
        code: 'payload_too_large',
        message: `The request body is larger than ${JSON_BODY_LIMIT} bytes.`,
      },
    });
  });
});

describe('input guard', () => {
  it('refuses NUL in a form field, a query parameter and a path segment with 400', async () => {
    expect((await send('POST', '/login', FORM, ['email=a%00b&password=x'])).status).toBe(400);
    expect((await send('GET', '/o/x/audit?actor=a%00b', {})).status).toBe(400);
    expect((await send('GET', `/o/${slug}%00/members`, {})).status).toBe(400);
  });

  it('refuses lone surrogates and NULs in JSON strings, and JSON nested too deep', async () => {
    const lone = await send('POST', '/api/v1/auth/token', JSON_TYPE, [
      '{"email":"\\ud800@x.y","password":"p"}',
    ]);
    expect(lone.status).toBe(400);
    expect(JSON.parse(lone.body).error.message).toMatch(/^email: /);
    expect((await send('POST', '/api/v1/auth/token', JSON_TYPE, ['{"email":"a\\u0000"}'])).status).toBe(400);
    const deep = await send('POST', '/api/v1/auth/token', JSON_TYPE, ['['.repeat(50_000)]);
    expect(deep.status).toBe(400);
    expect(deep.body).toMatch(/nested/);
  });

  it('answers a page POST with no body or no Content-Type 415 with a message, not 500', async () => {
    const res = await send('POST', '/login', {});
    expect(res.status).toBe(415);
    expect(res.body).toMatch(/x-www-form-urlencoded/);
    expect((await send('POST', '/login', { 'content-type': 'text/plain' }, ['a=1'])).status).toBe(415);
  });
});

describe('route manifest (Remix lazy discovery)', () => {
  it('answers at most 100 paths in at most 8 KB of query, 400 beyond', async () => {
    const paths = (n: number) =>
      Array.from({ length: n }, (_, i) => `p=${encodeURIComponent(`/o/x${i}`)}`).join('&');
    expect((await send('GET', `/__manifest?${paths(101)}&version=test`, {})).status).toBe(400);
    expect((await send('GET', `/__manifest?p=${'/a'.repeat(4200)}`, {})).status).toBe(400);
    expect((await send('POST', '/__manifest?p=/', FORM, ['a=1'])).status).toBe(400);
    expect((await send('GET', `/__manifest?${paths(3)}&version=test`, {})).status).toBeLessThan(500);
  });
});

describe('caching and transport headers', () => {
  it('sends Cache-Control: no-store on signed-in pages and on JSON API answers', async () => {
    const cookie = await cookieFor(t.db, owner.id);
    const page = await send('GET', `/o/${slug}/members`, { cookie });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const api = await send('POST', '/api/v1/auth/token', JSON_TYPE, ['{"email":"a@b.c","password":"x"}']);
    expect(api.headers['cache-control']).toBe('no-store');
    // A public document the route chose to cache stays cacheable for anonymous visitors only.
    expect((await send('GET', '/api/v1/openapi.json', {})).headers['cache-control']).toMatch(/public/);
    expect((await send('GET', '/api/v1/openapi.json', { cookie })).headers['cache-control']).toBe('no-store');
  });

  it('turns on HSTS and __Host- cookie names for an https APP_URL only', () => {
    expect(strictTransportSecurity('https://app.example')).toMatch(/max-age=\d{7,}/);
    expect(strictTransportSecurity('http://localhost:3000')).toBeNull();
    expect(cookieName('session', 'https://app.example')).toBe('__Host-session');
  });
});

describe('errors escaping a route', () => {
  it('a PostgreSQL data exception or zod error that escapes a route is a 4xx page, not a 500', async () => {
    const cookie = await cookieFor(t.db, owner.id);
    // Before the date schema, this day reached PostgreSQL (22008); either way it must not be a 500.
    const res = await send('GET', `/o/${slug}/audit?from=2026-02-31`, { cookie });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
    const unknownRole = await send('POST', `/o/${slug}/members`, { ...FORM, cookie }, [
      'intent=change-role&memberId=nope&role=__proto__',
    ]);
    expect(unknownRole.status).toBeGreaterThanOrEqual(400);
    expect(unknownRole.status).toBeLessThan(500);
  });
});

describe('a throttled form answers 429 with Retry-After through the whole stack', () => {
  it('the sixth wrong password for one email gets 429 and the header (Remix keeps it via `headers`)', async () => {
    const body = `email=${encodeURIComponent(`throttle-${Date.now()}@example.com`)}&password=wrong-password-1`;
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 6; i++) {
      last = await send('POST', '/login', FORM, [body]);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 401 || s === 400)).toBe(true);
    expect(last?.status).toBe(429);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
  });
});
