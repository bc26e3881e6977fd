// PostgreSQL test databases: one migrated + seeded template per migration set, one clone per test file.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { connectPostgres } from '../../db/client.server';
import { migrate, migrationsDigest } from '../../db/migrate';
import { seedBaseline } from '../../db/seed';

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string, base = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export function adminClient(base = TEST_DATABASE_URL) {
  return postgres(base, { max: 1, onnotice: () => {}, connect_timeout: 3 });
}

export async function postgresReachable(base = TEST_DATABASE_URL): Promise<boolean> {
  const client = adminClient(base);
  try {
    await client`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await client.end({ timeout: 1 });
  }
}

/** The template's name changes whenever a migration or the baseline seed changes. */
export function templateName(): string {
  const seed = createHash('sha256')
    .update(readFileSync(new URL('../../db/seed.ts', import.meta.url)))
    .update(readFileSync(new URL('../../app/billing/plans.ts', import.meta.url)))
    .digest('hex')
    .slice(0, 6);
  return `saas_tpl_${migrationsDigest()}_${seed}`;
}

/** Creates the template database if it does not exist yet; returns its name. */
export async function ensureTemplate(base = TEST_DATABASE_URL): Promise<string> {
  const name = templateName();
  const admin = adminClient(base);
  try {
    const existing = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (existing.length > 0) return name;
    const building = `saas_tplbuild_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin.unsafe(`CREATE DATABASE ${building}`);
    const conn = connectPostgres(databaseUrl(building, base), { max: 1 });
    try {
      await migrate(conn.db);
      await seedBaseline(conn.db);
    } catch (err) {
      await conn.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${building}`);
      throw err;
    }
    await conn.close();
    try {
      await admin.unsafe(`ALTER DATABASE ${building} RENAME TO ${name}`);
      await admin.unsafe(`ALTER DATABASE ${name} WITH IS_TEMPLATE true`);
    } catch (err) {
      // Another run built the same template first: keep theirs.
      await admin.unsafe(`DROP DATABASE IF EXISTS ${building}`);
      const again = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
      if (again.length === 0) throw err;
    }
    // Older templates (previous migration sets) are dead weight.
    const stale =
      await admin`SELECT datname FROM pg_database WHERE datname LIKE 'saas_tpl_%' AND datname <> ${name}`;
    for (const row of stale) {
      await admin.unsafe(`ALTER DATABASE ${row.datname} WITH IS_TEMPLATE false`).catch(() => {});
      await admin.unsafe(`DROP DATABASE IF EXISTS ${row.datname}`).catch(() => {});
    }
    return name;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Clones the template into a fresh database (CREATE DATABASE … TEMPLATE: a file copy, no migrations run). */
export async function cloneTemplate(template: string, base = TEST_DATABASE_URL): Promise<string> {
  const name = `saas_t_${randomBytes(6).toString('hex')}`;
  const admin = adminClient(base);
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  return name;
}

export async function dropDatabase(name: string, base = TEST_DATABASE_URL): Promise<void> {
  const admin = adminClient(base);
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end({ timeout: 1 });
  }
}
