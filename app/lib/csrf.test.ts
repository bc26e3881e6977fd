import { describe, expect, it } from 'vitest';
import { csrfInputFromNode, csrfRefusal, normalizedPath } from './csrf';

const base = {
  method: 'POST',
  path: '/settings/profile',
  requestOrigin: 'http://app.test',
  hasCookie: true,
} as const;

describe('CSRF check', () => {
  it('lets same-origin POSTs through', () => {
    expect(csrfRefusal({ ...base, origin: 'http://app.test', secFetchSite: 'same-origin' })).toBeNull();
  });

  it('refuses a foreign Origin on a cookie-authenticated POST', () => {
    expect(csrfRefusal({ ...base, origin: 'http://evil.test', secFetchSite: 'cross-site' })).toMatch(
      /evil\.test/,
    );
  });

  it('compares the full origin: another scheme or port is another origin', () => {
    expect(csrfRefusal({ ...base, origin: 'https://app.test', secFetchSite: undefined })).not.toBeNull();
    expect(csrfRefusal({ ...base, origin: 'http://app.test:8080', secFetchSite: undefined })).not.toBeNull();
    expect(csrfRefusal({ ...base, origin: 'http://APP.test:80', secFetchSite: undefined })).toBeNull();
  });

  it('refuses cross-origin POSTs without a cookie too (Remix would answer them 500)', () => {
    expect(
      csrfRefusal({ ...base, hasCookie: false, origin: 'http://evil.test', secFetchSite: 'cross-site' }),
    ).not.toBeNull();
    expect(
      csrfRefusal({ ...base, hasCookie: false, origin: 'null', secFetchSite: undefined }),
    ).not.toBeNull();
    expect(csrfRefusal({ ...base, hasCookie: false, origin: 'not a url', secFetchSite: undefined })).toMatch(
      /malformed/,
    );
  });

  it('refuses an opaque (null) origin', () => {
    expect(csrfRefusal({ ...base, origin: 'null', secFetchSite: undefined })).not.toBeNull();
  });

  it('falls back to Sec-Fetch-Site when no Origin is sent', () => {
    expect(csrfRefusal({ ...base, origin: undefined, secFetchSite: 'cross-site' })).not.toBeNull();
    expect(csrfRefusal({ ...base, origin: undefined, secFetchSite: 'same-site' })).not.toBeNull();
    expect(csrfRefusal({ ...base, origin: undefined, secFetchSite: 'same-origin' })).toBeNull();
  });

  it('ignores safe methods and webhook/cron/api routes', () => {
    expect(
      csrfRefusal({ ...base, method: 'GET', origin: 'http://evil.test', secFetchSite: 'cross-site' }),
    ).toBeNull();
    for (const path of ['/webhooks/stripe', '/cron/billing-run', '/api/v1/auth/token']) {
      expect(
        csrfRefusal({ ...base, path, origin: 'http://evil.test', secFetchSite: 'cross-site' }),
      ).toBeNull();
    }
  });

  it('decides exemptions on the normalized path, so dot segments cannot smuggle a POST past it', () => {
    expect(normalizedPath('/api/../o/x')).toBe('/o/x');
    expect(normalizedPath('/webhooks/%2e%2e/o/x?a=1')).toBe('/o/x');
    for (const path of ['/api/../o/x/members', '/webhooks/%2e%2e/settings/profile', '/cron/%2E%2E/logout']) {
      expect(csrfRefusal({ ...base, path, origin: 'http://evil.test', secFetchSite: 'cross-site' })).toMatch(
        /cross-origin/,
      );
    }
  });

  it('accepts the configured public origin behind a proxy', () => {
    expect(
      csrfRefusal({
        ...base,
        requestOrigin: 'http://internal:3000',
        origin: 'https://app.example',
        secFetchSite: 'same-origin',
        trustedOrigins: ['https://app.example'],
      }),
    ).toBeNull();
  });

  it('believes X-Forwarded-Host/-Proto only through trusted proxies', () => {
    const req = {
      method: 'POST',
      url: '/logout',
      headers: { host: 'app.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' },
    };
    expect(csrfInputFromNode(req, 0).requestOrigin).toBe('http://app.test');
    expect(csrfInputFromNode(req, 1).requestOrigin).toBe('https://evil.test');
    const forged = { ...req, headers: { ...req.headers, 'x-forwarded-host': 'forged.test, app.example' } };
    expect(csrfInputFromNode(forged, 1).requestOrigin).toBe('https://app.example');
  });
});
