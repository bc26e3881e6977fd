// The checks every request passes before Remix sees it (issue 8), as Connect middleware shared by the
// Express production server and, where they apply, the Vite dev server. Order matters and lives here:
//   forwarded headers → client address → CSRF → route manifest → URL → body (size limit, then content).
// Each refusal is a 4xx with a message: JSON for the API, plain text elsewhere.
import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddressMiddleware } from './client-address';
import { isExemptPath, normalizedPath } from './csrf';
import { csrfMiddlewareFor } from './csrf-middleware';
import { forwardedHeadersMiddleware, trustedProxyHops } from './forwarded';
import {
  bodyKind,
  checkBody,
  checkManifestRequest,
  checkUrl,
  MANIFEST_PATH,
  type Refusal,
} from './request-guard';

type Next = (err?: unknown) => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

// Decimal megabytes, like the limits the OpenAPI document states for the usage endpoint.
export const FORM_BODY_LIMIT = 1_000_000;
export const JSON_BODY_LIMIT = 2_000_000;

const CODES: Record<number, string> = {
  400: 'bad_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

export function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) return void res.end();
  res.statusCode = refusal.status;
  res.setHeader('Cache-Control', 'no-store');
  if (isExemptPath(req.url ?? '/') || /json/i.test(String(req.headers.accept ?? ''))) {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(
      JSON.stringify({ error: { code: CODES[refusal.status] ?? 'bad_request', message: refusal.message } }),
    );
  } else {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(refusal.message);
  }
}

/** Remix's lazy route discovery endpoint: bounded (Remix 2 has no fix for its DoS advisory; ADR 3). */
export const manifestGuardMiddleware: Middleware = (req, res, next) => {
  if (normalizedPath(req.url ?? '/') !== MANIFEST_PATH) return next();
  const refusal = checkManifestRequest(req.method ?? 'GET', req.url ?? '/');
  return refusal ? refuse(req, res, refusal) : next();
};

/** No NUL in any path segment or query parameter. */
export const urlGuardMiddleware: Middleware = (req, res, next) => {
  const refusal = checkUrl(req.url ?? '/');
  return refusal ? refuse(req, res, refusal) : next();
};

// The body read by bodyGuardMiddleware, for the Remix handler (remix-handler.ts) to hand on.
const buffered = new WeakMap<IncomingMessage, Buffer>();
export const bufferedBody = (req: IncomingMessage) => buffered.get(req);

/**
 * Reads the body of every non-GET request in full, enforcing the limit on the stream itself (a chunked
 * body has no Content-Length to trust): 1 MB for forms, 2 MB for JSON, else 413. Then refuses what no
 * route could store (request-guard.ts), and page routes' bodies that are not a form (no body or no
 * Content-Type made request.formData() throw: a 500).
 */
export function bodyGuardMiddleware(limits = { form: FORM_BODY_LIMIT, json: JSON_BODY_LIMIT }): Middleware {
  return (req, res, next) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const kind = bodyKind(req.headers['content-type']);
    if (!isExemptPath(req.url ?? '/') && kind !== 'form' && kind !== 'multipart')
      return refuse(req, res, {
        status: 415,
        message: 'Send the form as application/x-www-form-urlencoded or multipart/form-data.',
      });
    const limit = kind === 'json' ? limits.json : limits.form;
    const tooLarge: Refusal = { status: 413, message: `The request body is larger than ${limit} bytes.` };
    const overLimit = () => {
      // Stop reading and close the connection once the answer is out: the rest of the body is not wanted.
      res.setHeader('Connection', 'close');
      res.on('finish', () => req.destroy());
      req.pause();
      refuse(req, res, tooLarge);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return overLimit();

    const chunks: Buffer[] = [];
    let size = 0;
    let stopped = false;
    // The request store (request-context.server.ts) must survive the stream callbacks.
    const resume = AsyncResource.bind(async () => {
      const body = Buffer.concat(chunks);
      const refusal =
        checkBody(kind, body) ?? (kind === 'multipart' ? await checkMultipart(req, body) : null);
      if (refusal) return refuse(req, res, refusal);
      buffered.set(req, body);
      next();
    });
    req.on('data', (chunk: Buffer) => {
      if (stopped) return;
      size += chunk.length;
      if (size > limit) {
        stopped = true;
        chunks.length = 0;
        return overLimit();
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!stopped) resume();
    });
    req.on('error', (err) => {
      if (!stopped) next(err);
      stopped = true;
    });
  };
}

/** A multipart body must parse (request.formData() in a route would throw: a 500). */
async function checkMultipart(req: IncomingMessage, body: Buffer): Promise<Refusal | null> {
  try {
    await new Response(new Uint8Array(body), {
      headers: { 'content-type': String(req.headers['content-type']) },
    }).formData();
    return null;
  } catch {
    return { status: 400, message: 'The form could not be read (malformed multipart/form-data).' };
  }
}

/** Everything above, in order, for the Express server (server.ts registers it before Remix). */
export function edgeMiddleware(config: { TRUST_PROXY_HOPS: number }): Middleware[] {
  return [
    forwardedHeadersMiddleware(config.TRUST_PROXY_HOPS),
    clientAddressMiddleware(config.TRUST_PROXY_HOPS),
    csrfMiddlewareFor(config.TRUST_PROXY_HOPS),
    manifestGuardMiddleware,
    urlGuardMiddleware,
    bodyGuardMiddleware(),
  ];
}

/** The Vite dev server's subset: everything but the body guard (Remix's dev handler reads the stream). */
export function devEdgeMiddleware(hops = trustedProxyHops()): Middleware[] {
  return [
    forwardedHeadersMiddleware(hops),
    clientAddressMiddleware(hops),
    csrfMiddlewareFor(hops),
    manifestGuardMiddleware,
    urlGuardMiddleware,
  ];
}
