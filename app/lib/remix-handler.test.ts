// The safety net of the server's Remix handler: a client error that escapes a loader or action becomes
// its 4xx (JSON for the API), a bug stays a 500.
import type { ServerBuild } from '@remix-run/node';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { routeErrorResponse } from './http.server';
import { cacheHeaders, guardedBuild } from './remix-handler';

const nulByte = Object.assign(new Error('Failed query'), { cause: { code: '22021' } });
const throwing = (err: unknown) => async () => {
  throw err;
};

function build(loader: () => Promise<unknown>): ServerBuild {
  return {
    entry: { module: { routeErrorResponse } },
    routes: {
      'routes/o.$slug.audit': { id: 'routes/o.$slug.audit', path: 'audit', module: { loader } },
      'routes/api.v1.thing': { id: 'routes/api.v1.thing', path: 'api/v1/thing', module: { action: loader } },
    },
  } as unknown as ServerBuild;
}

async function thrown(fn: unknown): Promise<unknown> {
  try {
    await (fn as (a: unknown) => Promise<unknown>)({});
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('guardedBuild', () => {
  it('turns an escaped ZodError or PostgreSQL data exception into a 400', async () => {
    const zodError = z.object({ memberId: z.string() }).safeParse({}).error;
    for (const err of [zodError, nulByte]) {
      const guarded = guardedBuild(build(throwing(err)));
      const page = await thrown(guarded.routes['routes/o.$slug.audit']?.module.loader);
      expect(page).toBeInstanceOf(Response);
      expect((page as Response).status).toBe(400);
      const api = (await thrown(guarded.routes['routes/api.v1.thing']?.module.action)) as Response;
      expect(api.status).toBe(400);
      expect(((await api.json()) as { error: { code: string } }).error.code).toMatch(
        /validation_failed|invalid_input/,
      );
    }
  });

  it('passes thrown Responses and bugs through unchanged', async () => {
    const redirect = new Response(null, { status: 302 });
    expect(
      await thrown(guardedBuild(build(throwing(redirect))).routes['routes/o.$slug.audit']?.module.loader),
    ).toBe(redirect);
    const bug = new Error('bug');
    expect(
      await thrown(guardedBuild(build(throwing(bug))).routes['routes/o.$slug.audit']?.module.loader),
    ).toBe(bug);
  });
});

describe('cacheHeaders', () => {
  it('never lets a credentialed answer be stored; anonymous answers default to no-store', () => {
    const h = new Headers({ 'Cache-Control': 'public, max-age=300' });
    cacheHeaders(new Request('http://x/', { headers: { cookie: 'session=1' } }), h);
    expect(h.get('Cache-Control')).toBe('no-store');
    const bearer = new Headers({ 'Cache-Control': 'public' });
    cacheHeaders(new Request('http://x/', { headers: { authorization: 'Bearer x' } }), bearer);
    expect(bearer.get('Cache-Control')).toBe('no-store');
    const anonymous = new Headers();
    cacheHeaders(new Request('http://x/'), anonymous);
    expect(anonymous.get('Cache-Control')).toBe('no-store');
    const publicDoc = new Headers({ 'Cache-Control': 'public, max-age=300' });
    cacheHeaders(new Request('http://x/'), publicDoc);
    expect(publicDoc.get('Cache-Control')).toBe('public, max-age=300');
  });
});
