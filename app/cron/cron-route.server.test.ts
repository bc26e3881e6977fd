// POST /cron/<job> (app/routes/cron.$job.ts): bearer auth in constant time, the closed job list,
// 200 / 409 / 500 JSON answers, POST only.
import type { ActionFunctionArgs } from '@remix-run/node';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bindAppDatabase } from '~/auth/test-helpers.server';
import { resetEnvCache, secret } from '~/env.server';
import { cronRuns } from '~db/schema';
import { useTestDatabase } from '../../tests/support/db';
import { action, loader } from '../routes/cron.$job';
import { cronJobs } from './jobs.server';
import { at, minutes } from './test-factories';

const t = useTestDatabase();

beforeAll(() => bindAppDatabase(t.db, t.driver));
afterEach(() => vi.restoreAllMocks());

function post(job: string, authorization?: string | null, method = 'POST') {
  const headers = new Headers();
  if (authorization) headers.set('authorization', authorization);
  const request = new Request(`http://localhost:3000/cron/${job}`, { method, headers });
  return action({ request, params: { job }, context: {} } as ActionFunctionArgs);
}

const bearer = () => `Bearer ${secret('CRON_SECRET')}`;

async function expectJsonError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body;
}

describe('POST /cron/<job>', () => {
  it('answers 200 { job, status: succeeded, counts } with the right bearer, and records the run', async () => {
    const response = await post('cleanup-tokens', bearer());
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      job: 'cleanup-tokens',
      status: 'succeeded',
      counts: {
        blacklistEntries: 0,
        sessions: 0,
        refreshTokens: 0,
        verifications: 0,
        rateLimitBuckets: 0,
        webauthnChallenges: 0,
        emailChangeRequests: 0,
      },
    });
    const runs = await t.db.select().from(cronRuns).where(eq(cronRuns.job, 'cleanup-tokens'));
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED']);
  });

  it('answers 401 JSON without the bearer, with a wrong one, or with another scheme; nothing runs', async () => {
    for (const authorization of [
      null,
      'Bearer wrong-secret-0123456789',
      `Bearer ${secret('CRON_SECRET')}x`,
      `Basic ${Buffer.from(`cron:${secret('CRON_SECRET')}`).toString('base64')}`,
      secret('CRON_SECRET'),
      'Bearer ',
    ]) {
      const response = await post('expire-invitations', authorization);
      await expectJsonError(response, 401, 'unauthorized');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await t.db.select().from(cronRuns).where(eq(cronRuns.job, 'expire-invitations'))).toEqual([]);
  });

  it('uses CRON_SECRET from the environment when set', async () => {
    const previous = process.env.CRON_SECRET;
    process.env.CRON_SECRET = 'a-configured-cron-secret-for-tests';
    resetEnvCache();
    try {
      expect((await post('cleanup-stale-sessions', 'Bearer a-configured-cron-secret-for-tests')).status).toBe(
        200,
      );
      await expectJsonError(
        await post('cleanup-stale-sessions', 'Bearer dev-only-cron_secret-not-for-production-use'),
        401,
        'unauthorized',
      );
    } finally {
      if (previous === undefined) delete process.env.CRON_SECRET;
      else process.env.CRON_SECRET = previous;
      resetEnvCache();
    }
  });

  it('answers 404 JSON for a job that is not on the list (after authentication: 401 first)', async () => {
    for (const job of ['analytics', 'nope', 'constructor', '__proto__']) {
      const body = await expectJsonError(await post(job, bearer()), 404, 'not_found');
      expect(body.error.message).toContain(job);
    }
    await expectJsonError(await post('nope', null), 401, 'unauthorized');
  });

  it('answers 409 { job, status: skipped } while another run holds the job', async () => {
    const [holder] = await t.db
      .insert(cronRuns)
      .values({ job: 'expire-invitations', status: 'RUNNING', leaseExpiresAt: at(minutes(5)) })
      .returning();
    const response = await post('expire-invitations', bearer());
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ job: 'expire-invitations', status: 'skipped' });
    await t.db.update(cronRuns).set({ status: 'FAILED' }).where(eq(cronRuns.id, holder!.id));
    expect((await post('expire-invitations', bearer())).status).toBe(200);
  });

  it('answers 500 JSON (message, no stack) when the job fails, and the run is FAILED', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(cronJobs['send-emails'], 'run').mockRejectedValueOnce(new Error('mail server down'));
    const response = await post('send-emails', bearer());
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      job: 'send-emails',
      status: 'failed',
      error: { code: 'job_failed', message: 'mail server down' },
    });
    expect(text).not.toContain('    at ');
    const [run] = await t.db.select().from(cronRuns).where(eq(cronRuns.job, 'send-emails'));
    expect(run).toMatchObject({ status: 'FAILED', error: 'mail server down' });
  });

  it('is POST only: GET (loader) and PUT answer 405 JSON with Allow: POST', async () => {
    const get = loader();
    await expectJsonError(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST');
    const put = await post('cleanup-tokens', bearer(), 'PUT');
    await expectJsonError(put, 405, 'method_not_allowed');
  });
});
