// Keeps the hand-written OpenAPI document honest (SPEC §7): every /api/v1 route file has a path (a new
// endpoint without docs fails here), the examples pass the endpoints' own zod schemas, the documented
// schemas accept and refuse the same bodies as those zod schemas, and real answers of the endpoints match
// the documented status codes and response schemas.
import { flatRoutes } from '@remix-run/dev/dist/config/flat-routes';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { ZodTypeAny } from 'zod';
import { createApiKey } from '~/api-keys/api-keys.server';
import { accessTokenFor, apiRequest, setApiCallLimit } from '~/api-keys/test-support';
import { ACCESS_TOKEN_TTL_SECONDS } from '~/auth/api-tokens.server';
import { call, createPasswordUser, makeRequest, outcome } from '~/auth/test-helpers.server';
import { apiTokenRequestSchema, logoutRequestSchema, refreshRequestSchema } from '~/auth/validation';
import { registerAppBodySchema, updateAppBodySchema } from '~/events/apps.server';
import { drawBodySchema } from '~/events/draws.server';
import { addParticipantBodySchema } from '~/events/participants.server';
import { createPrizeBodySchema } from '~/events/prizes.server';
import { createRoomBodySchema, updateRoomBodySchema } from '~/events/rooms.server';
import { addMember, createOrg, createUser } from '~/orgs/test-support';
import * as logoutRoute from '~/routes/api.v1.auth.logout';
import * as refreshRoute from '~/routes/api.v1.auth.refresh';
import * as tokenRoute from '~/routes/api.v1.auth.token';
import * as openApiRoute from '~/routes/api.v1.openapi[.json]';
import * as appsRoute from '~/routes/api.v1.orgs.$slug.apps';
import * as appRoute from '~/routes/api.v1.orgs.$slug.apps.$appId';
import * as roomsRoute from '~/routes/api.v1.orgs.$slug.rooms';
import * as roomRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId';
import * as roomParticipantsRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.participants';
import * as roomParticipantRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.participants.$participantId';
import * as prizesRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.prizes';
import * as prizeRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.prizes.$prizeId';
import * as drawRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.prizes.$prizeId.draw';
import * as winnersRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.winners';
import * as winnerRoute from '~/routes/api.v1.orgs.$slug.rooms.$roomId.winners.$winnerId';
import * as usageRoute from '~/routes/api.v1.orgs.$slug.usage';
import { ingestUsageSchema, MAX_BATCH, usagePeriodSchema } from '~/usage/usage.server';
import { auditLogs } from '~db/schema';
import { useAppTestDatabase } from '../../tests/support/db';
import { DOCUMENTED_LIMITS, openApiDocument } from './openapi';

const t = useAppTestDatabase();

