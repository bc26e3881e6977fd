// Request parameters and errors as Stripe has them. The SDK sends bracket notation
// (`items[0][price]=…`, `metadata[key]=…`, `expand[0]=…`) in form bodies and in query strings, every
// value a string; Stripe converts the ones its API types as integers or booleans, and so do we.
import qs from 'qs';
import type { StripeObject } from './fixtures';

export interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
}

/** Thrown by handlers; the server answers it as `{ error: body }` with `status`. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export const missingParam = (param: string) =>
  new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    message: `Missing required param: ${param}.`,
    param,
  });

/** A retrieve of an unknown id is a 404 on `id`; an unknown id given as a parameter is a 400 on it. */
export const noSuch = (kind: string, id: string, param = 'id') =>
  new StripeApiError(param === 'id' ? 404 : 400, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
  });

export const invalidRequest = (message: string, param?: string, code?: string) =>
  new StripeApiError(400, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });

// Stripe's integer and boolean parameters among those the fake understands. Anything inside `metadata`
// stays a string, as it does at Stripe.
const INTEGER_PARAMS = new Set([
  'amount',
  'billing_cycle_anchor',
  'cancel_at',
  'created',
  'days_until_due',
  'end_date',
  'expires_at',
  'gt',
  'gte',
  'interval_count',
  'iterations',
  'limit',
  'lt',
  'lte',
  'quantity',
  'start_date',
  'trial_end',
  'trial_period_days',
  'unit_amount',
]);
const BOOLEAN_PARAMS = new Set([
  'active',
  'cancel_at_period_end',
  'enabled',
  'invoice_now',
  'livemode',
  'prorate',
  'shippable',
  'transfer_lookup_key',
]);

function coerce(value: unknown, key: string, inMetadata: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => coerce(v, key, inMetadata));
  if (value && typeof value === 'object') {
    const out: StripeObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = coerce(v, k, inMetadata || k === 'metadata');
    return out;
  }
  if (inMetadata || typeof value !== 'string') return value;
  if (INTEGER_PARAMS.has(key) && /^-?\d+$/.test(value)) return Number(value);
  if (BOOLEAN_PARAMS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Parses a form body or query string (bracket notation) into Stripe's typed parameters. */
export function parseParams(raw: string): StripeObject {
  if (!raw) return {};
  const parsed = qs.parse(raw, { depth: 20, arrayLimit: 1000, parameterLimit: 10_000 });
  return coerce(parsed, '', false) as StripeObject;
}

/** A string parameter; '' counts as absent (the SDK sends '' to unset). */
export function stringParam(params: StripeObject, key: string, param = key): string | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, param);
  return value;
}

export function requiredString(params: StripeObject, key: string, param = key): string {
  const value = stringParam(params, key, param);
  if (value === undefined) throw missingParam(param);
  return value;
}

export function integerParam(params: StripeObject, key: string, param = key): number | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidRequest(`Invalid integer: ${String(value)}`, param);
  return value;
}

export function booleanParam(params: StripeObject, key: string, param = key): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'boolean') throw invalidRequest(`Invalid boolean: ${String(value)}`, param);
  return value;
}

/** An object parameter (`subscription_data[…]`, `recurring[…]`); absent → {}. */
export function objectParam(params: StripeObject, key: string, param = key): StripeObject {
  const value = params[key];
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidRequest(`Invalid object: ${param}`, param);
  return value as StripeObject;
}

/** An array parameter (`line_items[0][…]`, `lookup_keys[0]`); absent → []. */
export function arrayParam(params: StripeObject, key: string, param = key): unknown[] {
  const value = params[key];
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value)) throw invalidRequest(`Invalid array: ${param}`, param);
  return value;
}

/**
 * Stripe's metadata update: keys merge into what is there, a key set to '' is removed, and
 * `metadata=''` clears all of it.
 */
export function mergeMetadata(current: StripeObject, update: unknown, param = 'metadata'): StripeObject {
  if (update === undefined) return current;
  if (update === '') return {};
  if (typeof update !== 'object' || update === null || Array.isArray(update))
    throw invalidRequest('Invalid metadata: must be a hash of string keys and values.', param);
  const merged: StripeObject = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === '' || value === null) delete merged[key];
    else merged[key] = String(value);
  }
  return merged;
}

export const expandParam = (params: StripeObject): string[] =>
  arrayParam(params, 'expand').filter((v): v is string => typeof v === 'string');
