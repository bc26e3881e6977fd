// The one place errors become HTTP (STYLE: "one place maps them to HTTP"). `httpErrorOf` decides the status
// and message of every error a request can be refused with — domain errors, zod errors that escaped a
// domain function's `schema.parse`, and PostgreSQL data exceptions (SQLSTATE class 22: a NUL byte, a date
// PostgreSQL refuses, a number out of range) — and the helpers below only shape that answer for a form,
// a loader, or the JSON API. Anything else is a bug and stays a 500.
import type { Submission, SubmissionResult } from '@conform-to/react';
import { data } from '@remix-run/node';
import { ZodError, type ZodType, type ZodTypeDef } from 'zod';
import { pgErrorCode } from '~db/client.server';
import { DomainError, type FieldErrors, NotFound, TooManyRequests, ValidationFailed } from './errors';
import { redirectWithFlash } from './flash.server';

export interface HttpError {
  status: number;
  code: string;
  message: string;
  fieldErrors?: FieldErrors;
  headers: Record<string, string>;
}

function zodFieldErrors(err: ZodError): FieldErrors {
  const fieldErrors: FieldErrors = {};
  for (const issue of err.issues) {
    const path = issue.path.join('.') || '(body)';
    fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  return fieldErrors;
}

const describeFieldErrors = (fieldErrors: FieldErrors) =>
  Object.entries(fieldErrors)
    .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
    .join('; ');

/** The HTTP answer for an error a client caused, or null for a bug (which must stay a 500). */
export function httpErrorOf(err: unknown): HttpError | null {
  if (err instanceof DomainError)
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      fieldErrors: err.fieldErrors,
      headers: err instanceof TooManyRequests ? { 'Retry-After': String(err.retryAfterSeconds) } : {},
    };
  if (err instanceof ZodError) {
    const fieldErrors = zodFieldErrors(err);
    return {
      status: 400,
      code: 'validation_failed',
      message: describeFieldErrors(fieldErrors),
      fieldErrors,
      headers: {},
    };
  }
  // 22xxx: the value itself is unacceptable to PostgreSQL (22021 NUL byte, 22008 date out of range, 22P02
  // bad text representation…). The input guard and schemas refuse these first; this is the safety net.
  if (pgErrorCode(err)?.startsWith('22'))
    return {
      status: 400,
      code: 'invalid_input',
      message: 'A value in the request is not valid.',
      headers: {},
    };
  return null;
}

// ---- forms on one-form pages (Conform) ----------------------------------------------------------------

/** An invalid submission is a 400 with field errors. Password fields are never echoed back. */
export function replyInvalid<T>(submission: Submission<T>, hideFields: string[] = []) {
  return data(submission.reply({ hideFields }), { status: 400 });
}

/** A client error is its 4xx with the message next to the form (field errors next to fields); a bug rethrows. */
export function replyError<T>(submission: Submission<T>, err: unknown, hideFields: string[] = []) {
  const failure = httpErrorOf(err);
  if (!failure) throw err;
  return data(
    submission.reply({ formErrors: [failure.message], fieldErrors: failure.fieldErrors, hideFields }),
    { status: failure.status, headers: failure.headers },
  );
}

// ---- pages with several forms (organization pages): every answer names its form ----------------------
// A foreign or unknown id in a URL or a form field is always a 404 page, never a form error (SPEC §7).

export interface FormAnswer {
  form: string;
  result?: SubmissionResult<string[]>;
  error?: string;
  code?: string;
}

function notFoundResponse(err: NotFound): Response {
  return new Response(err.message, { status: 404, statusText: 'Not Found' });
}

export function formInvalid(form: string, submission: Submission<unknown>) {
  const first = Object.values((submission as { error?: Record<string, string[] | null> }).error ?? {})
    .flat()
    .find((e): e is string => typeof e === 'string');
  return data<FormAnswer>({ form, result: submission.reply(), error: first }, { status: 400 });
}

