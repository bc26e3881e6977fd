// Cookie reading that survives other apps' cookies. Every app on the domain shares the Cookie header, and a
// sibling can set `_ga=100%` — a value decodeURIComponent throws on — so a cookie we cannot decode is
// skipped, never an exception (one bad cookie must not make every page a 500).

/** name → value of every cookie in the header that decodes; first occurrence wins (RFC 6265 §5.4 order). */
export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const rawName = pair.slice(0, eq).trim();
    let rawValue = pair.slice(eq + 1).trim();
    if (rawValue.startsWith('"') && rawValue.endsWith('"') && rawValue.length >= 2)
      rawValue = rawValue.slice(1, -1);
    if (!rawName) continue;
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      continue;
    }
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** The decoded value of one cookie of the request, or null when absent or undecodable. */
export function readCookie(request: Request, name: string): string | null {
  return parseCookieHeader(request.headers.get('Cookie')).get(name) ?? null;
}

/** A Cookie header holding only `name` (re-encoded), for libraries that parse the header themselves. */
export function cookieHeaderWith(request: Request, name: string): string | null {
  const value = readCookie(request, name);
  return value === null ? null : `${name}=${encodeURIComponent(value)}`;
}

const isHttps = (appUrl: string) => {
  try {
    return new URL(appUrl).protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * A cookie's name for this deployment: `__Host-<base>` when the app is served over https, so the browser
 * only accepts it Secure, Path=/ and without Domain (a sibling subdomain cannot plant or shadow it).
 * Plain http (local development) cannot carry `__Host-` cookies, so there the base name is used.
 */
export function cookieName(base: string, appUrl: string = process.env.APP_URL ?? ''): string {
  return isHttps(appUrl) ? `__Host-${base}` : base;
}

/** Whether cookies must be Secure: always on https, and in production (as before). */
export function secureCookies(appUrl: string, nodeEnv: string | undefined): boolean {
  return isHttps(appUrl) || nodeEnv === 'production';
}
