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
  Forbidden: errorResponse("The API key lacks the scope, or the user's role may not do this.", {
    forbidden: errorExample('forbidden', 'This API key does not have the usage:read scope.'),
  }),
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
        'Starts a new token family. Failed attempts are throttled per email and IP address; a wrong email or password always answers "Invalid email or password".',
      security: [],
      requestBody: jsonBody('TokenRequest', {
        signIn: { value: { email: 'ada@example.com', password: 'correct-horse-battery' } },
      }),
      responses: {
        200: jsonResponse('The new tokens.', 'TokenPair', tokenPairExample, noStore),
        400: response('ValidationFailed'),
        401: errorResponse('Wrong email or password, or the account cannot sign in.', {
          unauthorized: errorExample('unauthorized', 'Invalid email or password'),
        }),
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
    { name: 'meta', description: 'About the API' },
  ],
  paths,
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
    schemas,
    responses,
  },
} as const;

export type OpenApiDocument = typeof openApiDocument;
