// The one gate for every `redirectTo` in the app (sign-in, sign-up, email verification, OAuth start and
// callback, requireUser). It checks the path it RETURNS, not the string it received: URL parsing
// normalizes `/.//evil` to `//evil`, which a browser reads as another host.

/** Control characters (tabs and newlines are dropped by URL parsers) and backslashes (read as `/`). */
function hasUnsafeCharacter(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}
/** An encoded `/` or `\` right after the leading slash: a decoding proxy would turn it into `//host`. */
const ENCODED_SLASH_START = /^\/(%2f|%5c)/i;

function isSafePath(path: string): boolean {
  return (
    path.startsWith('/') &&
    !path.startsWith('//') &&
    !hasUnsafeCharacter(path) &&
    !ENCODED_SLASH_START.test(path)
  );
}

/** A same-origin path (with query and hash) to redirect to, or `fallback` for anything else. */
export function safeRedirectPath(to: FormDataEntryValue | string | null | undefined, fallback = '/'): string {
  if (typeof to !== 'string' || to.length > 2000 || !isSafePath(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, 'http://same.origin');
  } catch {
    return fallback;
  }
  if (url.origin !== 'http://same.origin') return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return isSafePath(path) ? path : fallback;
}
