// The OpenAPI 3.1 document served at GET /api/v1/openapi.json (SPEC §7: "describes it all"). Hand-written:
// the request schemas are zod 3 and the project has no zod→JSON Schema converter. openapi.test.ts keeps it
// honest: every /api/v1 route file has a path here, the examples pass the endpoints' own zod schemas, and
// real responses of the endpoints match the response schemas below.
import { API_SCOPES } from '~/api-keys/scopes';
import { ACCESS_TOKEN_TTL_SECONDS } from '~/auth/api-tokens.server';
import { PASSWORD_MAX } from '~/auth/validation';
import { MAX_BATCH } from '~/usage/usage.server';

// Limits the code exports are imported; these are private to their modules, so the test proves them by
// behaviour (a body one byte over is a 413, eventData one character over is refused).
export const DOCUMENTED_LIMITS = {
  maxBatch: MAX_BATCH,
  maxBodyBytes: 2_000_000,
  accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
  eventTypeMaxLength: 100,
  eventDataMaxChars: 10_000,
} as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): Schema => ({ $ref: `#/components/responses/${name}` });

const dateTime: Schema = { type: 'string', format: 'date-time' };

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: 'Every error answer of the JSON API.',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: {
            type: 'string',
            description: 'Stable, machine-readable.',
            enum: [
              'validation_failed',
              'unauthorized',
              'forbidden',
              'limit_reached',
              'not_found',
              'method_not_allowed',
              'payload_too_large',
              'rate_limited',
              'conflict',
              'mfa_required',
              'invalid_otp',
              'two_factor_required',
            ],
          },
          message: { type: 'string', description: 'For people; may change.' },
        },
      },
    },
  },
  TokenRequest: {
    type: 'object',
    required: ['email', 'password'],
    properties: {
      email: { type: 'string', format: 'email', maxLength: 254, description: 'Trimmed, case-insensitive.' },
      password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX },
      otp: {
        type: 'string',
        maxLength: 16,
        description:
          'The current 6-digit code of the authenticator app. Required when the account has two-step verification (TOTP) on; without it the answer is 401 `mfa_required`.',
      },
    },
  },
  RefreshRequest: {
    type: 'object',
    required: ['refreshToken'],
    properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  LogoutRequest: {
    type: 'object',
    description: 'Optional; the body may be empty.',
    properties: {
      refreshToken: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: "Also revoke this refresh token (when it is the caller's).",
      },
    },
  },
  TokenPair: {
    type: 'object',
    required: ['accessToken', 'tokenType', 'expiresIn', 'refreshToken', 'refreshTokenExpiresAt'],
    properties: {
      accessToken: { type: 'string', description: 'JWT (HS256), valid for `expiresIn` seconds.' },
      tokenType: { type: 'string', const: 'Bearer' },
      expiresIn: { type: 'integer', const: DOCUMENTED_LIMITS.accessTokenTtlSeconds },
      refreshToken: { type: 'string', description: 'Single use: POST /api/v1/auth/refresh rotates it.' },
      refreshTokenExpiresAt: dateTime,
    },
  },
  UsageEvent: {
    type: 'object',
    required: ['eventType', 'quantity'],
    properties: {
      eventType: {
        type: 'string',
        minLength: 1,
        maxLength: DOCUMENTED_LIMITS.eventTypeMaxLength,
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$',
        not: { const: 'api.call' },
        description: 'Trimmed. `api.call` is recorded by the platform itself, one per request.',
      },
      quantity: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
      projectId: {
        type: 'string',
        minLength: 1,
        maxLength: 64,
        description: 'A project of the organization; any other id is a 400 (`events.<i>.projectId`).',
      },
      idempotencyKey: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description:
          'An event whose key the organization already sent is skipped and counted as a duplicate.',
      },
      timestamp: {
        ...dateTime,
        description:
          'ISO 8601 with an offset; at most 5 minutes in the future. Defaults to the receipt time.',
      },
      eventData: {
        type: 'object',
        additionalProperties: true,
        description: `Any JSON object, at most ${DOCUMENTED_LIMITS.eventDataMaxChars} characters serialized.`,
      },
    },
  },
  UsageBatch: {
    type: 'object',
    required: ['events'],
    properties: {
      events: {
        type: 'array',
        minItems: 1,
        maxItems: DOCUMENTED_LIMITS.maxBatch,
        items: ref('UsageEvent'),
      },
    },
  },
  UsageBatchResult: {
    type: 'object',
    required: ['accepted', 'duplicates'],
    properties: {
      accepted: { type: 'integer', minimum: 0, description: 'Events recorded by this request.' },
      duplicates: { type: 'integer', minimum: 0, description: 'Events skipped for a known idempotency key.' },
    },
  },
  UsageSummary: {
    type: 'object',
    required: ['organization', 'period', 'totals', 'apiCalls'],
    properties: {
      organization: { type: 'string', description: "The organization's slug." },
      period: {
        type: 'object',
        required: ['from', 'to'],
        properties: { from: dateTime, to: { ...dateTime, description: 'Exclusive.' } },
      },
      totals: {
        type: 'array',
        description: 'Sums by event type over the period, ordered by event type.',
        items: {
          type: 'object',
          required: ['eventType', 'quantity', 'events'],
          properties: {
            eventType: { type: 'string' },
            quantity: { type: 'integer', description: 'Sum of the quantities.' },
            events: { type: 'integer', description: 'Number of events.' },
          },
        },
      },
      apiCalls: {
        type: 'object',
        description: "This UTC calendar month's `api.call` usage against the plan.",
        required: ['month', 'used', 'limit', 'plan'],
        properties: {
          month: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM (UTC).' },
          used: { type: 'integer', minimum: 0 },
          limit: { type: ['integer', 'null'], description: 'null: unlimited.' },
          plan: { type: 'string', description: "The plan's key." },
        },
      },
    },
  },
};

