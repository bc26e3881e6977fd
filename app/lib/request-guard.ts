// The input guard (issue 8 §2): one place that refuses text no handler could store. PostgreSQL refuses a
// NUL byte in text (SQLSTATE 22021) and a lone UTF-16 surrogate cannot be encoded as UTF-8 at all, so
// either one in the URL, a form field or a JSON string would reach a query and end as a 500. Refused here
// with a 400 (and a message), before any route runs. JSON nesting is bounded so a parser or a validator
// cannot be sent into deep recursion.

/** A surrogate half without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const MAX_JSON_DEPTH = 32;

export interface Refusal {
  status: 400 | 413 | 415;
  message: string;
}

/** A NUL or a lone surrogate. */
export const hasForbiddenCharacter = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

function decodedOrNull(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The URL's path segments and query parameters, decoded, must hold no NUL / lone surrogate. */
export function checkUrl(rawUrl: string): Refusal | null {
  const [path = '', query = ''] = rawUrl.split(/\?(.*)/s);
  // A segment that does not decode is left to the router (it matches nothing); one that does must be clean.
  for (const segment of path.split('/')) {
    const decoded = decodedOrNull(segment);
    if (decoded !== null && hasForbiddenCharacter(decoded))
      return { status: 400, message: 'The address contains a character that is not allowed (NUL).' };
  }
  for (const [key, value] of new URLSearchParams(query)) {
    if (hasForbiddenCharacter(key) || hasForbiddenCharacter(value))
      return {
        status: 400,
        message: `The query parameter "${key}" contains a character that is not allowed.`,
      };
  }
  return null;
}

/**
 * The nesting depth of a JSON text, counted without parsing it (so a 100,000-deep array cannot exhaust
 * the stack before we refuse it). Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

function firstForbiddenInJson(value: unknown, path: string): string | null {
  if (typeof value === 'string') return hasForbiddenCharacter(value) ? path || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstForbiddenInJson(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (hasForbiddenCharacter(key)) return at;
      const found = firstForbiddenInJson(v, at);
      if (found) return found;
    }
  }
  return null;
}

export type BodyKind = 'form' | 'multipart' | 'json' | 'other' | 'none';

export function bodyKind(contentType: string | undefined): BodyKind {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!type) return 'none';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return 'other';
}

/** Checks a request body already read in full. Empty bodies pass (routes say what is missing). */
export function checkBody(kind: BodyKind, body: Buffer): Refusal | null {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  if (kind === 'form') {
    for (const [key, value] of new URLSearchParams(text))
      if (hasForbiddenCharacter(key) || hasForbiddenCharacter(value))
        return { status: 400, message: `The field "${key}" contains a character that is not allowed (NUL).` };
    return null;
  }
  if (kind === 'multipart') {
    // No route accepts file uploads, so every part is text: a NUL anywhere is refused.
    return body.includes(0)
      ? { status: 400, message: 'The form contains a character that is not allowed (NUL).' }
      : null;
  }
  if (kind === 'json') {
    if (jsonDepthExceeds(text))
      return { status: 400, message: `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { status: 400, message: 'The request body must be JSON.' };
    }
    const at = firstForbiddenInJson(parsed, '');
    return at
      ? { status: 400, message: `${at}: contains a character that is not allowed (NUL or a lone surrogate).` }
      : null;
  }
  return null;
}

/** Remix's lazy route discovery endpoint; its `p` list is unbounded upstream (see ADR 3). */
export const MANIFEST_PATH = '/__manifest';
export const MAX_MANIFEST_PATHS = 100;
export const MAX_MANIFEST_QUERY_BYTES = 8 * 1024;

export function checkManifestRequest(method: string, rawUrl: string): Refusal | null {
  const query = rawUrl.split(/\?(.*)/s)[1] ?? '';
  if (method !== 'GET' && method !== 'HEAD')
    return { status: 400, message: 'The route manifest is read with GET.' };
  if (Buffer.byteLength(query) > MAX_MANIFEST_QUERY_BYTES)
    return { status: 400, message: `The manifest query is longer than ${MAX_MANIFEST_QUERY_BYTES} bytes.` };
  const paths = new URLSearchParams(query).getAll('p');
  if (paths.length > MAX_MANIFEST_PATHS)
    return { status: 400, message: `Ask the manifest for at most ${MAX_MANIFEST_PATHS} paths.` };
  if (paths.some((p) => !p.startsWith('/')))
    return { status: 400, message: 'Every manifest path must start with "/".' };
  return null;
}
