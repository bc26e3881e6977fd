// Production without SMTP_URL must not print live links (issue 8 §5); development may.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetEnvCache } from '~/env.server';
import { setTransport, transport } from './mailer.server';

const email = {
  to: 'ann@example.com',
  from: 'x@example.com',
  template: 'reset-password',
  subject: 'Reset your password',
  html: '<a href="http://app/reset-password?token=SECRET">reset</a>',
  text: 'Reset: http://app/reset-password?token=SECRET',
};

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvCache();
  setTransport(undefined);
  vi.restoreAllMocks();
});

async function printedUnder(nodeEnv: 'development' | 'production') {
  process.env = {
    ...saved,
    NODE_ENV: nodeEnv,
    SMTP_URL: '',
    SESSION_SECRET: 's'.repeat(32),
    JWT_SECRET: 'j'.repeat(32),
    EMAIL_PAYLOAD_KEY: 'ab'.repeat(32),
    CRON_SECRET: 'c'.repeat(16),
    TOTP_ENCRYPTION_KEY: 'cd'.repeat(32),
  };
  resetEnvCache();
  setTransport(undefined);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  await transport().send(email);
  return log.mock.calls.map((c) => c.join(' ')).join('\n');
}

describe('console mailer', () => {
  it('logs only recipient and template in production', async () => {
    const out = await printedUnder('production');
    expect(out).toContain('ann@example.com');
    expect(out).toContain('reset-password');
    expect(out).not.toContain('SECRET');
    expect(out).not.toContain('token=');
  });

  it('prints the link in development', async () => {
    expect(await printedUnder('development')).toContain('token=SECRET');
  });
});
