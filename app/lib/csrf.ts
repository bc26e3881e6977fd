// CSRF defence for cookie-authenticated requests (SPEC §7): a non-GET request that carries a cookie must
// come from our own origin (Origin header, or Sec-Fetch-Site when the browser sends no Origin).
// Webhook, cron and /api/ routes are exempt: they authenticate by signature or bearer token, not cookies.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const EXEMPT_PREFIXES = ['/webhooks/', '/cron/', '/api/'];

export interface CsrfInput {
  method: string;
  path: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  hasCookie: boolean;
  /** Extra origins allowed (APP_URL when running behind a proxy that rewrites Host). */
  trustedOrigins?: string[];
}

/** Returns a refusal reason, or null when the request may proceed. */
export function csrfRefusal(input: CsrfInput): string | null {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return null;
  if (EXEMPT_PREFIXES.some((p) => input.path.startsWith(p))) return null;
  if (!input.hasCookie) return null;
  if (input.origin && input.origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(input.origin).host;
    } catch {
      return 'malformed Origin header';
    }
    if (originHost === input.host) return null;
    if (input.trustedOrigins?.some((o) => o === input.origin)) return null;
    return `cross-origin request from ${input.origin}`;
  }
  if (input.origin === 'null') return 'opaque origin';
  // No Origin header (old browsers, some same-origin GET-to-POST redirects): fall back to Fetch Metadata.
  if (input.secFetchSite && input.secFetchSite !== 'same-origin' && input.secFetchSite !== 'none') {
    return `cross-site request (Sec-Fetch-Site: ${input.secFetchSite})`;
  }
  return null;
}

export function csrfInputFromNode(req: {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}): CsrfInput {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    method: req.method ?? 'GET',
    path: (req.url ?? '/').split('?')[0] ?? '/',
    host: header('x-forwarded-host') ?? header('host'),
    origin: header('origin'),
    secFetchSite: header('sec-fetch-site'),
    hasCookie: Boolean(header('cookie')),
    trustedOrigins: process.env.APP_URL ? [new URL(process.env.APP_URL).origin] : [],
  };
}

export const CSRF_REFUSAL_BODY = 'Forbidden: this request did not come from this site.';
