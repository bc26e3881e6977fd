// Browser project: build the app for production, give it its own database, start it, and tell the
// tests where it is. Skips (with a notice) when no Chromium is installed, except with CI=true.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { cloneTemplate, databaseUrl, dropDatabase, ensureTemplate, postgresReachable } from '../support/pg';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eBaseUrl: string | null;
    e2eDatabaseUrl: string | null;
    chromiumPath: string;
  }
}

import { freePort, waitForReady } from './instances';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default async function setup(project: TestProject) {
  project.provide('chromiumPath', CHROMIUM_PATH);
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI === 'true')
      throw new Error(`Chromium not found at ${CHROMIUM_PATH} and CI=true: nothing may be skipped.`);
    console.warn(
      `\n[e2e] Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH): browser tests are skipped.\n`,
    );
    project.provide('e2eBaseUrl', null);
    project.provide('e2eDatabaseUrl', null);
    return;
  }

  const build = spawnSync('npx', ['remix', 'vite:build'], { stdio: 'pipe', encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`production build failed:\n${build.stdout}\n${build.stderr}`);

  // Its own database: a clone of the test template on PostgreSQL, else a throwaway PGlite folder.
  let dbName: string | undefined;
  let pgliteDir: string | undefined;
  const appEnv: Record<string, string> = {};
  if (await postgresReachable()) {
    dbName = await cloneTemplate(await ensureTemplate());
    appEnv.DATABASE_URL = databaseUrl(dbName);
    appEnv.MIGRATE_ON_START = 'true';
  } else {
    if (process.env.CI === 'true') throw new Error('PostgreSQL not reachable and CI=true');
    pgliteDir = mkdtempSync(join(tmpdir(), 'saas-e2e-'));
    appEnv.PGLITE_DATA_DIR = pgliteDir;
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      ...appEnv,
      NODE_ENV: 'production',
      PORT: String(port),
      APP_URL: baseUrl,
      SESSION_SECRET: 'e2e-session-secret-e2e-session-secret-00',
      JWT_SECRET: 'e2e-jwt-secret-e2e-jwt-secret-e2e-jwt-000',
      EMAIL_PAYLOAD_KEY: 'ab'.repeat(32),
      TOTP_ENCRYPTION_KEY: 'ba'.repeat(32),
      CRON_SECRET: 'e2e-cron-secret-0000',
      // Keep emails queued so tests can read their links from the outbox (a sent email's payload is cleared).
      EMAIL_DELIVERY: 'cron',
      // Browser contexts send their own X-Forwarded-For (fixtures.ts): one device, one address.
      TRUST_PROXY_HOPS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  try {
    await waitForReady(baseUrl, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  project.provide('e2eBaseUrl', baseUrl);
  project.provide('e2eDatabaseUrl', appEnv.DATABASE_URL ?? null);

  return async () => {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 10_000).unref();
    });
    if (dbName) await dropDatabase(dbName);
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  };
}