const errorExample = (code: string, message: string) => ({ value: { error: { code, message } } });

const noStore: Schema = { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } };

const rateLimitHeaders: Schema = {
  'X-RateLimit-Limit': { description: 'Requests allowed per hour.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the hour.', schema: { type: 'integer' } },
};

const errorResponse = (description: string, examples: Record<string, Json>, headers?: Schema): Schema => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error'), examples } },
});

const responses: Record<string, Schema> = {
  ValidationFailed: errorResponse('The body is not JSON, or a field is invalid (the message names it).', {
    validation_failed: errorExample('validation_failed', 'events.0.quantity: Must be greater than 0'),
  }),
  Unauthorized: errorResponse('No, an invalid, expired or revoked token or API key.', {
    unauthorized: errorExample('unauthorized', 'The access token has expired. Refresh it.'),
  }),
  Forbidden: errorResponse(
    "`forbidden`: the API key lacks the scope, or the user's role may not do this. `two_factor_required`: the organization requires two-step verification and the access token is not of a login with a TOTP code.",
    {
      forbidden: errorExample('forbidden', 'This API key does not have the usage:read scope.'),
      two_factor_required: errorExample(
        'two_factor_required',
        'Acme requires two-step verification: turn on an authenticator app, then get a token with `otp`.',
      ),
    },
  ),
  ForbiddenOrLimitReached: errorResponse(
    "`limit_reached`: the plan's API calls of this UTC month are used up (upgrade the plan). `forbidden`: the API key lacks the scope, or the user's role may not do this.",
    {
      limit_reached: errorExample(
        'limit_reached',
        "The Free plan allows 1,000 API calls per month (UTC); this month's are used up. Upgrade the plan to make more: /o/acme/billing",
      ),
      forbidden: errorExample('forbidden', 'This API key does not have the usage:write scope.'),
    },
  ),
  NotFound: errorResponse(
    'No such organization, or not one the caller may see: a non-member, or an API key of another organization.',
    { not_found: errorExample('not_found', 'Organization not found') },
  ),
  MethodNotAllowed: errorResponse(
    'Any other method on this path; `Allow` lists the accepted ones.',
    { method_not_allowed: errorExample('method_not_allowed', 'Use POST.') },
    { Allow: { schema: { type: 'string' } } },
  ),
  TooManyRequests: errorResponse(
    'Rate limited (counted in PostgreSQL, across all instances). Retry after `Retry-After` seconds.',
    {
      rate_limited: errorExample(
        'rate_limited',
        'Rate limit of 1000 requests per hour reached. Retry in 120 seconds.',
      ),
    },
    { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } } },
  ),
};

const tokenPairExample = {
  accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmYW0iOiJ…',
  tokenType: 'Bearer',
  expiresIn: DOCUMENTED_LIMITS.accessTokenTtlSeconds,
  refreshToken: 'q3Vh1o0m2n9KZk3i8cW5yB7xTf4LrA6dPe0sGjHuN1M',
  refreshTokenExpiresAt: '2025-04-14T12:00:00.000Z',
} satisfies Json;

const jsonBody = (schema: string, examples: Record<string, Json>, required = true): Schema => ({
  required,
  content: { 'application/json': { schema: ref(schema), examples } },
});

const jsonResponse = (description: string, schema: string, example: Json, headers?: Schema): Schema => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schema), example } },
});

const slugParameter: Schema = {
  name: 'slug',
  in: 'path',
  required: true,
  description: "The organization's slug.",
  schema: { type: 'string' },
};

const organizationSecurity: Json[] = [{ apiKey: [] }, { accessToken: [] }];

const scopeNote = (scope: (typeof API_SCOPES)[number], role: string) =>
  `An API key needs the \`${scope}\` scope; an access token's user must be a member whose role may ${role}. Each request counts toward the hourly rate limit and the month's \`api.call\` usage.`;

