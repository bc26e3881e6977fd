// Express → Remix, like @remix-run/express's handler, with three additions (issue 8):
// - the body comes from the edge's bodyGuardMiddleware (read once, size-limited on the stream, checked);
// - every loader and action of the build is wrapped so a client error that escaped a route (a ZodError, a
//   PostgreSQL data exception, an unmapped DomainError) becomes its 4xx instead of a 500. The mapping is
//   the build's own (entry.server exports routeErrorResponse from app/lib/http.server.ts): the server
//   bundle holds its own copy of the error classes, so `instanceof` only works on that side;
// - Cache-Control: no-store on every answer a cookie or bearer token could personalize (cacheHeaders).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AppLoadContext,
  createRequestHandler as createRemixHandler,
  type ServerBuild,
  writeReadableStreamToWritable,
} from '@remix-run/node';
import { bufferedBody } from './edge';
import { requestOrigin } from './forwarded';

type RouteErrorMapper = (err: unknown, routeId: string) => Response | null;

type RouteFn = (args: unknown) => unknown;

/** The build with every loader/action wrapped by the build's own error mapping. */
export function guardedBuild(build: ServerBuild, fallback?: RouteErrorMapper): ServerBuild {
  const map =
    (build.entry.module as { routeErrorResponse?: RouteErrorMapper }).routeErrorResponse ?? fallback;
  if (!map) throw new Error('entry.server must export routeErrorResponse (app/lib/http.server.ts)');
  const wrap = (fn: RouteFn | undefined, routeId: string) =>
    fn &&
    (async (args: unknown) => {
      try {
        return await fn(args);
      } catch (err) {
        if (err instanceof Response) throw err;
        throw map(err, routeId) ?? err;
      }
    });
  const routes = Object.fromEntries(
    Object.entries(build.routes).map(([id, route]) => {
      if (!route) return [id, route];
      const module = route.module as unknown as Record<string, unknown>;
      return [
        id,
        {
          ...route,
          module: {
            ...module,
            loader: wrap(module.loader as RouteFn | undefined, id),
            action: wrap(module.action as RouteFn | undefined, id),
          },
        },
      ];
    }),
  ) as ServerBuild['routes'];
  return { ...build, routes };
}

/**
 * The caching rule: a response to a request that carried credentials (any cookie, or Authorization) is
 * never stored by a browser or proxy — it may be personal. Anonymous answers default to no-store too,
 * unless the route chose a Cache-Control itself (the OpenAPI document). Static files never come here.
 */
export function cacheHeaders(request: Request, headers: Headers): void {
  const credentialed = request.headers.has('cookie') || request.headers.has('authorization');
  if (credentialed || !headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
}

function toRequest(req: IncomingMessage, res: ServerResponse, appUrl: string | undefined): Request {
  const origin = requestOrigin(req) ?? 'http://localhost';
  const url = new URL(req.url ?? '/', origin);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  // Our CSRF check (app/lib/csrf.ts) already accepted this Origin — it may be APP_URL behind a proxy that
  // rewrote Host; Remix's host-only re-check would turn that accepted request into a 500.
  const sent = headers.get('origin');
  if (sent && appUrl && sent === new URL(appUrl).origin && new URL(sent).host !== url.host)
    headers.delete('origin');
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = (req.method ?? 'GET').toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(bufferedBody(req) ?? []);
  return new Request(url.href, { method, headers, body, signal: controller.signal });
}

export function remixHandler(options: {
  build: ServerBuild;
  mode?: string;
  getLoadContext?: (req: IncomingMessage, res: ServerResponse) => AppLoadContext | Promise<AppLoadContext>;
  appUrl?: string;
  /** Only for builds whose entry cannot export it (tests assembling a build from source). */
  routeErrorResponse?: RouteErrorMapper;
}) {
  const handle = createRemixHandler(guardedBuild(options.build, options.routeErrorResponse), options.mode);
  return async (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    try {
      const request = toRequest(req, res, options.appUrl);
      const response = await handle(request, await options.getLoadContext?.(req, res));
      cacheHeaders(request, response.headers);
      res.statusMessage = response.statusText;
      res.statusCode = response.status;
      for (const [key, value] of response.headers) res.appendHeader(key, value);
      if (response.body) await writeReadableStreamToWritable(response.body, res);
      else res.end();
    } catch (err) {
      next(err);
    }
  };
}
