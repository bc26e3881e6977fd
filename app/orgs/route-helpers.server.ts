// How organization routes answer their forms. A route page holds several forms (invite, change role,
// remove…), so every answer names the form it belongs to. A foreign or unknown id in a URL or a form
// field is always a 404, never a form error (tenant isolation, SPEC §7).
import type { Submission, SubmissionResult } from '@conform-to/react';
import { data } from '@remix-run/node';
import { DomainError, NotFound } from '~/lib/errors';
import { redirectWithFlash } from '~/lib/flash.server';

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

/** A domain error as this form's error (and its field errors); NotFound is a 404 page. */
export function formError(form: string, submission: Submission<unknown> | null, err: unknown) {
  if (err instanceof NotFound) throw notFoundResponse(err);
  if (!(err instanceof DomainError)) throw err;
  return data<FormAnswer>(
    {
      form,
      result: submission?.reply({ formErrors: [err.message], fieldErrors: err.fieldErrors }),
      error: err.message,
      code: err.code,
    },
    { status: err.status },
  );
}

export function badIntent() {
  return data<FormAnswer>({ form: 'unknown', error: 'Unknown action.' }, { status: 400 });
}

export function done(url: string, message: string, init: ResponseInit = {}) {
  return redirectWithFlash(url, { kind: 'success', message }, init);
}

/** Loaders: NotFound and other domain errors become responses for the error boundary. */
export function loaderFailure(err: unknown): never {
  if (err instanceof NotFound) throw notFoundResponse(err);
  if (err instanceof DomainError)
    throw new Response(err.message, { status: err.status, statusText: err.code });
  throw err;
}
