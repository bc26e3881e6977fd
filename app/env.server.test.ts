import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, parseEnv } from './env.server';

describe('configuration', () => {
  it('needs no variables in development', () => {
    const env = parseEnv({});
    expect(env.NODE_ENV).toBe('development');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PGLITE_DATA_DIR).toBe('.data/pglite');
    expect(env.PORT).toBe(3000);
  });

  it('points APP_URL at the port it listens on unless told otherwise', () => {
    expect(parseEnv({ PORT: '3100' }).APP_URL).toBe('http://localhost:3100');
    expect(parseEnv({}).APP_URL).toBe('http://localhost:3000');
    expect(parseEnv({ PORT: '3100', APP_URL: 'https://app.example' }).APP_URL).toBe('https://app.example');
  });

  it('treats empty values as unset', () => {
    expect(parseEnv({ DATABASE_URL: '', SMTP_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names every invalid variable', () => {
    try {
      parseEnv({ DATABASE_URL: 'mysql://x', PORT: 'eighty', EMAIL_PAYLOAD_KEY: 'short' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('PORT');
      expect(message).toContain('EMAIL_PAYLOAD_KEY');
    }
  });

  it('requires real secrets in production', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET: is required in production/);
    expect(
      parseEnv({
        NODE_ENV: 'production',
        SESSION_SECRET: 's'.repeat(32),
        JWT_SECRET: 'j'.repeat(32),
        EMAIL_PAYLOAD_KEY: 'ab'.repeat(32),
        TOTP_ENCRYPTION_KEY: 'ba'.repeat(32),
        CRON_SECRET: 'c'.repeat(16),
      }).NODE_ENV,
    ).toBe('production');
  });

  it('requires the Stripe webhook secret in production when Stripe mode is on', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 's'.repeat(32),
      JWT_SECRET: 'j'.repeat(32),
      EMAIL_PAYLOAD_KEY: 'ab'.repeat(32),
      TOTP_ENCRYPTION_KEY: 'ba'.repeat(32),
      CRON_SECRET: 'c'.repeat(16),
      STRIPE_SECRET_KEY: 'sk_live_x',
    };
    expect(() => parseEnv(production)).toThrow(/STRIPE_WEBHOOK_SECRET: is required in production/);
    expect(parseEnv({ ...production, STRIPE_WEBHOOK_SECRET: 'whsec_x' }).STRIPE_SECRET_KEY).toBe('sk_live_x');
  });

  it('stops a command at start-up with a message naming the variable', () => {
    const run = spawnSync('npx', ['tsx', 'scripts/migrate.ts'], {
      env: { ...process.env, DATABASE_URL: 'not-a-url' },
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('DATABASE_URL');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('.env.example lists every variable the schema reads, and nothing else', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    const schemaKeys = Object.keys(envSchema.innerType().shape).sort();
    expect(listed).toEqual(schemaKeys);
  });
});
