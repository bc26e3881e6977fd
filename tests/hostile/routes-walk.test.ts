// Issue 8 §2: every page and API route, fed a small catalogue of hostile input as an anonymous visitor
// and as a signed-in OWNER, must answer 4xx (or 2xx/3xx), never 5xx. The routes are enumerated from
// app/routes, so a new route is walked without editing this file; form field names and intents are read
// from each route's source. Runs through the real Express layer (tests/hostile/app-server.ts).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '~/api-keys/api-keys.server';
import { accessTokenFor } from '~/api-keys/test-support';
import { inviteMember } from '~/orgs/invitations.server';
import { createProject } from '~/orgs/projects.server';
import { createTeam } from '~/orgs/teams.server';
import { cookieFor, createOrg, type TestUser } from '~/orgs/test-support';
import { openTicket } from '~/support/tickets.server';
import { useAppTestDatabase } from '../support/db';
import { loadRoutes, type RouteFile, startAppServer } from './app-server';

const t = useAppTestDatabase();

const b64 = (s: string) => Buffer.from(s).toString('base64url');
/** Values every text field, query parameter and path segment is tried with. */
const HOSTILE_TEXT = [
  'a\u0000b',
  '__proto__',
  'constructor',
  '2026-02-31',
  '0000-01-01',
  '9999-12-31T23:00:00-05:00',
  '+275760-09-13T00:00:00.000Z',
  '-1',
  '1e999',
  'x'.repeat(5000),
  b64('2026-02-31T00:00:00Z|x'),
  b64('0000-01-01T00:00:00Z|x'),
  b64('+275760-09-13T00:00:00.000Z|x'),
];
const QUERY_KEYS = [
  'cursor',
  'from',
  'to',
  'actor',
  'action',
  'status',
  'q',
  'page',
  'token',
  'redirectTo',
  'period',
];
const GENERIC_FIELDS = ['intent', 'memberId', 'teamId', 'projectId', 'invitationId', 'role', 'key', 'module'];

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  label: string;
}

let base: string;
let stop: () => Promise<void>;
let owner: TestUser;
let slug: string;
const ids: Record<string, string> = {};
let bearer: string;
let apiKey: string;

beforeAll(async () => {
  ({ base, stop } = await startAppServer());
  const { organization, owner: o } = await createOrg(t.db);
  owner = o;
  slug = organization.slug;
  const organizationId = organization.id;
  ids.teamId = (await createTeam(t.db, owner.actor, { organizationId, name: 'Team A' })).id;
  ids.projectId = (
    await createProject(t.db, owner.actor, { organizationId, name: 'Project A', slug: 'project-a' })
  ).id;
  ids.ticketId = (
    await openTicket(t.db, owner.actor, { organizationId, subject: 'Help', description: 'It broke.' })
  ).id;
  await inviteMember(t.db, owner.actor, { organizationId, email: 'invitee@example.com', role: 'MEMBER' });
  apiKey = (
    await createApiKey(t.db, owner.actor, {
      organizationId,
      name: 'walk',
      scopes: ['usage:write', 'usage:read'],
    })
  ).key;
  bearer = await accessTokenFor(owner.id);
}, 60_000);
afterAll(() => stop?.());