// The document as plain JSON, the way a client reads it.
type Node = Record<string, unknown>;
const doc = JSON.parse(JSON.stringify(openApiDocument)) as {
  openapi: string;
  paths: Record<string, Record<string, Node>>;
  components: { schemas: Record<string, Node>; responses: Record<string, Node> };
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function resolve(node: Node): Node {
  const target = node.$ref;
  if (typeof target !== 'string') return node;
  const [, , kind, name] = target.split('/');
  const found = (doc.components as Record<string, Record<string, Node>>)[kind!]?.[name!];
  if (!found) throw new Error(`unresolved $ref ${target}`);
  return resolve(found);
}

/**
 * The subset of JSON Schema 2020-12 the document uses. An unknown keyword throws, so the document cannot
 * grow a constraint this check silently ignores.
 */
function check(schemaNode: Node, value: unknown, at = '$'): string[] {
  const schema = resolve(schemaNode);
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${at}: ${message}`);
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  for (const [keyword, rule] of Object.entries(schema)) {
    switch (keyword) {
      case 'description':
      case 'example':
        break;
      case 'type': {
        const types = Array.isArray(rule) ? rule : [rule];
        const actual = typeOf(value);
        if (!types.includes(actual) && !(actual === 'integer' && types.includes('number')))
          fail(`expected ${types.join('|')}, got ${actual}`);
        break;
      }
      case 'const':
        if (JSON.stringify(value) !== JSON.stringify(rule)) fail(`expected ${JSON.stringify(rule)}`);
        break;
      case 'enum':
        if (!(rule as unknown[]).includes(value)) fail(`not one of ${JSON.stringify(rule)}`);
        break;
      case 'not':
        if (check(rule as Node, value, at).length === 0) fail(`must not match ${JSON.stringify(rule)}`);
        break;
      case 'required':
        if (typeOf(value) === 'object')
          for (const key of rule as string[]) if (!(key in (value as Node))) fail(`missing ${key}`);
        break;
      case 'properties':
        if (typeOf(value) === 'object')
          for (const [key, sub] of Object.entries(rule as Record<string, Node>))
            if ((value as Node)[key] !== undefined)
              errors.push(...check(sub, (value as Node)[key], `${at}.${key}`));
        break;
      case 'additionalProperties':
        if (rule !== true) throw new Error(`unsupported additionalProperties ${JSON.stringify(rule)}`);
        break;
      case 'items':
        if (Array.isArray(value))
          for (const [i, v] of value.entries()) errors.push(...check(rule as Node, v, `${at}[${i}]`));
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (rule as number)) fail(`fewer than ${rule} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (rule as number)) fail(`more than ${rule} items`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (rule as number)) fail(`shorter than ${rule}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (rule as number)) fail(`longer than ${rule}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(rule as string, 'u').test(value)) fail(`not /${rule}/`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (rule as number)) fail(`below ${rule}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (rule as number)) fail(`above ${rule}`);
        break;
      case 'format':
        if (typeof value !== 'string') break;
        if (rule === 'date-time') {
          if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value))
            fail('not a date-time');
        } else if (rule === 'email') {
          if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) fail('not an email');
        } else throw new Error(`unsupported format ${rule}`);
        break;
      default:
        throw new Error(`unsupported JSON Schema keyword ${keyword} at ${at}`);
    }
  }
  return errors;
}

function operation(path: string, method: string): Node {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  return op;
}

function operations(): { path: string; method: string; op: Node }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
  );
}

const jsonContent = (node: Node) =>
  (resolve(node).content as Record<string, Node> | undefined)?.['application/json'];

/** The zod schema each documented request body is parsed with by its route. */
const requestSchemas: Record<string, ZodTypeAny> = {
  'post /api/v1/auth/token': apiTokenRequestSchema,
  'post /api/v1/auth/refresh': refreshRequestSchema,
  'post /api/v1/auth/logout': logoutRequestSchema,
  'post /api/v1/orgs/{slug}/usage': ingestUsageSchema,
  'post /api/v1/orgs/{slug}/apps': registerAppBodySchema,
  'put /api/v1/orgs/{slug}/apps/{appId}': updateAppBodySchema,
  'post /api/v1/orgs/{slug}/rooms': createRoomBodySchema,
  'patch /api/v1/orgs/{slug}/rooms/{roomId}': updateRoomBodySchema,
  'post /api/v1/orgs/{slug}/rooms/{roomId}/participants': addParticipantBodySchema,
  'post /api/v1/orgs/{slug}/rooms/{roomId}/prizes': createPrizeBodySchema,
  'post /api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}/draw': drawBodySchema,
};

/** A real answer must have a documented status, and match that status's documented body and headers. */
async function expectDocumented(path: string, method: string, result: unknown) {
  const { status, headers, data } = await outcome(result);
  const documented = (operation(path, method).responses as Record<string, Node>)[String(status)];
  expect(documented, `${method.toUpperCase()} ${path} answered an undocumented ${status}`).toBeDefined();
  const content = jsonContent(documented!);
  if (content) expect(check(content.schema as Node, data), `${status} ${JSON.stringify(data)}`).toEqual([]);
  else expect(data).toBe('');
  const documentedHeaders =
    (resolve(documented!).headers as Record<string, { schema: Node }> | undefined) ?? {};
  for (const [name, header] of Object.entries(documentedHeaders)) {
    const value = headers.get(name);
    expect(value, `${status} header ${name}`).not.toBeNull();
    // Header values are text; an integer header is checked as the number it spells.
    const typed = /^\d+$/.test(value!) ? Number(value) : value;
    expect(check(header.schema, typed), `${status} header ${name}: ${value}`).toEqual([]);
  }
  return { status, headers, data };
}

describe('GET /api/v1/openapi.json', () => {
  it('answers 200 JSON with an OpenAPI 3.1 document; other methods 405', async () => {
    const res = await call(openApiRoute.loader, makeRequest('/api/v1/openapi.json'));
    const { status, headers, data } = await outcome(res);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect((data as { openapi: string }).openapi).toMatch(/^3\.1\.\d+$/);
    expect(data).toEqual(doc);
    await expectDocumented(
      '/api/v1/openapi.json',
      'get',
      await call(openApiRoute.action, makeRequest('/api/v1/openapi.json', { method: 'POST' })),
    );
  });
});

describe('the document covers the routes', () => {
  // Remix's own flat-routes resolution, as vite.config.ts configures it: file name → URL.
  const manifest = flatRoutes(`${process.cwd()}/app`, ['**/*.test.*']);
  const fullPath = (id: string): string => {
    const route = manifest[id]!;
    const parent = route.parentId && route.parentId !== 'root' ? fullPath(route.parentId) : '';
    return [parent, route.path ?? ''].filter(Boolean).join('/');
  };
  const apiRoutes = Object.values(manifest)
    .map((r) => ({ file: r.file, path: `/${fullPath(r.id)}`.replace(/:(\w+)/g, '{$1}') }))
    .filter((r) => r.path.startsWith('/api/v1/'));

  it('has a path for every /api/v1 route file, and no path without one', () => {
    expect(apiRoutes.map((r) => r.path)).toContain('/api/v1/openapi.json');
    for (const route of apiRoutes)
      expect(doc.paths, `${route.file} is not documented`).toHaveProperty([route.path]);
    expect(Object.keys(doc.paths).sort()).toEqual(apiRoutes.map((r) => r.path).sort());
  });

  it('documents only methods the route handles: GET → its loader, others → its action', async () => {
    const modules: Record<string, Record<string, unknown>> = {
      '/api/v1/auth/token': tokenRoute,
      '/api/v1/auth/refresh': refreshRoute,
      '/api/v1/auth/logout': logoutRoute,
      '/api/v1/orgs/{slug}/usage': usageRoute,
      '/api/v1/orgs/{slug}/apps': appsRoute,
      '/api/v1/orgs/{slug}/apps/{appId}': appRoute,
      '/api/v1/orgs/{slug}/rooms': roomsRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}': roomRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/participants': roomParticipantsRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/participants/{participantId}': roomParticipantRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/prizes': prizesRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}': prizeRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}/draw': drawRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/winners': winnersRoute,
      '/api/v1/orgs/{slug}/rooms/{roomId}/winners/{winnerId}': winnerRoute,
      '/api/v1/openapi.json': openApiRoute,
    };
    expect(Object.keys(modules).sort()).toEqual(Object.keys(doc.paths).sort());
    for (const { path, method } of operations())
      expect(modules[path], `${method} ${path}`).toHaveProperty(method === 'get' ? 'loader' : 'action');
  });

  it('is well-formed: refs resolve, errors use the Error shape, protected operations document 401, 429 has Retry-After', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const schemes = Object.keys((doc.components as unknown as { securitySchemes: Node }).securitySchemes);
    expect(schemes.sort()).toEqual(['accessToken', 'apiKey']);
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      const responses = op.responses as Record<string, Node>;
      for (const [status, node] of Object.entries(responses)) {
        const body = jsonContent(node);
        if (Number(status) >= 400)
          expect(body?.schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
        if (body?.schema) resolve(body.schema as Node);
      }
      const security = op.security as Node[];
      for (const requirement of security)
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      if (security.length) expect(responses, where).toHaveProperty('401');
      if (responses['429'])
        expect(Object.keys(resolve(responses['429']).headers as Node)).toContain('Retry-After');
    }
  });
});

describe('the examples', () => {
  it('request bodies pass the zod schema their endpoint parses with, and the documented schema', () => {
    const withBody = operations().filter(({ op }) => op.requestBody);
    expect(withBody.map(({ path, method }) => `${method} ${path}`).sort()).toEqual(
      Object.keys(requestSchemas).sort(),
    );
    for (const { path, method, op } of withBody) {
      const content = jsonContent(op.requestBody as Node)!;
      const examples = Object.entries(content.examples as Record<string, { value: unknown }>);
      expect(examples.length).toBeGreaterThan(0);
      for (const [name, { value }] of examples) {
        const parsed = requestSchemas[`${method} ${path}`]!.safeParse(value);
        expect(parsed.success, `${method} ${path} example ${name}: ${parsed.error?.message}`).toBe(true);
        expect(check(content.schema as Node, value), `${path} example ${name}`).toEqual([]);
      }
    }
  });

  it('query parameters pass the zod schema of the period', () => {
    const params = operation('/api/v1/orgs/{slug}/usage', 'get').parameters as {
      name: string;
      example: string;
    }[];
    const query = Object.fromEntries(params.map((p) => [p.name, p.example]));
    expect(usagePeriodSchema.safeParse(query).success).toBe(true);
  });

  it('response and error examples match their documented schemas', () => {
    for (const { path, method, op } of operations()) {
      for (const [status, node] of Object.entries(op.responses as Record<string, Node>)) {
        const body = jsonContent(node);
        if (!body) continue;
        const examples = [
          ...(body.example !== undefined ? [body.example] : []),
          ...Object.values((body.examples as Record<string, { value: unknown }>) ?? {}).map((e) => e.value),
        ];
        for (const example of examples)
          expect(check(body.schema as Node, example), `${method} ${path} ${status}`).toEqual([]);
      }
    }
  });
});

describe('the documented schemas accept and refuse what the zod schemas do', () => {
  const schemaOf = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const agree = (name: string, zod: ZodTypeAny, samples: unknown[]) => {
    for (const sample of samples) {
      const zodOk = zod.safeParse(sample).success;
      const docErrors = check(schemaOf(name), sample);
      expect(docErrors.length === 0, `${name} ${JSON.stringify(sample).slice(0, 120)}: ${docErrors}`).toBe(
        zodOk,
      );
    }
  };
  const event = { eventType: 'storage.gb', quantity: 1 };
  const events = (n: number) => Array.from({ length: n }, () => event);

  it('UsageBatch', () => {
    agree('UsageBatch', ingestUsageSchema, [
      { events: [event] },
      { events: events(MAX_BATCH) },
      { events: events(MAX_BATCH + 1) },
      { events: [] },
      {},
      [],
      { events: [{ ...event, unknownField: 1 }] },
      { events: [{ eventType: 'storage.gb' }] },
      { events: [{ quantity: 1 }] },
      ...[0, -1, 1.5, 2_147_483_647, 2_147_483_648, '3'].map((quantity) => ({
        events: [{ ...event, quantity }],
      })),
      ...['api.call', '', '-x', 'a b', 'A1_.:-z', 'a'.repeat(100), 'a'.repeat(101)].map((eventType) => ({
        events: [{ ...event, eventType }],
      })),
      ...['', 'p1', 'p'.repeat(64), 'p'.repeat(65)].map((projectId) => ({
        events: [{ ...event, projectId }],
      })),
      ...['', 'k', 'k'.repeat(255), 'k'.repeat(256)].map((idempotencyKey) => ({
        events: [{ ...event, idempotencyKey }],
      })),
      ...['2025-03-14T09:30:00Z', '2025-03-14T09:30:00.123+02:00', '2025-03-14', 'yesterday'].map(
        (timestamp) => ({
          events: [{ ...event, timestamp }],
        }),
      ),
      ...[{ a: 1 }, {}, [], 'text', null].map((eventData) => ({ events: [{ ...event, eventData }] })),
    ]);
  });

  it('UsageEvent limits the document states in words', () => {
    const withData = (chars: number) => ({ events: [{ ...event, eventData: { d: 'x'.repeat(chars - 8) } }] });
    expect(JSON.stringify(withData(DOCUMENTED_LIMITS.eventDataMaxChars).events[0]!.eventData)).toHaveLength(
      DOCUMENTED_LIMITS.eventDataMaxChars,
    );
    expect(ingestUsageSchema.safeParse(withData(DOCUMENTED_LIMITS.eventDataMaxChars)).success).toBe(true);
    expect(ingestUsageSchema.safeParse(withData(DOCUMENTED_LIMITS.eventDataMaxChars + 1)).success).toBe(
      false,
    );
    const future = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    expect(ingestUsageSchema.safeParse({ events: [{ ...event, timestamp: future(4) }] }).success).toBe(true);
    expect(ingestUsageSchema.safeParse({ events: [{ ...event, timestamp: future(6) }] }).success).toBe(false);
    expect(DOCUMENTED_LIMITS.accessTokenTtlSeconds).toBe(ACCESS_TOKEN_TTL_SECONDS);
  });

  it('CreatePrizeRequest, DrawRequest, AddParticipantRequest, CreateRoomRequest (what a schema can say)', () => {
    const prize = { name: 'Bicycle', quantity: 1 };
    agree('CreatePrizeRequest', createPrizeBodySchema, [
      prize,
      { name: 'Bicycle' },
      { quantity: 1 },
      { ...prize, name: '' },
      { ...prize, name: 'n'.repeat(200) },
      { ...prize, name: 'n'.repeat(201) },
      ...[0, 1, 1.5, 10_000, 10_001, '2'].map((quantity) => ({ ...prize, quantity })),
      { ...prize, description: 'd'.repeat(5000) },
      { ...prize, description: 'd'.repeat(5001) },
    ]);
    agree('DrawRequest', drawBodySchema, [
      {},
      ...[0, 1, 2.5, 10_000, 10_001, '1'].map((count) => ({ count })),
    ]);
    agree('AddParticipantRequest', addParticipantBodySchema, [
      { userId: 'u1' },
      { email: 'ada@example.com' },
      { email: 'not-an-email' },
      { userId: 'u1', role: 'MODERATOR' },
      { userId: 'u1', role: 'KING' },
    ]);
    const room = { appId: 'raffle', name: 'R', isPublic: true };
    agree('CreateRoomRequest', createRoomBodySchema, [
      room,
      { ...room, isPublic: 'yes' },
      { name: 'R', isPublic: true },
      ...[1, 0, null, 1_000_000, 1_000_001, 2.5].map((maxParticipants) => ({ ...room, maxParticipants })),
      { ...room, startsAt: '2025-04-01T18:00:00Z', endsAt: null },
      { ...room, startsAt: 'tomorrow' },
      { ...room, appSettings: { rounds: 3 } },
    ]);
  });

  it('TokenRequest, RefreshRequest, LogoutRequest', () => {
    agree('TokenRequest', apiTokenRequestSchema, [
      { email: 'ada@example.com', password: 'x' },
      { email: 'ada@example.com', password: '' },
      { email: 'ada@example.com', password: 'x'.repeat(128) },
      { email: 'ada@example.com', password: 'x'.repeat(129) },
      { email: 'ada@example.com' },
      { password: 'x' },
      { email: 'not-an-email', password: 'x' },
      { email: `${'a'.repeat(242)}@example.com`, password: 'x' },
      { email: `${'a'.repeat(243)}@example.com`, password: 'x' },
    ]);
    agree('RefreshRequest', refreshRequestSchema, [
      { refreshToken: 'r' },
      { refreshToken: '' },
      { refreshToken: 'r'.repeat(200) },
      { refreshToken: 'r'.repeat(201) },
      { refreshToken: 5 },
      {},
    ]);
    agree('LogoutRequest', logoutRequestSchema, [
      {},
      { refreshToken: 'r' },
      { refreshToken: '' },
      { refreshToken: 1 },
    ]);
  });
});

describe('real answers match the document', () => {
  it('auth: token, refresh, logout, and their errors', async () => {
    const user = await createPasswordUser(t.db);
    const post = (path: string, json: unknown, token?: string) =>
      makeRequest(path, { json, headers: token ? { authorization: `Bearer ${token}` } : {} });

    const issued = await expectDocumented(
      '/api/v1/auth/token',
      'post',
      await call(
        tokenRoute.action,
        post('/api/v1/auth/token', { email: user.email, password: user.password }),
      ),
    );
    expect(issued.status).toBe(200);
    const tokens = issued.data as { accessToken: string; refreshToken: string };
    const wrong = await expectDocumented(
      '/api/v1/auth/token',
      'post',
      await call(
        tokenRoute.action,
        post('/api/v1/auth/token', { email: user.email, password: 'wrong-password' }),
      ),
    );
    expect(wrong.status).toBe(401);
    expect(
      (
        await expectDocumented(
          '/api/v1/auth/token',
          'post',
          await call(tokenRoute.action, post('/api/v1/auth/token', '{')),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await expectDocumented(
          '/api/v1/auth/token',
          'post',
          await call(tokenRoute.loader, makeRequest('/api/v1/auth/token')),
        )
      ).status,
    ).toBe(405);

    const refreshed = await expectDocumented(
      '/api/v1/auth/refresh',
      'post',
      await call(refreshRoute.action, post('/api/v1/auth/refresh', { refreshToken: tokens.refreshToken })),
    );
    expect(refreshed.status).toBe(200);
    const reused = await expectDocumented(
      '/api/v1/auth/refresh',
      'post',
      await call(refreshRoute.action, post('/api/v1/auth/refresh', { refreshToken: tokens.refreshToken })),
    );
    expect(reused.status).toBe(401);

    // The reuse revoked that family, and its access tokens with it (ADR 0009): sign out with a new one.
    const access = (
      (await call(tokenRoute.action, post('/api/v1/auth/token', user)).then(outcome)).data as {
        accessToken: string;
      }
    ).accessToken;
    const out = await expectDocumented(
      '/api/v1/auth/logout',
      'post',
      await call(
        logoutRoute.action,
        makeRequest('/api/v1/auth/logout', {
          method: 'POST',
          headers: { authorization: `Bearer ${access}` },
        }),
      ),
    );
    expect(out.status).toBe(204);
    const again = await expectDocumented(
      '/api/v1/auth/logout',
      'post',
      await call(logoutRoute.action, post('/api/v1/auth/logout', {}, access)),
    );
    expect(again.status).toBe(401);
  });

  it('usage: the documented examples work, with both security schemes, and the errors are as documented', async () => {
    const { organization, owner } = await createOrg(t.db);
    const slug = organization.slug;
    const path = '/api/v1/orgs/{slug}/usage';
    const url = `/api/v1/orgs/${slug}/usage`;
    const jwt = await accessTokenFor(owner.id);
    const example = (
      jsonContent(operation(path, 'post').requestBody as Node)!.examples as Record<string, { value: unknown }>
    ).batch!.value;
    const params = operation(path, 'get').parameters as { name: string; example: string }[];
    const query = new URLSearchParams(params.map((p) => [p.name, p.example])).toString();

    const posted = await expectDocumented(
      path,
      'post',
      await call(usageRoute.action, apiRequest(url, jwt, { json: example }), { slug }),
    );
    expect(posted.data).toEqual({ accepted: 2, duplicates: 0 });
    const { key: readKey } = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Read only',
      scopes: ['usage:read'],
    });
    const summary = await expectDocumented(
      path,
      'get',
      await call(usageRoute.loader, apiRequest(`${url}?${query}`, readKey), { slug }),
    );
    expect(summary.status).toBe(200);
    expect(summary.data).toMatchObject({
      organization: slug,
      totals: expect.arrayContaining([
        expect.objectContaining({ eventType: 'report.generated', quantity: 1 }),
      ]),
    });

    const statusOf = async (method: 'get' | 'post', request: Request, s = slug) =>
      (
        await expectDocumented(
          path,
          method,
          await call(method === 'get' ? usageRoute.loader : usageRoute.action, request, { slug: s }),
        )
      ).status;
    expect(await statusOf('get', apiRequest(url, null))).toBe(401);
    expect(await statusOf('get', apiRequest(`${url}?from=yesterday`, jwt))).toBe(400);
    expect(await statusOf('get', apiRequest('/api/v1/orgs/nope/usage', jwt), 'no-such-organization')).toBe(
      404,
    );
    expect(await statusOf('post', apiRequest(url, readKey, { json: example }))).toBe(403);
    expect(await statusOf('post', apiRequest(url, jwt, { json: { events: [] } }))).toBe(400);
    expect(await statusOf('post', apiRequest(url, jwt, { method: 'PUT', json: example }))).toBe(405);
    const big = apiRequest(url, jwt, { json: example });
    big.headers.set('content-length', String(DOCUMENTED_LIMITS.maxBodyBytes + 1));
    expect(await statusOf('post', big)).toBe(413);
    const atLimit = apiRequest(url, jwt, { json: example });
    atLimit.headers.set('content-length', String(DOCUMENTED_LIMITS.maxBodyBytes));
    expect(await statusOf('post', atLimit)).toBe(200);

    const limited = await createOrg(t.db);
    await setApiCallLimit(t.db, limited.organization.id, 0);
    const refused = await expectDocumented(
      path,
      'post',
      await call(
        usageRoute.action,
        apiRequest(
          `/api/v1/orgs/${limited.organization.slug}/usage`,
          await accessTokenFor(limited.owner.id),
          { json: example },
        ),
        {
          slug: limited.organization.slug,
        },
      ),
    );
    expect(refused.status).toBe(403);
    expect(refused.data).toMatchObject({ error: { code: 'limit_reached' } });
  });
  it('events: every endpoint answers as documented, with API keys and JWTs, and its errors', async () => {
    const { organization, owner } = await createOrg(t.db);
    const slug = organization.slug;
    const other = await createOrg(t.db);
    const { key } = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Events',
      scopes: ['rooms:read', 'rooms:write'],
    });
    const { key: usageKey } = await createApiKey(t.db, owner.actor, {
      organizationId: organization.id,
      name: 'Usage only',
      scopes: ['usage:read'],
    });
    const { key: otherKey } = await createApiKey(t.db, other.owner.actor, {
      organizationId: other.organization.id,
      name: 'Theirs',
      scopes: ['rooms:read', 'rooms:write'],
    });
    const member = await addMember(t.db, organization.id, 'MEMBER');
    const billing = await addMember(t.db, organization.id, 'BILLING');
    const ownerJwt = await accessTokenFor(owner.id);
    const memberJwt = await accessTokenFor(member.id);
    const billingJwt = await accessTokenFor(billing.id);
    type Route = { loader?: unknown; action?: unknown };
    const base = `/api/v1/orgs/${slug}`;
    /** Calls the route for `method`, checks the answer against the document, returns it. */
    const hit = async (
      docPath: string,
      route: Route,
      method: 'get' | 'post' | 'put' | 'patch' | 'delete',
      url: string,
      token: string | null,
      params: Record<string, string>,
      json?: unknown,
    ) => {
      const request = apiRequest(url, token, { method: method.toUpperCase(), json });
      const handler = (method === 'get' ? route.loader : route.action) as Parameters<typeof call>[0];
      return expectDocumented(docPath, method, await call(handler, request, { slug, ...params }));
    };
    const example = (path: string, method: string, name: string) =>
      (
        jsonContent(operation(path, method).requestBody as Node)!.examples as Record<
          string,
          { value: unknown }
        >
      )[name]!.value;

    // Apps: register (201), taken (409), bad manifest (400), list, update (200, 409), foreign app (404).
    const appsPath = '/api/v1/orgs/{slug}/apps';
    const appPath = '/api/v1/orgs/{slug}/apps/{appId}';
    const registered = await hit(
      appsPath,
      appsRoute,
      'post',
      `${base}/apps`,
      key,
      {},
      example(appsPath, 'post', 'register'),
    );
    expect(registered.status).toBe(201);
    expect(registered.data).toMatchObject({ appId: 'raffle', manifestVersion: '1.0.0', manifestHistory: [] });
    const [apiAudit] = await t.db.select().from(auditLogs).where(eq(auditLogs.action, 'app.registered'));
    expect(apiAudit).toMatchObject({ actorType: 'API_KEY', userId: owner.id });
    expect(apiAudit?.actorApiKeyId).toBeTruthy();
    expect(
      (await hit(appsPath, appsRoute, 'post', `${base}/apps`, key, {}, example(appsPath, 'post', 'register')))
        .status,
    ).toBe(409);
    const badManifest = await hit(
      appsPath,
      appsRoute,
      'post',
      `${base}/apps`,
      key,
      {},
      {
        appId: 'broken',
        manifest: { name: 'Broken', meta: { version: 'one' } },
      },
    );
    expect(badManifest.status).toBe(400);
    expect((badManifest.data as { error: { message: string } }).error.message).toContain(
      'manifest.meta.version',
    );
    expect(
      (
        await hit(
          appsPath,
          appsRoute,
          'post',
          `${base}/apps`,
          memberJwt,
          {},
          { appId: 'mine', manifest: { name: 'M' } },
        )
      ).status,
    ).toBe(403);
    const listed = await hit(appsPath, appsRoute, 'get', `${base}/apps`, memberJwt, {});
    expect((listed.data as { apps: unknown[] }).apps).toHaveLength(1);
    expect((await hit(appsPath, appsRoute, 'get', `${base}/apps`, billingJwt, {})).status).toBe(403);
    const updated = await hit(
      appPath,
      appRoute,
      'put',
      `${base}/apps/raffle`,
      ownerJwt,
      { appId: 'raffle' },
      example(appPath, 'put', 'update'),
    );
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({ manifestVersion: '1.1.0', manifestHistory: [{ version: '1.0.0' }] });
    const same = await hit(
      appPath,
      appRoute,
      'put',
      `${base}/apps/raffle`,
      ownerJwt,
      { appId: 'raffle' },
      example(appPath, 'put', 'update'),
    );
    expect(same.status).toBe(409);
    expect(same.data).toMatchObject({ error: { code: 'conflict' } });
    const theirApp = await hit(
      appsPath,
      appsRoute,
      'post',
      `/api/v1/orgs/${other.organization.slug}/apps`,
      otherKey,
      { slug: other.organization.slug },
      {
        appId: 'their-app',
        manifest: { name: 'Theirs' },
      },
    );
    expect(theirApp.status).toBe(201);
    expect(
      (
        await hit(
          appPath,
          appRoute,
          'put',
          `${base}/apps/their-app`,
          key,
          { appId: 'their-app' },
          { manifest: { name: 'Mine', meta: { version: '2.0.0' } } },
        )
      ).status,
    ).toBe(404);

    // Rooms: create (201, appManifestVersion locked), bad settings (400), list, get, patch, foreign (404).
    const roomsPath = '/api/v1/orgs/{slug}/rooms';
    const roomPath = '/api/v1/orgs/{slug}/rooms/{roomId}';
    const created = await hit(
      roomsPath,
      roomsRoute,
      'post',
      `${base}/rooms`,
      key,
      {},
      example(roomsPath, 'post', 'room'),
    );
    expect(created.status).toBe(201);
    const room = created.data as {
      id: string;
      appManifestVersion: string;
      status: string;
      createdBy: string;
    };
    expect(room).toMatchObject({ appManifestVersion: '1.1.0', status: 'DRAFT', createdBy: owner.id });
    const badSettings = await hit(
      roomsPath,
      roomsRoute,
      'post',
      `${base}/rooms`,
      key,
      {},
      {
        appId: 'raffle',
        name: 'Bad',
        isPublic: true,
        appSettings: { rounds: 50 },
      },
    );
    expect(badSettings.status).toBe(400);
    expect((badSettings.data as { error: { message: string } }).error.message).toContain(
      'do not fit version 1.1.0',
    );
    expect(
      (
        await hit(
          roomsPath,
          roomsRoute,
          'post',
          `${base}/rooms`,
          billingJwt,
          {},
          example(roomsPath, 'post', 'room'),
        )
      ).status,
    ).toBe(403);
    expect((await hit(roomsPath, roomsRoute, 'get', `${base}/rooms`, key, {})).data).toMatchObject({
      rooms: [{ id: room.id }],
    });
    const roomUrl = `${base}/rooms/${room.id}`;
    const got = await hit(roomPath, roomRoute, 'get', roomUrl, memberJwt, { roomId: room.id });
    expect(got.data).toMatchObject({ id: room.id, nextStatuses: ['ACTIVE', 'CANCELED'] });
    const opened = await hit(
      roomPath,
      roomRoute,
      'patch',
      roomUrl,
      key,
      { roomId: room.id },
      example(roomPath, 'patch', 'open'),
    );
    expect(opened.data).toMatchObject({ status: 'ACTIVE', nextStatuses: ['COMPLETED', 'CANCELED'] });
    const edited = await hit(
      roomPath,
      roomRoute,
      'patch',
      roomUrl,
      key,
      { roomId: room.id },
      example(roomPath, 'patch', 'edit'),
    );
    expect(edited.data).toMatchObject({
      maxParticipants: 150,
      endsAt: null,
      appSettings: { anonymous: true, rounds: 3 },
    });
    const backwards = await hit(
      roomPath,
      roomRoute,
      'patch',
      roomUrl,
      key,
      { roomId: room.id },
      { status: 'DRAFT' },
    );
    expect(backwards.status).toBe(409);
    expect((await hit(roomPath, roomRoute, 'patch', roomUrl, key, { roomId: room.id }, {})).status).toBe(400);
    expect(
      (await hit(roomPath, roomRoute, 'patch', roomUrl, memberJwt, { roomId: room.id }, { name: 'Not mine' }))
        .status,
    ).toBe(403);
    const theirRoom = (
      await hit(
        roomsPath,
        roomsRoute,
        'post',
        `/api/v1/orgs/${other.organization.slug}/rooms`,
        otherKey,
        { slug: other.organization.slug },
        {
          appId: 'their-app',
          name: 'Theirs',
          isPublic: true,
        },
      )
    ).data as { id: string };
    for (const method of ['get', 'patch', 'delete'] as const) {
      const foreign = await hit(
        roomPath,
        roomRoute,
        method,
        `${base}/rooms/${theirRoom.id}`,
        key,
        { roomId: theirRoom.id },
        method === 'patch' ? { name: 'x' } : undefined,
      );
      expect(foreign.status, method).toBe(404);
      expect(foreign.data).toMatchObject({ error: { code: 'not_found', message: 'Room not found' } });
    }

    // Participants: add by email and id (201), unknown email (404), list, remove (204, then 404).
    const participantsPath = '/api/v1/orgs/{slug}/rooms/{roomId}/participants';
    const participantPath = '/api/v1/orgs/{slug}/rooms/{roomId}/participants/{participantId}';
    const people = await Promise.all([1, 2, 3].map(() => createUser(t.db)));
    const byEmail = await hit(
      participantsPath,
      roomParticipantsRoute,
      'post',
      `${roomUrl}/participants`,
      key,
      { roomId: room.id },
      { email: people[0]!.email.toUpperCase() },
    );
    expect(byEmail.status).toBe(201);
    expect(byEmail.data).toMatchObject({ userId: people[0]!.id, role: 'PARTICIPANT' });
    for (const person of people.slice(1))
      expect(
        (
          await hit(
            participantsPath,
            roomParticipantsRoute,
            'post',
            `${roomUrl}/participants`,
            ownerJwt,
            { roomId: room.id },
            { userId: person.id },
          )
        ).status,
      ).toBe(201);
    const twice = await hit(
      participantsPath,
      roomParticipantsRoute,
      'post',
      `${roomUrl}/participants`,
      key,
      { roomId: room.id },
      { userId: people[1]!.id },
    );
    expect(twice.status).toBe(409);
    expect(
      (
        await hit(
          participantsPath,
          roomParticipantsRoute,
          'post',
          `${roomUrl}/participants`,
          key,
          { roomId: room.id },
          { email: 'nobody@example.com' },
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await hit(
          participantsPath,
          roomParticipantsRoute,
          'post',
          `${roomUrl}/participants`,
          key,
          { roomId: room.id },
          { userId: 'a', email: 'a@example.com' },
        )
      ).status,
    ).toBe(400);
    const participantList = await hit(
      participantsPath,
      roomParticipantsRoute,
      'get',
      `${roomUrl}/participants`,
      key,
      { roomId: room.id },
    );
    expect((participantList.data as { participants: unknown[] }).participants).toHaveLength(3);

    // Prizes and draws: create (201), draw (201, the record), exhausted (409), delete with winners (409).
    const prizesPath = '/api/v1/orgs/{slug}/rooms/{roomId}/prizes';
    const prizePath = '/api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}';
    const drawPath = '/api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}/draw';
    const prize = (
      await hit(
        prizesPath,
        prizesRoute,
        'post',
        `${roomUrl}/prizes`,
        key,
        { roomId: room.id },
        example(prizesPath, 'post', 'prize'),
      )
    ).data as { id: string; quantity: number };
    expect(prize).toMatchObject({ quantity: 2, awarded: 0, remaining: 2 });
    expect(
      (
        await hit(
          prizesPath,
          prizesRoute,
          'post',
          `${roomUrl}/prizes`,
          key,
          { roomId: room.id },
          { name: 'Nothing', quantity: 0 },
        )
      ).status,
    ).toBe(400);
    const prizeUrl = `${roomUrl}/prizes/${prize.id}`;
    const drawn = await hit(drawPath, drawRoute, 'post', `${prizeUrl}/draw`, key, {
      roomId: room.id,
      prizeId: prize.id,
    });
    expect(drawn.status).toBe(201);
    const winnersDrawn = (
      drawn.data as {
        winners: {
          id: string;
          participantId: string;
          userId: string;
          metadata: { candidateIds: string[] };
        }[];
      }
    ).winners;
    expect(winnersDrawn).toHaveLength(2);
    expect(winnersDrawn[0]!.metadata.candidateIds).toHaveLength(3);
    const exhausted = await hit(
      drawPath,
      drawRoute,
      'post',
      `${prizeUrl}/draw`,
      key,
      { roomId: room.id, prizeId: prize.id },
      example(drawPath, 'post', 'some'),
    );
    expect(exhausted.status).toBe(409);
    const withWinners = await hit(prizePath, prizeRoute, 'delete', prizeUrl, key, {
      roomId: room.id,
      prizeId: prize.id,
    });
    expect(withWinners.status).toBe(409);
    expect(withWinners.data).toEqual({
      error: { code: 'conflict', message: 'Cannot delete prize: 2 winner(s) exist. Revoke winners first.' },
    });
    expect(
      (await hit(prizesPath, prizesRoute, 'get', `${roomUrl}/prizes`, key, { roomId: room.id })).data,
    ).toMatchObject({
      prizes: [{ id: prize.id, awarded: 2, remaining: 0 }],
    });

    // Winners: list, revoke (204) which frees a slot, then the prize can go once none is left.
    const winnersPath = '/api/v1/orgs/{slug}/rooms/{roomId}/winners';
    const winnerPath = '/api/v1/orgs/{slug}/rooms/{roomId}/winners/{winnerId}';
    const winnerList = await hit(winnersPath, winnersRoute, 'get', `${roomUrl}/winners`, memberJwt, {
      roomId: room.id,
    });
    expect((winnerList.data as { winners: unknown[] }).winners).toHaveLength(2);
    for (const w of winnersDrawn)
      expect(
        (
          await hit(winnerPath, winnerRoute, 'delete', `${roomUrl}/winners/${w.id}`, key, {
            roomId: room.id,
            winnerId: w.id,
          })
        ).status,
      ).toBe(204);
    expect(
      (
        await hit(winnerPath, winnerRoute, 'delete', `${roomUrl}/winners/${winnersDrawn[0]!.id}`, key, {
          roomId: room.id,
          winnerId: winnersDrawn[0]!.id,
        })
      ).status,
    ).toBe(404);
    const redrawn = await hit(
      drawPath,
      drawRoute,
      'post',
      `${prizeUrl}/draw`,
      ownerJwt,
      { roomId: room.id, prizeId: prize.id },
      example(drawPath, 'post', 'some'),
    );
    expect((redrawn.data as { winners: unknown[] }).winners).toHaveLength(1);
    const lastWinner = (redrawn.data as { winners: { id: string }[] }).winners[0]!;
    expect(
      (await hit(prizePath, prizeRoute, 'delete', prizeUrl, key, { roomId: room.id, prizeId: prize.id }))
        .status,
    ).toBe(409);
    await hit(winnerPath, winnerRoute, 'delete', `${roomUrl}/winners/${lastWinner.id}`, key, {
      roomId: room.id,
      winnerId: lastWinner.id,
    });
    expect(
      (await hit(prizePath, prizeRoute, 'delete', prizeUrl, key, { roomId: room.id, prizeId: prize.id }))
        .status,
    ).toBe(204);

    const participantId = (byEmail.data as { id: string }).id;
    const participantUrl = `${roomUrl}/participants/${participantId}`;
    expect(
      (
        await hit(participantPath, roomParticipantRoute, 'delete', participantUrl, key, {
          roomId: room.id,
          participantId,
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await hit(participantPath, roomParticipantRoute, 'delete', participantUrl, key, {
          roomId: room.id,
          participantId,
        })
      ).status,
    ).toBe(404);

    // Authentication and scopes: none (401), a usage-only key (403), another organization's key (404).
    expect((await hit(roomsPath, roomsRoute, 'get', `${base}/rooms`, null, {})).status).toBe(401);
    const noScope = await hit(roomsPath, roomsRoute, 'get', `${base}/rooms`, usageKey, {});
    expect(noScope.status).toBe(403);
    expect((noScope.data as { error: { message: string } }).error.message).toContain('rooms:read');
    expect((await hit(roomsPath, roomsRoute, 'get', `${base}/rooms`, otherKey, {})).status).toBe(404);
    // A body that is not JSON: 400. A method a path does not take: 405 (documented with the path's operation).
    const notJson = apiRequest(`${base}/apps`, key, { method: 'POST', body: '{' });
    expect(
      (await expectDocumented(appsPath, 'post', await call(appsRoute.action, notJson, { slug }))).status,
    ).toBe(400);
    const wrongMethod = async (
      path: string,
      handler: unknown,
      url: string,
      params: Record<string, string>,
      as: string,
    ) => {
      const request = apiRequest(url, key, { method: 'PUT', json: {} });
      return (
        await expectDocumented(
          path,
          as,
          await call(handler as Parameters<typeof call>[0], request, { slug, ...params }),
        )
      ).status;
    };
    expect(await wrongMethod(roomsPath, roomsRoute.action, `${base}/rooms`, {}, 'post')).toBe(405);
    expect(await wrongMethod(roomPath, roomRoute.action, roomUrl, { roomId: room.id }, 'patch')).toBe(405);
    expect(
      await wrongMethod(
        drawPath,
        drawRoute.action,
        `${prizeUrl}/draw`,
        { roomId: room.id, prizeId: prize.id },
        'post',
      ),
    ).toBe(405);
    expect(
      await wrongMethod(appPath, appRoute.loader, `${base}/apps/raffle`, { appId: 'raffle' }, 'put'),
    ).toBe(405);
    expect(
      await wrongMethod(winnersPath, winnersRoute.action, `${roomUrl}/winners`, { roomId: room.id }, 'get'),
    ).toBe(405);
    // Deleting the room (204) makes it a 404.
    expect((await hit(roomPath, roomRoute, 'delete', roomUrl, key, { roomId: room.id })).status).toBe(204);
    expect((await hit(roomPath, roomRoute, 'get', roomUrl, key, { roomId: room.id })).status).toBe(404);
  });
});
