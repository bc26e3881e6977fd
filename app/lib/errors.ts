// Typed domain errors. Domain functions throw these; one place (app/lib/http.server.ts) maps them to HTTP.
export type FieldErrors = Record<string, string[]>;

export class DomainError extends Error {
  readonly status: number = 400;
  readonly code: string = 'bad_request';
  constructor(
    message: string,
    public readonly fieldErrors?: FieldErrors,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Also used for "exists but not yours": tenants never learn what other tenants have (SPEC §7). */
export class NotFound extends DomainError {
  override readonly status = 404;
  override readonly code = 'not_found';
}

export class Forbidden extends DomainError {
  override readonly status = 403;
  override readonly code = 'forbidden';
}

export class Unauthorized extends DomainError {
  override readonly status = 401;
  override readonly code = 'unauthorized';
}

export class Conflict extends DomainError {
  override readonly status = 409;
  override readonly code = 'conflict';
}

/** A plan limit (members, modules, API calls); the message names the limit and the upgrade path. */
export class LimitReached extends DomainError {
  override readonly status = 403;
  override readonly code = 'limit_reached';
}

export class ValidationFailed extends DomainError {
  override readonly status = 400;
  override readonly code = 'validation_failed';
}

export class TooManyRequests extends DomainError {
  override readonly status = 429;
  override readonly code = 'rate_limited';
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
    /** The limit that was reached (API answers send it as RateLimit-Limit). */
    public readonly limit?: number,
  ) {
    super(message);
  }
}

/** A provider the app depends on (Stripe) refused or could not be reached; its message is kept. */
export class UpstreamFailed extends DomainError {
  override readonly status = 502;
  override readonly code = 'upstream_failed';
}

/** The organization is suspended for non-payment (issue 11 §8): its API answers 402 until it pays. */
export class PaymentRequired extends DomainError {
  override readonly status = 402;
  override readonly code = 'payment_required';
}