/** Sends the request target exactly as written (fetch would normalize `..` and refuse some bytes). */
function send(probe: Probe): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}/`,
      { method: probe.method, path: probe.path, headers: { connection: 'close', ...probe.headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    if (probe.body !== undefined) req.write(probe.body);
    req.end();
  });
}

const enc = (v: string) => encodeURIComponent(v);

function fillPattern(pattern: string, value: (param: string) => string): string {
  return pattern.replace(/:(\w+)/g, (_m, p: string) => value(p)).replace(/\*$/, value('*'));
}

function realParam(param: string): string {
  if (param === 'slug') return slug;
  if (param === 'provider') return 'github';
  if (param === 'job') return 'send-emails';
  return ids[param] ?? 'unknown';
}

/** Intents and field names a route's forms use, read from its source. */
function formShape(route: RouteFile): { intents: string[]; fields: string[] } {
  const source = readFileSync(new URL(`../../app/${route.file}`, import.meta.url), 'utf8');
  const intents = new Set<string>();
  for (const m of source.matchAll(/(?:case|intent ===)\s*'([a-z][a-z-]*)'/g)) intents.add(m[1]!);
  for (const m of source.matchAll(/name="intent"\s+value="([a-z-]+)"/g)) intents.add(m[1]!);
  const fields = new Set(GENERIC_FIELDS);
  for (const m of source.matchAll(/(?:name=["']|formData\.get\(')([a-zA-Z]\w*)/g)) fields.add(m[1]!);
  return { intents: [...intents], fields: [...fields] };
}

const FORM = 'application/x-www-form-urlencoded';
const isJsonRoute = (route: RouteFile) => /^routes\/(api|cron|webhooks)\./.test(route.id);

function probesFor(route: RouteFile): Probe[] {
  const probes: Probe[] = [];
  const realPath = fillPattern(route.pattern, realParam);
  const hasParams = /[:*]/.test(route.pattern);
  const hostilePaths = hasParams
    ? ['%00', '%ED%A0%80', '__proto__', 'x'.repeat(300), '%E0%A4%A'].map((v) =>
        fillPattern(route.pattern, () => v),
      )
    : [];

  if (typeof route.module.loader === 'function') {
    probes.push({ method: 'GET', path: realPath, label: 'GET' });
    for (const p of hostilePaths) probes.push({ method: 'GET', path: p, label: 'GET hostile path' });
    for (const value of HOSTILE_TEXT) {
      const query = QUERY_KEYS.map((k) => `${k}=${enc(value)}`).join('&');
      probes.push({ method: 'GET', path: `${realPath}?${query}`, label: `GET ?*=${value.slice(0, 30)}` });
    }
    probes.push({ method: 'GET', path: `${realPath}?cursor&from[]=1&to=%`, label: 'GET odd query' });
  }

  if (typeof route.module.action === 'function') {
    if (isJsonRoute(route)) {
      const json = (label: string, body: string | Buffer) =>
        probes.push({
          method: 'POST',
          path: realPath,
          headers: { 'content-type': 'application/json' },
          body,
          label,
        });
      json('JSON deep', '['.repeat(100_000));
      json(
        'JSON lone surrogate',
        '{"email":"\\ud800","refreshToken":"\\udc00x","events":[{"eventType":"\\ud800"}]}',
      );
      json(
        'JSON NUL',
        '{"email":"a\\u0000b","refreshToken":"a\\u0000","events":[{"eventType":"a\\u0000b","quantity":1}]}',
      );
      json('JSON not json', '{"email":');
      json('JSON __proto__', '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}');
      json('JSON huge', Buffer.alloc(3 * 1024 * 1024, 'a'));
      for (const date of [
        '2026-02-31T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:00:00-05:00',
        '+275760-09-13T00:00:00Z',
      ])
        json(
          `JSON date ${date}`,
          JSON.stringify({
            events: [
              { eventType: 'build', quantity: 1, timestamp: date, occurredAt: date, idempotencyKey: date },
            ],
          }),
        );
      probes.push({ method: 'POST', path: realPath, label: 'POST no body' });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
        label: 'POST text',
      });
      probes.push({ method: 'POST', path: `${realPath}?from=2026-02-31&to=%00`, label: 'POST bad query' });
    } else {
      const { intents, fields } = formShape(route);
      const form = (label: string, entries: [string, string][], path = realPath) =>
        probes.push({
          method: 'POST',
          path,
          headers: { 'content-type': FORM },
          body: new URLSearchParams(entries).toString(),
          label,
        });
      for (const intent of intents.length ? intents : ['']) {
        form(`form ${intent} missing fields`, intent ? [['intent', intent]] : []);
        for (const value of HOSTILE_TEXT.slice(0, 10)) {
          form(
            `form ${intent} *=${value.slice(0, 30)}`,
            fields.map((f) => [f, f === 'intent' ? intent : value]),
          );
        }
      }
      form('form unknown intent', [['intent', '__proto__']]);
      for (const p of hostilePaths) form('form hostile path', [['intent', intents[0] ?? '']], p);
      probes.push({ method: 'POST', path: realPath, label: 'POST no body, no content type' });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': FORM },
        label: 'POST form, no body',
      });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': 'text/plain' },
        body: 'a=1',
        label: 'POST text/plain',
      });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': 'application/json' },
        body: '{"a":"\\ud800"}',
        label: 'POST JSON to a page',
      });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: '--x\r\nContent-Disposition: form-data; name="intent"\r\n\r\na\u0000\r\n--x--\r\n',
        label: 'POST multipart NUL',
      });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': 'multipart/form-data' },
        body: 'garbage',
        label: 'POST multipart no boundary',
      });
      probes.push({
        method: 'POST',
        path: realPath,
        headers: { 'content-type': FORM },
        body: 'x'.repeat(1_000_001),
        label: 'POST form over 1 MB',
      });
      probes.push({
        method: 'POST',
        path: `/api/..${realPath}`,
        headers: { 'content-type': FORM },
        body: 'a=1',
        label: 'POST /api/../',
      });
    }
  }
  return probes;
}

async function walk(credentials: (route: RouteFile) => Promise<Record<string, string>>) {
  const failures: string[] = [];
  let count = 0;
  for (const route of await loadRoutes()) {
    const headers = { origin: base, ...(await credentials(route)) };
    // Cross-site variants: Remix's own CSRF refusal must be a 403 from us, never its 500.
    const probes = probesFor(route);
    if (typeof route.module.action === 'function' && !isJsonRoute(route))
      probes.push(
        {
          method: 'POST',
          path: fillPattern(route.pattern, realParam),
          headers: { origin: 'https://evil.example', 'content-type': FORM },
          body: 'a=1',
          label: 'cross-site POST',
        },
        {
          method: 'POST',
          path: fillPattern(route.pattern, realParam),
          headers: { origin: 'null', 'content-type': FORM },
          body: 'a=1',
          label: 'opaque-origin POST',
        },
      );
    for (const probe of probes) {
      const status = await send({ ...probe, headers: { ...headers, ...probe.headers } });
      count++;
      if (process.env.WALK_LOG) console.log(`WALK ${status} ${probe.method} ${route.id} [${probe.label}]`);
      if (status >= 500 || status === 0)
        failures.push(`${status} ${probe.method} ${probe.path.slice(0, 120)} [${probe.label}]`);
    }
  }
  return { failures, count };
}

describe('hostile input on every route', () => {
  it('never answers 5xx to an anonymous visitor', async () => {
    const { failures, count } = await walk(async () => ({ cookie: '_ga=100%; other=%E0%A4%A' }));
    expect(count).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  }, 120_000);

  it('never answers 5xx to a signed-in OWNER (cookie, bearer token, API key)', async () => {
    const { failures, count } = await walk(async (route): Promise<Record<string, string>> => {
      // A fresh session per route: a walked sign-out or "revoke all sessions" must not end the walk.
      const cookie = `_ga=100%; ${await cookieFor(t.db, owner.id)}`;
      if (!isJsonRoute(route)) return { cookie };
      return { authorization: `Bearer ${route.id.includes('usage') ? apiKey : bearer}` };
    });
    expect(count).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  }, 120_000);
});