const paths: Record<string, Schema> = {
  '/api/v1/auth/token': {
    post: {
      operationId: 'issueTokens',
      tags: ['auth'],
      summary: 'Sign in: email + password → access and refresh token',
      description:
        'Starts a new token family. Failed attempts are throttled per email and IP address; a wrong email or password always answers "Invalid email or password". An account with two-step verification (TOTP) on also needs `otp`, the current code of its authenticator app: without it the answer is 401 `mfa_required` (send the request again with `otp`), with a wrong, expired or already used one 401 `invalid_otp`. Codes are throttled per account. Organizations that require two-step verification accept only tokens of such a login (403 `two_factor_required` otherwise); their API keys are unaffected.',
      security: [],
      requestBody: jsonBody('TokenRequest', {
        signIn: { value: { email: 'ada@example.com', password: 'correct-horse-battery' } },
        withOtp: { value: { email: 'ada@example.com', password: 'correct-horse-battery', otp: '123456' } },
      }),
      responses: {
        200: jsonResponse('The new tokens.', 'TokenPair', tokenPairExample, noStore),
        400: response('ValidationFailed'),
        401: errorResponse(
          'Wrong email or password, or the account cannot sign in (`unauthorized`); the account has TOTP on and no `otp` was sent (`mfa_required`); the `otp` is wrong, expired or already used (`invalid_otp`).',
          {
            unauthorized: errorExample('unauthorized', 'Invalid email or password'),
            mfa_required: errorExample(
              'mfa_required',
              'This account has two-step verification on: send `otp`, the current 6-digit code of its authenticator app.',
            ),
            invalid_otp: errorExample(
              'invalid_otp',
              'The code is not right, has expired or was already used. Send the current code.',
            ),
          },
        ),
        405: response('MethodNotAllowed'),
        429: response('TooManyRequests'),
      },
    },
  },
  '/api/v1/auth/refresh': {
    post: {
      operationId: 'refreshTokens',
      tags: ['auth'],
      summary: 'Rotate a refresh token',
      description:
        'Answers a new access token and a new refresh token; the one sent is used up. Presenting an already rotated refresh token is treated as theft and revokes its whole family.',
      security: [],
      requestBody: jsonBody('RefreshRequest', {
        refresh: { value: { refreshToken: 'q3Vh1o0m2n9KZk3i8cW5yB7xTf4LrA6dPe0sGjHuN1M' } },
      }),
      responses: {
        200: jsonResponse('The new tokens.', 'TokenPair', tokenPairExample, noStore),
        400: response('ValidationFailed'),
        401: errorResponse('The refresh token is unknown, expired, revoked or already rotated.', {
          unauthorized: errorExample(
            'unauthorized',
            'The refresh token is invalid, expired or revoked. Sign in again.',
          ),
        }),
        405: response('MethodNotAllowed'),
      },
    },
  },
  '/api/v1/auth/logout': {
    post: {
      operationId: 'logout',
      tags: ['auth'],
      summary: 'Revoke the access token and its refresh family',
      description:
        "Blacklists the access token until it would have expired and revokes its refresh token family, plus the refresh token in the body if it is the caller's.",
      security: [{ accessToken: [] }],
      requestBody: jsonBody(
        'LogoutRequest',
        {
          empty: { value: {} },
          withRefreshToken: { value: { refreshToken: 'q3Vh1o0m2n9KZk3i8cW5yB7xTf4LrA6dPe0sGjHuN1M' } },
        },
        false,
      ),
      responses: {
        204: { description: 'Signed out.' },
        400: response('ValidationFailed'),
        401: response('Unauthorized'),
        405: response('MethodNotAllowed'),
      },
    },
  },
  '/api/v1/orgs/{slug}/usage': {
    parameters: [slugParameter],
    get: {
      operationId: 'getUsageSummary',
      tags: ['usage'],
      summary: 'Usage sums by event type for a period',
      description: `Sums by event type over [from, to), and this UTC month's API calls against the plan. ${scopeNote('usage:read', 'view usage')}`,
      security: organizationSecurity,
      parameters: [
        {
          name: 'from',
          in: 'query',
          description:
            'A date (2025-01-31, midnight UTC) or an ISO 8601 date-time. Default: the start of the current UTC month.',
          schema: { type: 'string' },
          example: '2025-03-01',
        },
        {
          name: 'to',
          in: 'query',
          description:
            'Exclusive; after `from`, at most 366 days later. Default: 31 days after `from` when it is given, else the start of the next UTC month.',
          schema: { type: 'string' },
          example: '2025-04-01T00:00:00Z',
        },
      ],
      responses: {
        200: jsonResponse(
          'The summary.',
          'UsageSummary',
          {
            organization: 'acme',
            period: { from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' },
            totals: [
              { eventType: 'api.call', quantity: 1520, events: 1520 },
              { eventType: 'storage.gb', quantity: 42, events: 12 },
            ],
            apiCalls: { month: '2025-03', used: 1520, limit: 10000, plan: 'monthly' },
          },
          { ...rateLimitHeaders, ...noStore },
        ),
        400: response('ValidationFailed'),
        401: response('Unauthorized'),
        403: response('Forbidden'),
        404: response('NotFound'),
        429: response('TooManyRequests'),
      },
    },
    post: {
      operationId: 'ingestUsage',
      tags: ['usage'],
      summary: 'Send a batch of usage events',
      description: `Up to ${DOCUMENTED_LIMITS.maxBatch} events and ${DOCUMENTED_LIMITS.maxBodyBytes} bytes per request, all or none (a bad event rejects the batch). Retrying a batch whose events carry idempotency keys records nothing twice. ${scopeNote('usage:write', 'manage API keys')}`,
      security: organizationSecurity,
      requestBody: jsonBody('UsageBatch', {
        batch: {
          value: {
            events: [
              { eventType: 'storage.gb', quantity: 3, idempotencyKey: 'storage-2025-03-14' },
              {
                eventType: 'report.generated',
                quantity: 1,
                timestamp: '2025-03-14T09:30:00Z',
                eventData: { format: 'pdf', pages: 12 },
              },
            ],
          },
        },
      }),
      responses: {
        200: jsonResponse(
          'What was recorded.',
          'UsageBatchResult',
          { accepted: 2, duplicates: 0 },
          rateLimitHeaders,
        ),
        400: response('ValidationFailed'),
        401: response('Unauthorized'),
        403: response('ForbiddenOrLimitReached'),
        404: response('NotFound'),
        405: errorResponse(
          'Any method but GET and POST.',
          { method_not_allowed: errorExample('method_not_allowed', 'Use GET, POST.') },
          { Allow: { schema: { type: 'string', const: 'GET, POST' } } },
        ),
        413: errorResponse(`The body is larger than ${DOCUMENTED_LIMITS.maxBodyBytes} bytes.`, {
          payload_too_large: errorExample(
            'payload_too_large',
            `Send at most ${DOCUMENTED_LIMITS.maxBodyBytes} bytes per request.`,
          ),
        }),
        429: response('TooManyRequests'),
      },
    },
  },
  '/api/v1/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['meta'],
      summary: 'This document',
      security: [],
      responses: {
        200: {
          description: 'The OpenAPI 3.1 document of the JSON API.',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        405: response('MethodNotAllowed'),
      },
    },
  },
};

