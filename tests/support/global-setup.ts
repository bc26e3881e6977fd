// Integration project: make sure the template database exists once, before any worker starts.
// With CI=true a missing PostgreSQL fails the run; elsewhere tests fall back to PGlite.
import type { TestProject } from 'vitest/node';
import { ensureTemplate, postgresReachable, TEST_DATABASE_URL } from './pg';

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  if (await postgresReachable()) {
    project.provide('pgTemplate', await ensureTemplate());
    return;
  }
  const where = new URL(TEST_DATABASE_URL).host;
  if (process.env.CI === 'true') {
    throw new Error(
      `PostgreSQL is not reachable at ${where} (TEST_DATABASE_URL) and CI=true: nothing may be skipped.`,
    );
  }
  console.warn(
    `\n[tests] PostgreSQL not reachable at ${where}: running on embedded PGlite; tests that need several connections are skipped.\n`,
  );
  project.provide('pgTemplate', null);
}
