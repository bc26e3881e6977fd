import { describe, expect, it } from 'vitest';
import { csrfRefusal } from './csrf';

const base = { method: 'POST', path: '/settings/profile', host: 'app.test', hasCookie: true } as const;

describe('CSRF check', () => {
  it('lets same-origin POSTs through', () => {
    expect(csrfRefusal({ ...base, origin: 'http://app.test', secFetchSite: 'same-origin' })).toBeNull();
  });

  it('refuses a foreign Origin on a cookie-authenticated POST', () => {
    expect(csrfRefusal({ ...base, origin: 'http://evil.test', secFetchSite: 'cross-site' })).toMatch(
      /evil\.test/,
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

  it('ignores safe methods, requests without cookies, and webhook/cron/api routes', () => {
    expect(
      csrfRefusal({ ...base, method: 'GET', origin: 'http://evil.test', secFetchSite: 'cross-site' }),
    ).toBeNull();
    expect(
      csrfRefusal({ ...base, hasCookie: false, origin: 'http://evil.test', secFetchSite: 'cross-site' }),
    ).toBeNull();
    for (const path of ['/webhooks/stripe', '/cron/billing-run', '/api/v1/auth/token']) {
      expect(
        csrfRefusal({ ...base, path, origin: 'http://evil.test', secFetchSite: 'cross-site' }),
      ).toBeNull();
    }
  });

  it('accepts the configured public origin behind a proxy', () => {
    expect(
      csrfRefusal({
        ...base,
        host: 'internal:3000',
        origin: 'https://app.example',
        secFetchSite: 'same-origin',
        trustedOrigins: ['https://app.example'],
      }),
    ).toBeNull();
  });
});
