// API key scopes that a key can be given (SPEC §4's CHECK on api_keys.scopes allows exactly these four)
// and the form schema of the API keys page. No server imports: the page validates with it in the browser too.
import { z } from 'zod';
import type { Action } from '~/orgs/permissions';

export const API_SCOPES = ['usage:read', 'usage:write', 'rooms:read', 'rooms:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const SCOPE_LABELS: Record<ApiScope, string> = {
  'usage:read': 'Read usage summaries',
  'usage:write': 'Send usage events',
  'rooms:read': 'Read apps, rooms, participants, prizes and winners',
  'rooms:write': 'Manage apps, rooms, participants, prizes and draws',
};

/**
 * A JWT has no scopes: its user is checked against the matrix (SPEC §2) with the action a scope stands
 * for. Sending usage events is what a usage:write key does, and only those who manage keys may mint one.
 * The rooms scopes stand for the least the rooms API needs (viewing; creating rooms); each endpoint's
 * domain function then checks its own cell (apps:manage, rooms:manage-own / rooms:manage-any).
 */
export const SCOPE_ACTIONS: Record<ApiScope, Action> = {
  'usage:read': 'usage:view',
  'usage:write': 'api-keys:manage',
  'rooms:read': 'organization:view',
  'rooms:write': 'rooms:create',
};

export const scopeSchema = z.enum(API_SCOPES, { errorMap: () => ({ message: 'Unknown scope' }) });

/** Choices of the "expires" select, in days; '' is never. */
export const EXPIRY_CHOICES = [
  { value: '', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In 1 year' },
] as const;

export const DEFAULT_RATE_LIMIT = 1000;
export const MAX_RATE_LIMIT = 100_000;

export const apiKeyNameSchema = z
  .string({ required_error: 'Enter a name' })
  .trim()
  .min(1, 'Enter a name')
  .max(80, 'Use at most 80 characters');

export const rateLimitSchema = z.coerce
  .number({ invalid_type_error: 'Enter a whole number' })
  .int('Enter a whole number')
  .min(1, 'Allow at least 1 request per hour')
  .max(MAX_RATE_LIMIT, `Allow at most ${MAX_RATE_LIMIT.toLocaleString('en-US')} requests per hour`);

export const apiKeyFormSchema = z.object({
  name: apiKeyNameSchema,
  scopes: z
    .array(scopeSchema, { required_error: 'Choose at least one scope' })
    .min(1, 'Choose at least one scope'),
  expiresInDays: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.enum(['7', '30', '90', '365'], { errorMap: () => ({ message: 'Choose an expiry' }) }).optional(),
  ),
  rateLimit: z.preprocess((v) => (v === '' || v === undefined ? DEFAULT_RATE_LIMIT : v), rateLimitSchema),
});
export type ApiKeyForm = z.infer<typeof apiKeyFormSchema>;
