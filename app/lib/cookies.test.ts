// One undecodable cookie from a sibling app on the domain (issue 8 §1) must not break cookie reading.
import { describe, expect, it } from 'vitest';
import { cookieName, parseCookieHeader, readCookie } from './cookies';
import { flashCookie, flashCookieName, readFlash } from './flash.server';

describe('cookie reading', () => {
  it('skips a cookie that does not decode and keeps the others', () => {
    const cookies = parseCookieHeader('_ga=100%; session=abc%20def; %E0%A4%A=x; "q"="quoted"');
    expect(cookies.get('session')).toBe('abc def');
    expect(cookies.has('_ga')).toBe(false);
    expect(
      readCookie(new Request('http://x/', { headers: { cookie: '_ga=100%; session=t' } }), 'session'),
    ).toBe('t');
    expect(readCookie(new Request('http://x/'), 'session')).toBeNull();
  });

  it('reads the flash message next to a malformed cookie', async () => {
    const set = await flashCookie({ kind: 'success', message: 'Saved.' });
    const pair = set.split(';')[0];
    const { flash } = await readFlash(
      new Request('http://x/', { headers: { cookie: `_ga=100%; ${pair}; other=%` } }),
    );
    expect(flash).toEqual({ kind: 'success', message: 'Saved.' });
  });

  it('names cookies __Host- on https only', () => {
    expect(cookieName('session', 'https://app.example')).toBe('__Host-session');
    expect(cookieName('session', 'http://localhost:3000')).toBe('session');
    expect(flashCookieName('https://app.example')).toBe('__Host-flash');
    expect(flashCookieName('http://localhost:3000')).toBe('__flash');
  });
});