// ---- events (issue 12 §7): apps, rooms, participants, prizes, draws -------------------------------------

const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type as string, 'null'] });
const idString: Schema = { type: 'string', minLength: 1, maxLength: 100 };
const SEMVER =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$';
const ROOM_STATUS_VALUES = ['DRAFT', 'ACTIVE', 'COMPLETED', 'CANCELED'];
const PARTICIPANT_ROLE_VALUES = ['ADMIN', 'ORGANIZER', 'MODERATOR', 'PARTICIPANT', 'VIEWER'];

const exampleManifest = {
  name: 'Raffle',
  meta: { version: '1.0.0' },
  settings: {
    rounds: { type: 'number', min: 1, max: 10, default: 3 },
    theme: { type: 'enum', options: ['light', 'dark'], default: 'light' },
    anonymous: { type: 'boolean', required: true },
  },
  prizeTypes: ['physical', 'voucher'],
} satisfies Json;
const exampleManifestV2 = { ...exampleManifest, meta: { version: '1.1.0' } } satisfies Json;

const eventSchemas: Record<string, Schema> = {
  Manifest: {
    type: 'object',
    required: ['name'],
    description:
      'An app manifest. Top-level keys other than these are refused. `settings` maps a setting name (a letter, then letters, digits or _, at most 64) to `{type: string|number|boolean|enum, label?, description?, required?, default?, min?, max?, options?}`: `options` (unique) for enum only; `min`/`max` bound a number, or the length of a string; a default must fit its setting. At most 50 settings.',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      description: { type: 'string', maxLength: 2000 },
      meta: {
        type: 'object',
        additionalProperties: true,
        description: 'May carry more (author, homepage…).',
        properties: {
          version: {
            type: 'string',
            pattern: SEMVER,
            maxLength: 64,
            description: 'Semantic version; default 1.0.0. An update must raise it.',
          },
        },
      },
      settings: { type: 'object', additionalProperties: true, description: 'See above.' },
      prizeTypes: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 50 } },
    },
  },
  RegisterAppRequest: {
    type: 'object',
    required: ['appId', 'manifest'],
    properties: {
      appId: {
        type: 'string',
        minLength: 2,
        maxLength: 64,
        pattern: '^[a-z0-9][a-z0-9._-]*$',
        description:
          'Unique forever, across the platform. A retired app id of this organization is restored.',
      },
      name: { type: 'string', minLength: 1, maxLength: 100, description: "Default: the manifest's name." },
      manifest: ref('Manifest'),
    },
  },
  UpdateAppRequest: {
    type: 'object',
    required: ['manifest'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      manifest: { ...ref('Manifest'), description: 'Its meta.version must be higher than the current one.' },
    },
  },
  App: {
    type: 'object',
    required: [
      'id',
      'appId',
      'name',
      'manifest',
      'manifestVersion',
      'manifestHistory',
      'organizationId',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string' },
      appId: { type: 'string' },
      name: { type: 'string' },
      manifest: { type: 'object', additionalProperties: true },
      manifestVersion: { type: 'string' },
      manifestHistory: {
        type: 'array',
        description: 'The manifests newer versions replaced, oldest first.',
        items: {
          type: 'object',
          required: ['version', 'manifest', 'replacedAt'],
          properties: {
            version: { type: 'string' },
            manifest: { type: 'object', additionalProperties: true },
            replacedAt: dateTime,
          },
        },
      },
      organizationId: { type: ['string', 'null'] },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  AppList: { type: 'object', required: ['apps'], properties: { apps: { type: 'array', items: ref('App') } } },
  CreateRoomRequest: {
    type: 'object',
    required: ['appId', 'name', 'isPublic'],
    properties: {
      appId: { type: 'string', minLength: 1, maxLength: 64, description: 'Any app that is not retired.' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string', maxLength: 5000 },
      isPublic: { type: 'boolean', description: 'Public rooms are joined by any signed-in user.' },
      maxParticipants: { type: ['integer', 'null'], minimum: 1, maximum: 1_000_000 },
      appSettings: {
        type: 'object',
        additionalProperties: true,
        description:
          "Must fit the settings of the app's current manifest version, which the room locks; defaults are filled in.",
      },
      startsAt: { ...dateTime, description: 'Default: now.' },
      endsAt: { type: ['string', 'null'], format: 'date-time', description: 'After startsAt.' },
    },
  },
  UpdateRoomRequest: {
    type: 'object',
    description: 'At least one field.',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: ['string', 'null'], maxLength: 5000 },
      isPublic: { type: 'boolean' },
      maxParticipants: {
        type: ['integer', 'null'],
        minimum: 1,
        maximum: 1_000_000,
        description: 'Never below the participants who joined.',
      },
      appSettings: {
        type: 'object',
        additionalProperties: true,
        description: "Replaces the settings; checked against the room's locked manifest version.",
      },
      startsAt: dateTime,
      endsAt: { type: ['string', 'null'], format: 'date-time' },
      status: {
        type: 'string',
        enum: ROOM_STATUS_VALUES,
        description: 'DRAFT → ACTIVE → COMPLETED; DRAFT or ACTIVE → CANCELED. Other moves answer 409.',
      },
    },
  },
  Room: {
    type: 'object',
    required: [
      'id',
      'organizationId',
      'appId',
      'appManifestVersion',
      'createdBy',
      'name',
      'description',
      'status',
      'isPublic',
      'maxParticipants',
      'appSettings',
      'startsAt',
      'endsAt',
      'createdAt',
      'updatedAt',
      'participantCount',
    ],
    properties: {
      id: { type: 'string' },
      organizationId: { type: 'string' },
      appId: { type: 'string' },
      appManifestVersion: { type: 'string', description: "The app's manifest version, locked at creation." },
      createdBy: { type: 'string', description: "The organizer's user id (an API key's creator)." },
      name: { type: 'string' },
      description: { type: ['string', 'null'] },
      status: { type: 'string', enum: ROOM_STATUS_VALUES },
      isPublic: { type: 'boolean' },
      maxParticipants: { type: ['integer', 'null'] },
      appSettings: { type: 'object', additionalProperties: true },
      startsAt: dateTime,
      endsAt: nullable(dateTime),
      createdAt: dateTime,
      updatedAt: dateTime,
      participantCount: { type: 'integer', minimum: 0 },
      nextStatuses: {
        type: 'array',
        items: { type: 'string', enum: ROOM_STATUS_VALUES },
        description: 'Where the status may go from here (single-room answers).',
      },
    },
  },
  RoomList: {
    type: 'object',
    required: ['rooms'],
    properties: { rooms: { type: 'array', items: ref('Room') } },
  },
  AddParticipantRequest: {
    type: 'object',
    description: 'Exactly one of userId and email, of an existing user.',
    properties: {
      userId: idString,
      email: { type: 'string', format: 'email', maxLength: 254, description: 'Trimmed, case-insensitive.' },
      role: { type: 'string', enum: PARTICIPANT_ROLE_VALUES, description: 'Default PARTICIPANT.' },
    },
  },
  Participant: {
    type: 'object',
    required: ['id', 'roomId', 'userId', 'name', 'email', 'role', 'joinedAt'],
    properties: {
      id: { type: 'string' },
      roomId: { type: 'string' },
      userId: { type: 'string' },
      name: { type: ['string', 'null'] },
      email: { type: ['string', 'null'] },
      role: { type: 'string', enum: PARTICIPANT_ROLE_VALUES },
      joinedAt: dateTime,
    },
  },
  ParticipantList: {
    type: 'object',
    required: ['participants'],
    properties: { participants: { type: 'array', items: ref('Participant') } },
  },
  CreatePrizeRequest: {
    type: 'object',
    required: ['name', 'quantity'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      description: { type: 'string', maxLength: 5000 },
      quantity: { type: 'integer', minimum: 1, maximum: 10_000 },
      type: {
        type: 'string',
        minLength: 1,
        maxLength: 50,
        description: "One of the locked manifest's prizeTypes.",
      },
    },
  },
  Prize: {
    type: 'object',
    required: [
      'id',
      'roomId',
      'name',
      'description',
      'type',
      'quantity',
      'awarded',
      'remaining',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string' },
      roomId: { type: 'string' },
      name: { type: 'string' },
      description: { type: ['string', 'null'] },
      type: { type: ['string', 'null'] },
      quantity: { type: 'integer', minimum: 1 },
      awarded: { type: 'integer', minimum: 0, description: 'Active (not revoked) winners.' },
      remaining: { type: 'integer', minimum: 0 },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  PrizeList: {
    type: 'object',
    required: ['prizes'],
    properties: { prizes: { type: 'array', items: ref('Prize') } },
  },
  DrawRequest: {
    type: 'object',
    description: 'Optional; the body may be empty.',
    properties: {
      count: {
        type: 'integer',
        minimum: 1,
        maximum: 10_000,
        description: 'Default: what is left of the quantity, capped by the eligible participants.',
      },
    },
  },
  Winner: {
    type: 'object',
    required: ['id', 'roomId', 'prizeId', 'participantId', 'userId', 'metadata', 'drawnAt'],
    properties: {
      id: { type: 'string' },
      roomId: { type: 'string' },
      prizeId: { type: 'string' },
      participantId: { type: 'string' },
      userId: { type: 'string' },
      displayName: { type: 'string', description: 'In winner lists: a name, never an email.' },
      metadata: {
        type: ['object', 'null'],
        description:
          'The draw record: recompute with `algorithm` (docs/draws.md) from `seed` over `candidateIds` (participant ids, sorted) to get this draw’s winners.',
        required: ['seed', 'algorithm', 'candidateIds'],
        properties: {
          seed: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          algorithm: { type: 'string' },
          candidateIds: { type: 'array', items: { type: 'string' } },
        },
      },
      drawnAt: dateTime,
    },
  },
  WinnerList: {
    type: 'object',
    required: ['winners'],
    properties: { winners: { type: 'array', items: ref('Winner') } },
  },
};

const eventResponses: Record<string, Schema> = {
  Conflict: errorResponse('The change breaks a rule; the message says which and what to do.', {
    conflict: errorExample('conflict', 'Cannot delete prize: 2 winner(s) exist. Revoke winners first.'),
  }),
  EventNotFound: errorResponse(
    'No such organization, app, room, participant, prize or winner, or one of another organization.',
    { not_found: errorExample('not_found', 'Room not found') },
  ),
};

const roomIdParameter: Schema = { name: 'roomId', in: 'path', required: true, schema: { type: 'string' } };
const idParameter = (name: string): Schema => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});

