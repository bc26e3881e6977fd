// The one place domain errors become HTTP (STYLE: "one place maps them to HTTP").
import type { Submission } from '@conform-to/react';
import { data } from '@remix-run/node';
import type { ZodType, ZodTypeDef } from 'zod';
import { DomainError, TooManyRequests, ValidationFailed } from './errors';

function retryHeaders(err: DomainError): HeadersInit {
  return err instanceof TooManyRequests ? { 'Retry-After': String(err.retryAfterSeconds) } : {};
}

/**
 * For form actions (Conform): an invalid submission is a 400 with field errors; a domain error is its
 * 4xx with the message next to the form (and its field errors next to fields). Other errors rethrow.
 * Password fields are never echoed back.
 */
export function replyInvalid<T>(submission: Submission<T>, hideFields: string[] = []) {
  return data(submission.reply({ hideFields }), { status: 400 });
}

export function replyError<T>(submission: Submission<T>, err: unknown, hideFields: string[] = []) {
  if (!(err instanceof DomainError)) throw err;
  return data(submission.reply({ formErrors: [err.message], fieldErrors: err.fieldErrors, hideFields }), {
    status: err.status,
    headers: retryHeaders(err),
  });
}

/** For loaders: a domain error becomes a thrown Response rendered by the error boundary. */
export function loaderError(err: unknown): never {
  if (err instanceof DomainError)
    throw new Response(err.message, { status: err.status, statusText: err.code });
  throw err;
}

/** JSON API errors: {"error": {"code", "message"}} (SPEC §7). */
export function jsonError(status: number, code: string, message: string, init: ResponseInit = {}) {
  return Response.json({ error: { code, message } }, { ...init, status });
}

export function apiError(err: unknown): Response {
  if (err instanceof DomainError)
    return jsonError(err.status, err.code, err.message, { headers: retryHeaders(err) });
  throw err;
}

/** Parses a JSON request body with a zod schema; malformed JSON or a bad field is a 400 ValidationFailed. */
export async function parseJsonBody<T>(
  request: Request,
  schema: ZodType<T, ZodTypeDef, unknown>,
  options: { optional?: boolean } = {},
): Promise<T> {
  let body: unknown;
  try {
    const text = await request.text();
    body = options.optional && !text.trim() ? {} : JSON.parse(text);
  } catch {
    throw new ValidationFailed('The request body must be JSON.');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of result.error.issues) {
      const path = issue.path.join('.') || '(body)';
      fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
    }
    const message = Object.entries(fieldErrors)
      .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
      .join('; ');
    throw new ValidationFailed(message, fieldErrors);
  }
  return result.data;
}

export const methodNotAllowed = (allow: string) =>
  jsonError(405, 'method_not_allowed', `Use ${allow}.`, { headers: { Allow: allow } });
