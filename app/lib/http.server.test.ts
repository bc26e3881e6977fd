// One mapping of client errors to HTTP (issue 8 §2): domain errors, escaped zod errors and PostgreSQL data
// exceptions are 4xx with a message; anything else is a bug and is rethrown (a 500).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFound, TooManyRequests } from './errors';
import { errorResponse, formError, httpErrorOf, jsonErrorResponse } from './http.server';

const zodError = () => {
  try {
    z.object({ role: z.enum(['OWNER', 'MEMBER']), memberId: z.string() }).parse({ role: '__proto__' });
  } catch (err) {
    return err;
  }
  throw new Error('unreachable');
};

// What Drizzle throws for a NUL byte: the driver's error (with its SQLSTATE) is on `cause`.
const nulByte = Object.assign(new Error('Failed query: insert …'), {
  cause: Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }),
});

describe('httpErrorOf', () => {
  it('maps a zod error that escaped a domain function to 400 naming the fields', () => {
    const failure = httpErrorOf(zodError());
    expect(failure?.status).toBe(400);
    expect(failure?.message).toMatch(/role: /);
    expect(failure?.message).toMatch(/memberId: Required/);
  });

  it('maps a PostgreSQL data exception (class 22, read from cause) to 400', () => {
    expect(httpErrorOf(nulByte)).toMatchObject({ status: 400, code: 'invalid_input' });
    expect(httpErrorOf(Object.assign(new Error('x'), { code: '22008' }))?.status).toBe(400);
  });

  it('keeps domain statuses and Retry-After; leaves bugs alone', () => {
    expect(httpErrorOf(new NotFound('No such team.'))?.status).toBe(404);
    expect(httpErrorOf(new TooManyRequests('Slow down.', 30))?.headers['Retry-After']).toBe('30');
    expect(httpErrorOf(new Error('bug'))).toBeNull();
    expect(httpErrorOf(Object.assign(new Error('unique'), { code: '23505' }))).toBeNull();
  });

  it('shapes the same answer for forms, loaders and the JSON API', async () => {
    const form = formError('change-role', null, zodError()) as unknown as {
      data: { form: string; error: string };
      init: ResponseInit;
    };
    expect(form.init.status).toBe(400);
    expect(form.data.form).toBe('change-role');
    expect(errorResponse(nulByte)?.status).toBe(400);
    const api = jsonErrorResponse(zodError());
    expect(api?.status).toBe(400);
    if (!api) throw new Error('no response');
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    expect(() => formError('x', null, new Error('bug'))).toThrow('bug');
  });
});
