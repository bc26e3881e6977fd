// X-Forwarded-Host / X-Forwarded-Proto are believed only through TRUST_PROXY_HOPS reverse proxies, like
// X-Forwarded-For (client-address.ts): without a trusted proxy a client could claim any host or scheme
// and, for example, make a cross-site POST look same-origin.
import type { IncomingMessage } from 'node:http';

export const trustedProxyHops = () => Number(process.env.TRUST_PROXY_HOPS ?? 0) || 0;

const header = (req: Pick<IncomingMessage, 'headers'>, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/**
 * The value the outermost of `hops` trusted proxies set (each proxy appends, so it is `hops` entries from
 * the end), or undefined when no proxy is trusted or none sent the header.
 */
export function trustedForwardedValue(value: string | undefined, hops: number): string | undefined {
  if (hops <= 0 || !value) return undefined;
  const values = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return values[Math.max(0, values.length - hops)];
}

/** scheme://host[:port] of this request as the client addressed it; null when the Host is unusable. */
export function requestOrigin(
  req: Pick<IncomingMessage, 'headers'> & { socket?: unknown },
  hops = trustedProxyHops(),
): string | null {
  const proto =
    trustedForwardedValue(header(req, 'x-forwarded-proto'), hops)?.toLowerCase() ??
    ((req.socket as { encrypted?: boolean } | null | undefined)?.encrypted ? 'https' : 'http');
  const host = trustedForwardedValue(header(req, 'x-forwarded-host'), hops) ?? header(req, 'host');
  if (!host || /[/?#@\\\s]/.test(host) || (proto !== 'http' && proto !== 'https')) return null;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return null;
  }
}

/**
 * Connect middleware: leaves in X-Forwarded-Host / -Proto only what a trusted proxy said (one value), so
 * everything after it — Remix's own origin check, request.url — sees the same, believable request.
 */
export function forwardedHeadersMiddleware(hops = trustedProxyHops()) {
  return (req: IncomingMessage, _res: unknown, next: (err?: unknown) => void) => {
    for (const name of ['x-forwarded-host', 'x-forwarded-proto']) {
      const trusted = trustedForwardedValue(header(req, name), hops);
      if (trusted) req.headers[name] = trusted;
      else delete req.headers[name];
    }
    next();
  };
}