const eventErrors = (extra: Record<string, Schema> = {}): Record<string, Schema> => ({
  400: response('ValidationFailed'),
  401: response('Unauthorized'),
  403: response('Forbidden'),
  404: response('EventNotFound'),
  405: response('MethodNotAllowed'),
  ...extra,
  429: response('TooManyRequests'),
});

const readNote = scopeNote('rooms:read', 'view the organization');
const writeNote = (role: string) => scopeNote('rooms:write', role);
const noContent = (description: string): Schema => ({ description, headers: rateLimitHeaders });

const exampleRoom = {
  id: 'c3f1a9e0b7d24c6e8a5b1f2d3',
  organizationId: 'c9d8e7f6a5b4c3d2e1f0a9b8c',
  appId: 'raffle',
  appManifestVersion: '1.0.0',
  createdBy: 'c1a2b3c4d5e6f7a8b9c0d1e2f',
  name: 'Spring raffle',
  description: null,
  status: 'DRAFT',
  isPublic: true,
  maxParticipants: 100,
  appSettings: { anonymous: false, rounds: 5, theme: 'light' },
  startsAt: '2025-04-01T18:00:00.000Z',
  endsAt: '2025-04-01T21:00:00.000Z',
  createdAt: '2025-03-14T09:30:00.000Z',
  updatedAt: '2025-03-14T09:30:00.000Z',
  participantCount: 0,
} satisfies Json;