/** A client error as this form's error (and its field errors); NotFound is a 404 page; a bug rethrows. */
export function formError(form: string, submission: Submission<unknown> | null, err: unknown) {
  if (err instanceof NotFound) throw notFoundResponse(err);
  const failure = httpErrorOf(err);
  if (!failure) throw err;
  return data<FormAnswer>(
    {
      form,
      result: submission?.reply({ formErrors: [failure.message], fieldErrors: failure.fieldErrors }),
      error: failure.message,
      code: failure.code,
    },
    { status: failure.status, headers: failure.headers },
  );
}

export function badIntent() {
  return data<FormAnswer>({ form: 'unknown', error: 'Unknown action.' }, { status: 400 });
}

export function done(url: string, message: string, init: ResponseInit = {}) {
  return redirectWithFlash(url, { kind: 'success', message }, init);
}

// ---- loaders ------------------------------------------------------------------------------------------

/** The thrown Response a client error becomes in a loader or page action (rendered by the error boundary). */
export function errorResponse(err: unknown): Response | null {
  if (err instanceof NotFound) return notFoundResponse(err);
  const failure = httpErrorOf(err);
  if (!failure) return null;
  return new Response(failure.message, {
    status: failure.status,
    statusText: failure.code,
    headers: failure.headers,
  });
}

/** Loaders: client errors become responses for the error boundary; a bug rethrows. */
export function loaderFailure(err: unknown): never {
  throw errorResponse(err) ?? err;
}

// ---- JSON API -----------------------------------------------------------------------------------------

/** JSON API errors: {"error": {"code", "message"}} (SPEC §7). */
export function jsonError(status: number, code: string, message: string, init: ResponseInit = {}) {
  return Response.json({ error: { code, message } }, { ...init, status });
}

/** A client error as the JSON API answers it, or null for a bug. */
export function jsonErrorResponse(err: unknown): Response | null {
  const failure = httpErrorOf(err);
  if (!failure) return null;
  return jsonError(failure.status, failure.code, failure.message, {
    headers: { ...failure.headers, ...rateLimitFields(err) },
  });
}

/** API 429s also carry the IETF RateLimit-* fields: the limit reached, none left, seconds until reset. */
function rateLimitFields(err: unknown): Record<string, string> {
  if (!(err instanceof TooManyRequests) || err.limit === undefined) return {};
  return {
    'RateLimit-Limit': String(err.limit),
    'RateLimit-Remaining': '0',
    'RateLimit-Reset': String(err.retryAfterSeconds),
  };
}

/** Routes that answer JSON (they authenticate by token or signature, not cookies). */
const JSON_ROUTE = /^routes\/(api|cron|webhooks)\./;

/**
 * The safety net for a client error that escaped a route's loader or action (remix-handler.ts wraps
 * every one): JSON for the API, a thrown Response for pages' error boundaries; null for a bug.
 */
export function routeErrorResponse(err: unknown, routeId: string): Response | null {
  return JSON_ROUTE.test(routeId) ? jsonErrorResponse(err) : errorResponse(err);
}

export function apiError(err: unknown): Response {
  const response = jsonErrorResponse(err);
  if (!response) throw err;
  return response;
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
    const fieldErrors = zodFieldErrors(result.error);
    throw new ValidationFailed(describeFieldErrors(fieldErrors), fieldErrors);
  }
  return result.data;
}

export const methodNotAllowed = (allow: string) =>
  jsonError(405, 'method_not_allowed', `Use ${allow}.`, { headers: { Allow: allow } });

/**
 * A route's `headers` export for throttled forms: Remix sends an action's non-cookie headers only when
 * the route exports `headers`, so without this a form's 429 lost its Retry-After on the way out.
 */
export const passThrottleHeaders = ({ actionHeaders }: { actionHeaders: Headers }): Headers => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get('Retry-After');
  if (retryAfter) headers.set('Retry-After', retryAfter);
  return headers;
};
