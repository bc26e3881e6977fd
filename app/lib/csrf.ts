// CSRF defence (SPEC §7): a state-changing request to a page must come from our own origin — the full
// origin, scheme, host and port, compared with the Origin header (or Sec-Fetch-Site when a browser sends
// no Origin on a cookie-carrying request). Cross-origin POSTs are refused even without a cookie: there is
// no legitimate one (login CSRF is one), and Remix's own host-only check would otherwise throw a 500.
// Webhook, cron and /api/ routes are exempt — they authenticate by signature or bearer token, not
// cookies — decided on the normalized path, so `/api/../o/x` or `/webhooks/%2e%2e/o/x` is /o/x.
import { requestOrigin, trustedProxyHops } from './forwarded';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const EXEMPT_PREFIXES = ['/webhooks/', '/cron/', '/api/'];

export interface CsrfInput {
  method: string;
  /** The request target as sent (it is normalized here). */
  path: string;
  /** scheme://host[:port] the client addressed (trusted proxies only), null when unusable. */
  requestOrigin: string | null;
  origin: string | undefined;
  secFetchSite: string | undefined;
  hasCookie: boolean;
  /** Extra origins allowed (APP_URL when running behind a proxy that rewrites Host). */
  trustedOrigins?: string[];
}

/** The path the router will see: dot segments and their percent-encoded forms resolved (WHATWG URL). */
export function normalizedPath(target: string): string {
  try {
    return new URL(target.split('?')[0] ?? '/', 'http://x').pathname;
  } catch {
    return target;
  }
}

export const isExemptPath = (target: string) => {
  const path = normalizedPath(target);
  return EXEMPT_PREFIXES.some((p) => path.startsWith(p));
};

function originOf(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Returns a refusal reason, or null when the request may proceed. */
export function csrfRefusal(input: CsrfInput): string | null {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return null;
  if (isExemptPath(input.path)) return null;
  if (input.origin !== undefined) {
    if (input.origin === 'null') return 'opaque origin';
    const origin = originOf(input.origin);
    if (!origin) return 'malformed Origin header';
    if (input.requestOrigin && origin === input.requestOrigin) return null;
    if (input.trustedOrigins?.some((o) => originOf(o) === origin)) return null;
    return `cross-origin request from ${origin}`;
  }
  // No Origin header (old browsers, some same-origin redirects): fall back to Fetch Metadata.
  if (
    input.hasCookie &&
    input.secFetchSite &&
    input.secFetchSite !== 'same-origin' &&
    input.secFetchSite !== 'none'
  ) {
    return `cross-site request (Sec-Fetch-Site: ${input.secFetchSite})`;
  }
  return null;
}

export function csrfInputFromNode(
  req: {
    method?: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
    socket?: unknown;
  },
  hops = trustedProxyHops(),
): CsrfInput {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    requestOrigin: requestOrigin(req, hops),
    origin: header('origin'),
    secFetchSite: header('sec-fetch-site'),
    hasCookie: Boolean(header('cookie')),
    trustedOrigins: process.env.APP_URL ? [process.env.APP_URL] : [],
  };
}

export const CSRF_REFUSAL_BODY = 'Forbidden: this request did not come from this site.';
