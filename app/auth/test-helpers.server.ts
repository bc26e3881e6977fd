// Shared by the identity test files: routes call getDb(), so a test binds the app database to its own
// test database, then drives loaders/actions with plain Requests.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { sql } from 'drizzle-orm';
import type { Database } from '~db/client.server';
import { rowsOf } from '~db/client.server';
import { hashPassword } from './password.server';

export const ORIGIN = 'http://localhost:3000';

export { bindAppDatabase } from '../../tests/support/db';

let counter = 0;
export const uniqueEmail = (prefix = 'user') =>
  `${prefix}-${Date.now().toString(36)}-${++counter}@example.com`;

/** A user with a credential account (email + password), verified unless told otherwise. */
export async function createPasswordUser(
  db: Database,
  options: { email?: string; password?: string; name?: string; verified?: boolean } = {},
) {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? 'correct-horse-battery';
  const hash = await hashPassword(password);
  const [user] = rowsOf<{ id: string }>(
    await db.execute(sql`INSERT INTO users (email, name, email_verified_at)
      VALUES (${email}, ${options.name ?? 'Test User'}, ${options.verified === false ? null : new Date().toISOString()}) RETURNING id`),
  );
  if (!user) throw new Error('user insert failed');
  await db.execute(
    sql`INSERT INTO accounts (user_id, provider_id, account_id, password) VALUES (${user.id}, 'credential', ${user.id}, ${hash})`,
  );
  return { id: user.id, email, password };
}

export interface RequestOptions {
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  cookie?: string | null;
  headers?: Record<string, string>;
  ip?: string;
}

export function makeRequest(path: string, options: RequestOptions = {}): Request {
  const headers = new Headers(options.headers);
  headers.set('user-agent', headers.get('user-agent') ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0');
  headers.set('x-forwarded-for', options.ip ?? '203.0.113.7');
  if (options.cookie) headers.set('cookie', options.cookie);
  let body: BodyInit | undefined;
  if (options.form) body = new URLSearchParams(options.form);
  if (options.json !== undefined) {
    body = typeof options.json === 'string' ? options.json : JSON.stringify(options.json);
    headers.set('content-type', 'application/json');
  }
  return new Request(new URL(path, ORIGIN), {
    method: options.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
  });
}

type Handler<A> = (args: A) => unknown;

/** Runs a loader or action; a thrown Response (redirect, 404) is returned like a returned one. */
export async function call(
  handler: Handler<LoaderFunctionArgs> | Handler<ActionFunctionArgs>,
  request: Request,
  params: Record<string, string> = {},
): Promise<Response | Record<string, unknown> | null> {
  try {
    const result = await (handler as Handler<LoaderFunctionArgs>)({ request, params, context: {} });
    return result as Response | Record<string, unknown> | null;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** Status, headers and JSON-ish data of whatever a route returned (Response, `data()`, or a plain object). */
export async function outcome(result: unknown): Promise<{ status: number; headers: Headers; data: unknown }> {
  if (result instanceof Response) {
    const text = await result.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {}
    return { status: result.status, headers: result.headers, data };
  }
  const single = result as { type?: string; data?: unknown; init?: ResponseInit | null } | null;
  if (single && single.type === 'DataWithResponseInit') {
    return {
      status: single.init?.status ?? 200,
      headers: new Headers(single.init?.headers),
      data: single.data,
    };
  }
  return { status: 200, headers: new Headers(), data: result };
}

/** The `name=value` of a Set-Cookie header set (for the next request's Cookie header). */
export function cookieFrom(headers: Headers, name: string): string | null {
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair;
  }
  return null;
}

export function setCookieLine(headers: Headers, name: string): string | null {
  return headers.getSetCookie().find((l) => l.startsWith(`${name}=`)) ?? null;
}
