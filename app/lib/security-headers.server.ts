// Security headers for every response; document responses also get a CSP with a per-response nonce.
import { randomBytes } from 'node:crypto';
import { env } from '~/env.server';

export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Where a form may lead. Chrome applies form-action to the redirects after a submission too, so a
 * billing form answering 303 to Stripe Checkout or the portal needs Stripe's hosted-page origins (and the
 * fake Stripe's, when STRIPE_API_BASE points elsewhere); without Stripe, only our own origin.
 */
export function formActionSources(): string[] {
  const { STRIPE_SECRET_KEY, STRIPE_API_BASE } = env();
  if (!STRIPE_SECRET_KEY) return ["'self'"];
  const sources = ["'self'", 'https://checkout.stripe.com', 'https://billing.stripe.com'];
  if (STRIPE_API_BASE) sources.push(new URL(STRIPE_API_BASE).origin);
  return sources;
}

export function contentSecurityPolicy(nonce: string, isDev: boolean): string {
  const directives = [
    "default-src 'self'",
    // Dev: Vite's HMR preamble and client are injected without our nonce, and talk over a websocket.
    isDev ? "script-src 'self' 'unsafe-inline'" : `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // Inline style attributes only (no inline <style> from users); scripts stay nonce-only.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self'",
    isDev ? "connect-src 'self' ws: wss:" : "connect-src 'self'",
    `form-action ${formActionSources().join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ];
  return directives.join('; ');
}

/**
 * HSTS when the public URL is https: browsers then refuse plain http for a year. Not includeSubDomains:
 * sibling apps on the domain are not ours to force onto https.
 */
export function strictTransportSecurity(appUrl: string): string | null {
  return appUrl.startsWith('https://') ? 'max-age=31536000' : null;
}

/** Headers every response carries, documents or not. */
export function applyBaseSecurityHeaders(headers: Headers, appUrl = env().APP_URL): void {
  const hsts = strictTransportSecurity(appUrl);
  if (hsts) headers.set('Strict-Transport-Security', hsts);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}