const exampleWinner = {
  id: 'c0ffee00000000000000000a1',
  roomId: exampleRoom.id,
  prizeId: 'cbadc0de000000000000000b2',
  participantId: 'c5eed0000000000000000000c',
  userId: 'c1a2b3c4d5e6f7a8b9c0d1e2f',
  metadata: {
    seed: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    algorithm: 'sha256-ctr-fisher-yates/v1',
    candidateIds: ['c5eed0000000000000000000c', 'c5eed0000000000000000000d'],
  },
  drawnAt: '2025-04-01T20:00:00.000Z',
} satisfies Json;

const prizeExample = {
  id: 'cbadc0de000000000000000b2',
  roomId: exampleRoom.id,
  name: 'Bicycle',
  description: 'A red one',
  type: null,
  quantity: 2,
  awarded: 1,
  remaining: 1,
  createdAt: '2025-03-14T09:40:00.000Z',
  updatedAt: '2025-03-14T09:40:00.000Z',
} satisfies Json;

const eventPaths: Record<string, Schema> = {
  '/api/v1/orgs/{slug}/apps': {
    parameters: [slugParameter],
    get: {
      operationId: 'listApps',
      tags: ['events'],
      summary: "The organization's apps",
      description: `Retired apps are left out. ${readNote}`,
      security: organizationSecurity,
      responses: {
        200: jsonResponse(
          'The apps, by name.',
          'AppList',
          {
            apps: [
              {
                id: 'c7a1b2c3d4e5f60718293a4b5',
                appId: 'raffle',
                name: 'Raffle',
                manifest: exampleManifest,
                manifestVersion: '1.0.0',
                manifestHistory: [],
                organizationId: exampleRoom.organizationId,
                createdAt: '2025-03-01T08:00:00.000Z',
                updatedAt: '2025-03-01T08:00:00.000Z',
              },
            ],
          },
          rateLimitHeaders,
        ),
        ...eventErrors(),
      },
    },
    post: {
      operationId: 'registerApp',
      tags: ['events'],
      summary: 'Register an app',
      description: `The version comes from manifest.meta.version (default 1.0.0). Re-registering a retired app id of this organization restores that app (200); its version must then stay or rise. ${writeNote('register apps (OWNER or ADMIN)')}`,
      security: organizationSecurity,
      requestBody: jsonBody('RegisterAppRequest', {
        register: { value: { appId: 'raffle', manifest: exampleManifest } },
      }),
      responses: {
        200: jsonResponse('A retired app, restored.', 'App', appExample('1.0.0', []), rateLimitHeaders),
        201: jsonResponse('The new app.', 'App', appExample('1.0.0', []), rateLimitHeaders),
        ...eventErrors({ 409: response('Conflict') }),
      },
    },
  },
  '/api/v1/orgs/{slug}/apps/{appId}': {
    parameters: [slugParameter, idParameter('appId')],
    put: {
      operationId: 'updateApp',
      tags: ['events'],
      summary: "Update an app's manifest",
      description: `The new manifest's meta.version must be strictly higher (semver) than the current one, else 409. The replaced manifest is appended to manifestHistory; rooms keep the version they locked. ${writeNote('update apps (OWNER or ADMIN)')}`,
      security: organizationSecurity,
      requestBody: jsonBody('UpdateAppRequest', {
        update: { value: { name: 'Raffle', manifest: exampleManifestV2 } },
      }),
      responses: {
        200: jsonResponse(
          'The app with its new version.',
          'App',
          appExample('1.1.0', [
            { version: '1.0.0', manifest: exampleManifest, replacedAt: '2025-03-20T10:00:00.000Z' },
          ]),
          rateLimitHeaders,
        ),
        ...eventErrors({
          409: errorResponse('The version does not rise.', {
            conflict: errorExample(
              'conflict',
              'The manifest version must be higher than the current version 1.1.0 (got 1.1.0). Raise meta.version.',
            ),
          }),
        }),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms': {
    parameters: [slugParameter],
    get: {
      operationId: 'listRooms',
      tags: ['events'],
      summary: "The organization's rooms",
      description: `Deleted rooms are left out; newest first. ${readNote}`,
      security: organizationSecurity,
      responses: {
        200: jsonResponse('The rooms.', 'RoomList', { rooms: [exampleRoom] }, rateLimitHeaders),
        ...eventErrors(),
      },
    },
    post: {
      operationId: 'createRoom',
      tags: ['events'],
      summary: 'Create a room from an app',
      description: `The room locks the app's current manifest version (appManifestVersion) and starts as DRAFT; appSettings must fit that version's settings. The caller (an API key's creator) is the organizer. ${writeNote('create rooms')}`,
      security: organizationSecurity,
      requestBody: jsonBody('CreateRoomRequest', {
        room: {
          value: {
            appId: 'raffle',
            name: 'Spring raffle',
            isPublic: true,
            maxParticipants: 100,
            appSettings: { anonymous: false, rounds: 5 },
            startsAt: '2025-04-01T18:00:00Z',
            endsAt: '2025-04-01T21:00:00Z',
          },
        },
      }),
      responses: {
        201: jsonResponse('The new room.', 'Room', exampleRoom, rateLimitHeaders),
        ...eventErrors({ 409: response('Conflict') }),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}': {
    parameters: [slugParameter, roomIdParameter],
    get: {
      operationId: 'getRoom',
      tags: ['events'],
      summary: 'A room',
      description: readNote,
      security: organizationSecurity,
      responses: {
        200: jsonResponse(
          'The room.',
          'Room',
          { ...exampleRoom, nextStatuses: ['ACTIVE', 'CANCELED'] },
          rateLimitHeaders,
        ),
        ...eventErrors(),
      },
    },
    patch: {
      operationId: 'updateRoom',
      tags: ['events'],
      summary: 'Change a room, or move its status',
      description: `A completed or canceled room no longer changes. ${writeNote('manage the room: its organizer, or OWNER/ADMIN for any room')}`,
      security: organizationSecurity,
      requestBody: jsonBody('UpdateRoomRequest', {
        open: { value: { status: 'ACTIVE' } },
        edit: { value: { maxParticipants: 150, appSettings: { anonymous: true }, endsAt: null } },
      }),
      responses: {
        200: jsonResponse(
          'The room as it is now.',
          'Room',
          { ...exampleRoom, status: 'ACTIVE', nextStatuses: ['COMPLETED', 'CANCELED'] },
          rateLimitHeaders,
        ),
        ...eventErrors({
          409: errorResponse('A status move the life cycle does not allow, or a limit below who joined.', {
            conflict: errorExample('conflict', 'The room is completed: its status can no longer change.'),
          }),
        }),
      },
    },
    delete: {
      operationId: 'deleteRoom',
      tags: ['events'],
      summary: 'Delete a room (soft delete)',
      description: writeNote('manage the room'),
      security: organizationSecurity,
      responses: { 204: noContent('Deleted.'), ...eventErrors() },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/participants': {
    parameters: [slugParameter, roomIdParameter],
    get: {
      operationId: 'listParticipants',
      tags: ['events'],
      summary: "The room's participants",
      description: `Those who left are left out; in the order they joined. ${readNote}`,
      security: organizationSecurity,
      responses: {
        200: jsonResponse(
          'The participants.',
          'ParticipantList',
          {
            participants: [
              {
                id: 'c5eed0000000000000000000c',
                roomId: exampleRoom.id,
                userId: 'c1a2b3c4d5e6f7a8b9c0d1e2f',
                name: 'Ada Lovelace',
                email: 'ada@example.com',
                role: 'PARTICIPANT',
                joinedAt: '2025-04-01T18:05:00.000Z',
              },
            ],
          },
          rateLimitHeaders,
        ),
        ...eventErrors(),
      },
    },
    post: {
      operationId: 'addParticipant',
      tags: ['events'],
      summary: 'Add an existing user to a room',
      description: `Public or private, while the room is a draft or active. ${writeNote('manage the room')}`,
      security: organizationSecurity,
      requestBody: jsonBody('AddParticipantRequest', {
        byEmail: { value: { email: 'ada@example.com' } },
        byId: { value: { userId: 'c1a2b3c4d5e6f7a8b9c0d1e2f', role: 'MODERATOR' } },
      }),
      responses: {
        201: jsonResponse(
          'The participant.',
          'Participant',
          {
            id: 'c5eed0000000000000000000c',
            roomId: exampleRoom.id,
            userId: 'c1a2b3c4d5e6f7a8b9c0d1e2f',
            name: 'Ada Lovelace',
            email: 'ada@example.com',
            role: 'PARTICIPANT',
            joinedAt: '2025-04-01T18:05:00.000Z',
          },
          rateLimitHeaders,
        ),
        ...eventErrors({
          409: errorResponse('The room is full or closed, or the user is in it already.', {
            conflict: errorExample('conflict', 'This room is full: all 100 places are taken.'),
          }),
        }),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/participants/{participantId}': {
    parameters: [slugParameter, roomIdParameter, idParameter('participantId')],
    delete: {
      operationId: 'removeParticipant',
      tags: ['events'],
      summary: 'Remove a participant (soft delete)',
      description: `Their wins are kept. ${writeNote('manage the room')}`,
      security: organizationSecurity,
      responses: { 204: noContent('Removed.'), ...eventErrors() },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/prizes': {
    parameters: [slugParameter, roomIdParameter],
    get: {
      operationId: 'listPrizes',
      tags: ['events'],
      summary: "The room's prizes",
      description: readNote,
      security: organizationSecurity,
      responses: {
        200: jsonResponse('The prizes.', 'PrizeList', { prizes: [prizeExample] }, rateLimitHeaders),
        ...eventErrors(),
      },
    },
    post: {
      operationId: 'createPrize',
      tags: ['events'],
      summary: 'Add a prize',
      description: writeNote('manage the room'),
      security: organizationSecurity,
      requestBody: jsonBody('CreatePrizeRequest', {
        prize: { value: { name: 'Bicycle', description: 'A red one', quantity: 2 } },
      }),
      responses: {
        201: jsonResponse(
          'The prize.',
          'Prize',
          { ...prizeExample, awarded: 0, remaining: 2 },
          rateLimitHeaders,
        ),
        ...eventErrors({ 409: response('Conflict') }),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}': {
    parameters: [slugParameter, roomIdParameter, idParameter('prizeId')],
    delete: {
      operationId: 'deletePrize',
      tags: ['events'],
      summary: 'Delete a prize (soft delete)',
      description: `Refused while the prize has active winners: revoke them first. ${writeNote('manage the room')}`,
      security: organizationSecurity,
      responses: {
        204: noContent('Deleted.'),
        ...eventErrors({
          409: errorResponse('The prize has active winners.', {
            conflict: errorExample(
              'conflict',
              'Cannot delete prize: 2 winner(s) exist. Revoke winners first.',
            ),
          }),
        }),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/prizes/{prizeId}/draw': {
    parameters: [slugParameter, roomIdParameter, idParameter('prizeId')],
    post: {
      operationId: 'drawWinners',
      tags: ['events'],
      summary: 'Draw winners for a prize',
      description: `Picks among the room's active PARTICIPANT entrants who have not won this prize, ordered by id, with a seeded generator; each winner's metadata lets anyone recompute the draw (/rooms/{roomId}/draws/{winnerId}/verify). The room must be active or completed. ${writeNote('manage the room')}`,
      security: organizationSecurity,
      requestBody: jsonBody('DrawRequest', { all: { value: {} }, some: { value: { count: 1 } } }, false),
      responses: {
        201: jsonResponse(
          'The winners of this draw, in the order they were picked.',
          'WinnerList',
          { winners: [exampleWinner] },
          rateLimitHeaders,
        ),
        ...eventErrors({
          409: errorResponse(
            'The prize is exhausted, the count is more than is left, or no one is eligible.',
            {
              conflict: errorExample(
                'conflict',
                'All 2 of “Bicycle” have been drawn. Revoke a winner to draw again.',
              ),
            },
          ),
        }),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/winners': {
    parameters: [slugParameter, roomIdParameter],
    get: {
      operationId: 'listWinners',
      tags: ['events'],
      summary: "The room's winners",
      description: `Revoked winners are left out; in the order they were drawn. ${readNote}`,
      security: organizationSecurity,
      responses: {
        200: jsonResponse(
          'The winners.',
          'WinnerList',
          { winners: [{ ...exampleWinner, displayName: 'Ada Lovelace' }] },
          rateLimitHeaders,
        ),
        ...eventErrors(),
      },
    },
  },
  '/api/v1/orgs/{slug}/rooms/{roomId}/winners/{winnerId}': {
    parameters: [slugParameter, roomIdParameter, idParameter('winnerId')],
    delete: {
      operationId: 'revokeWinner',
      tags: ['events'],
      summary: 'Revoke a winner (soft delete)',
      description: `Frees the prize's slot for another draw. ${writeNote('manage the room')}`,
      security: organizationSecurity,
      responses: { 204: noContent('Revoked.'), ...eventErrors() },
    },
  },
};

function appExample(version: string, history: Json[]): Json {
  return {
    id: 'c7a1b2c3d4e5f60718293a4b5',
    appId: 'raffle',
    name: 'Raffle',
    manifest: version === '1.0.0' ? exampleManifest : exampleManifestV2,
    manifestVersion: version,
    manifestHistory: history,
    organizationId: exampleRoom.organizationId,
    createdAt: '2025-03-01T08:00:00.000Z',
    updatedAt: '2025-03-20T10:00:00.000Z',
  };
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'SaaS platform JSON API',
    version: '1',
    description: [
      'Every error answers `{"error": {"code": "...", "message": "..."}}` with the status codes listed per operation.',
      'Authenticate with `Authorization: Bearer <token>`: an access token from POST /api/v1/auth/token, or, for',
      "`/api/v1/orgs/{slug}/…`, an API key of that organization created on the organization's API keys page.",
      `API key scopes: ${API_SCOPES.join(', ')}.`,
      'Organization endpoints are rate limited per API key (its own hourly limit) or per user (1000 requests per',
      'hour); successful answers carry `X-RateLimit-Limit` and `X-RateLimit-Remaining`.',
    ].join(' '),
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'auth', description: 'Access and refresh tokens' },
    { name: 'usage', description: 'Metered usage of an organization' },
    { name: 'events', description: 'Apps, rooms, participants, prizes and fair draws' },
    { name: 'meta', description: 'About the API' },
  ],
  paths: { ...paths, ...eventPaths },
  components: {
    securitySchemes: {
      accessToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: `An access token from POST /api/v1/auth/token or /api/v1/auth/refresh, valid for ${DOCUMENTED_LIMITS.accessTokenTtlSeconds / 60} minutes. On organization endpoints its user must be a member of the organization.`,
      },
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'sk_<prefix>_<secret>',
        description:
          'An API key `sk_<prefix>_<secret>` (8 lowercase letters or digits, then a base64url secret), shown once at creation. It works only for its own organization and within its scopes, and acts as the member who created it.',
      },
    },
    schemas: { ...schemas, ...eventSchemas },
    responses: { ...responses, ...eventResponses },
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
