// The CSRF check as the servers run it (issue 4 §7): a real HTTP server with the middleware in front.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfMiddleware } from './csrf-middleware';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) =>
    csrfMiddleware(req, res, () => {
      res.statusCode = 200;
      res.end('handled');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, headers: Record<string, string>) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: 'a=1',
  });

/** fetch() would resolve `..` itself; node:http sends the request target exactly as written. */
const rawPost = (path: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('a=1');
  });

describe('CSRF middleware', () => {
  it('answers 403 to a cookie-carrying POST from a foreign Origin, before the app sees it', async () => {
    const res = await post('/settings/sessions', { cookie: 'session=abc', origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/did not come from this site/);
  });

  it('answers 403 when only Sec-Fetch-Site says cross-site', async () => {
    const res = await post('/logout', { cookie: 'session=abc', 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
  });

  it('lets same-origin POSTs, origin-less cookie-less POSTs and the exempt prefixes through', async () => {
    expect((await post('/logout', { cookie: 'session=abc', origin: base })).status).toBe(200);
    expect((await post('/login', {})).status).toBe(200);
    for (const path of ['/api/v1/auth/token', '/webhooks/stripe', '/cron/send-emails']) {
      expect((await post(path, { cookie: 'session=abc', origin: 'https://evil.example' })).status).toBe(200);
    }
  });

  it('answers 403 to an anonymous cross-origin POST and to /api/../ paths', async () => {
    expect((await post('/login', { origin: 'https://evil.example' })).status).toBe(403);
    const hostile = { cookie: 'session=abc', origin: 'https://evil.example' };
    expect(await rawPost('/api/../logout', hostile)).toBe(403);
    expect(await rawPost('/webhooks/%2e%2e/settings/profile', hostile)).toBe(403);
    expect(await rawPost('/api/v1/auth/token', hostile)).toBe(200);
  });
});
