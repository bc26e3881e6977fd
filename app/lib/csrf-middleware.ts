// Connect-style middleware (used by the Express production server and the Vite dev server alike).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CSRF_REFUSAL_BODY, csrfInputFromNode, csrfRefusal } from './csrf';
import { trustedProxyHops } from './forwarded';

export function csrfMiddlewareFor(hops: number) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    const reason = csrfRefusal(csrfInputFromNode(req, hops));
    if (!reason) return next();
    res.statusCode = 403;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(CSRF_REFUSAL_BODY);
  };
}

/** With TRUST_PROXY_HOPS read from the environment at each request. */
export function csrfMiddleware(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) {
  csrfMiddlewareFor(trustedProxyHops())(req, res, next);
}
