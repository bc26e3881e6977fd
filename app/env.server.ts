// The one configuration module (issue "Foundation" §2). Every variable is optional in development;
// a missing or invalid one stops start-up with a message naming it.
import { z } from 'zod';

const optionalUrl = z.string().url().optional();
const bool = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    APP_URL: z.string().url().default('http://localhost:3000'),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    PGLITE_DATA_DIR: z.string().min(1).default('.data/pglite'),
    MIGRATE_ON_START: bool,
    SEED_DEMO: bool,
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    EMAIL_PAYLOAD_KEY: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)')
      .optional(),
    // AES-256-GCM key of the stored TOTP secrets (app/auth/totp.server.ts), its own so it rotates alone.
    TOTP_ENCRYPTION_KEY: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)')
      .optional(),
    CRON_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    SMTP_URL: optionalUrl,
    EMAIL_FROM: z.string().min(3).default('SaaS Platform <no-reply@localhost>'),
    // immediate: send right after the commit (and retry by cron); cron: leave emails queued for POST /cron/send-emails.
    EMAIL_DELIVERY: z.enum(['immediate', 'cron']).default('immediate'),
    STRIPE_SECRET_KEY: z.string().startsWith('sk_').optional(),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_').optional(),
    STRIPE_API_BASE: optionalUrl,
    // Paynow (Zimbabwe): invoices paid by EcoCash, OneMoney, InnBucks, Visa, Mastercard. Both id and key: on.
    PAYNOW_INTEGRATION_ID: z.string().min(1).optional(),
    PAYNOW_INTEGRATION_KEY: z.string().min(1).optional(),
    PAYNOW_API_BASE: z.string().url().default('https://www.paynow.co.zw'),
    GITHUB_CLIENT_ID: z.string().optional(),
    GITHUB_CLIENT_SECRET: z.string().optional(),
    GITHUB_AUTHORIZE_URL: z.string().url().default('https://github.com/login/oauth/authorize'),
    GITHUB_TOKEN_URL: z.string().url().default('https://github.com/login/oauth/access_token'),
    GITHUB_API_URL: z.string().url().default('https://api.github.com'),
    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
    GOOGLE_AUTHORIZE_URL: z.string().url().default('https://accounts.google.com/o/oauth2/v2/auth'),
    GOOGLE_TOKEN_URL: z.string().url().default('https://oauth2.googleapis.com/token'),
    GOOGLE_USERINFO_URL: z.string().url().default('https://openidconnect.googleapis.com/v1/userinfo'),
    // Files of digital products (app/store/storage.server.ts): a local folder behind the FileStore interface.
    STORAGE_DIR: z.string().min(1).default('.data/storage'),
    INVITATION_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(48),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((env, ctx) => {
    // Production refuses to run on development defaults for secrets.
    if (env.NODE_ENV !== 'production') return;
    for (const key of [
      'SESSION_SECRET',
      'JWT_SECRET',
      'EMAIL_PAYLOAD_KEY',
      'TOTP_ENCRYPTION_KEY',
      'CRON_SECRET',
    ] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required in production' });
    }
    // Stripe mode without the webhook secret would refuse every delivery: plans would never change.
    if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['STRIPE_WEBHOOK_SECRET'],
        message: 'is required in production when STRIPE_SECRET_KEY is set',
      });
  });

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses a raw environment; throws ConfigError naming every bad variable. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  // Empty strings (e.g. `FOO=` in .env) mean "unset", as most tools treat them.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  // Without APP_URL, links point at the port this process listens on (`PORT=3100 npm run dev`).
  if (!cleaned.APP_URL && /^\d{1,5}$/.test(cleaned.PORT ?? ''))
    cleaned.APP_URL = `http://localhost:${cleaned.PORT}`;
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated environment of this process (parsed once). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Development-only fallbacks so `npm run dev` needs no .env; production requires real values (see superRefine). */
export function secret(name: 'SESSION_SECRET' | 'JWT_SECRET' | 'CRON_SECRET'): string {
  return env()[name] ?? `dev-only-${name.toLowerCase()}-not-for-production-use`;
}

export function emailPayloadKey(): string {
  return env().EMAIL_PAYLOAD_KEY ?? '00'.repeat(32);
}

/** Development fallback like the email payload key's; production requires TOTP_ENCRYPTION_KEY. */
export function totpEncryptionKey(): string {
  return env().TOTP_ENCRYPTION_KEY ?? '11'.repeat(32);
}

/** Tests that change process.env (e.g. OAuth endpoints of a fake provider) re-read it. */
export function resetEnvCache(): void {
  cached = undefined;
}
